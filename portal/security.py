"""Deny-by-default access rules and security headers.

Every view declares who may use it with one of the decorators below; a request to a view without a
declared rule is refused (403). Object-level checks (is this user a coordinator of *this* group?) stay in
the views and services, on top of the rule.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from flask import Flask, abort, current_app, request
from flask_login import current_user

from portal.extensions import login_manager
from portal.models import Role


class Access(enum.StrEnum):
    PUBLIC = "public"  # anyone, signed in or not
    TOKEN = "token"  # anyone holding a secret link; the view checks the token
    USER = "user"  # any signed-in account (parents and guests included)
    MEMBER = "member"  # members, coordinators, administrators
    COORDINATOR = "coordinator"  # coordinators and administrators
    ADMIN = "admin"  # administrators only


ALLOWED_ROLES: dict[Access, frozenset[str] | None] = {
    Access.PUBLIC: None,
    Access.TOKEN: None,
    Access.USER: frozenset(r.value for r in Role),
    Access.MEMBER: frozenset({Role.MEMBER, Role.COORDINATOR, Role.ADMIN}),
    Access.COORDINATOR: frozenset({Role.COORDINATOR, Role.ADMIN}),
    Access.ADMIN: frozenset({Role.ADMIN}),
}


def access(rule: Access) -> Callable:
    def decorator(view: Callable) -> Callable:
        view.access_rule = rule
        return view

    return decorator


public = access(Access.PUBLIC)
token_link = access(Access.TOKEN)
signed_in = access(Access.USER)
members = access(Access.MEMBER)
coordinators = access(Access.COORDINATOR)
admins = access(Access.ADMIN)


def rule_for(endpoint: str | None) -> Access | None:
    if endpoint is None:
        return None
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def enforce_access() -> None:
    """before_request: apply the view's declared rule, refusing views that declare none."""
    if request.endpoint is None:  # no route matched: let the 404/405 handlers answer
        return None
    rule = rule_for(request.endpoint)
    if rule is None:
        abort(403)
    allowed = ALLOWED_ROLES[rule]
    if allowed is None:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in allowed:
        abort(403)
    return None


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def reject_nul_bytes() -> None:
    """before_request: no NUL byte reaches a view (PostgreSQL refuses it in text, which would be a 500).

    In the path it names nothing (404); in the query string, a form field or an uploaded file's name it is a
    malformed request (400).
    """
    if "\x00" in request.path or any("\x00" in str(v) for v in (request.view_args or {}).values()):
        abort(404)
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)
    if any("\x00" in (upload.filename or "") for upload in request.files.values()):
        abort(400)
    return None


def init_app(app: Flask) -> None:
    app.view_functions["static"].access_rule = Access.PUBLIC
    # First of all before-request hooks: a request carrying a NUL byte, then an unauthorised request, is
    # refused before CSRF or anything else looks at it.
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(0, enforce_access)
    hooks.insert(0, reject_nul_bytes)
    app.after_request(set_security_headers)
