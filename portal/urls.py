"""Absolute URLs for e-mails, calendars and exports, built on BASE_URL (also outside requests)."""

from flask import current_app


def base_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def external_url(endpoint: str, **values) -> str:
    """BASE_URL + the endpoint's path. Works in requests, CLI commands and the mail worker alike."""
    return base_url() + current_app.url_map.bind("localhost").build(endpoint, values)
