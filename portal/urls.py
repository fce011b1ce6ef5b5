"""Absolute URLs for e-mails, calendars and exports, built on BASE_URL (also outside requests)."""

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    if has_request_context():
        path = url_for(endpoint, **values)
    else:  # CLI commands, the mail worker, reminders
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values)
    return base + path
