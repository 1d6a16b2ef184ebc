"""Sessions, CSRF tokens and the security headers every response carries.

- The session cookie is HttpOnly, SameSite=Strict and Secure (``__Host-``
  prefixed) unless the back office listens on loopback over plain HTTP
  (backoffice/settings.py); it is signed with BACKOFFICE_SECRET_KEY.
- Every POST carries the session's CSRF token in a hidden field, compared
  in constant time; a POST without it changes nothing and gets a 400.
- No script runs on any page: the CSP allows none, styles and images come
  only from the back office itself, and no other site may frame it. Pages
  are ``no-store, private``: never kept by a browser or a shared proxy.
"""
from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from flask import Flask, Response, abort, request, session

from backoffice.settings import BackofficeSettings

CSRF_FIELD = "csrf_token"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# Forms post a note at most; anything bigger is an attack on memory.
MAX_REQUEST_BYTES = 64 * 1024


def configure_sessions(app: Flask, settings: BackofficeSettings) -> None:
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="__Host-backoffice" if settings.secure_cookies else "backoffice",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PATH="/",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_minutes),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
    )
    app.before_request(_check_csrf)
    app.after_request(lambda response: _secure_headers(response, settings.secure_cookies))
    app.jinja_env.globals["csrf_token"] = csrf_token


def csrf_token() -> str:
    """The session's token, made on first use (also before login: the login form has one)."""
    token = session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return str(token)


def renew_session() -> None:
    """A fresh session at login and logout, so a token or cookie from before never carries over."""
    session.clear()
    session.permanent = True
    session[CSRF_FIELD] = secrets.token_urlsafe(32)


def _check_csrf() -> None:
    if request.method != "POST":
        return
    expected = session.get(CSRF_FIELD)
    sent = request.form.get(CSRF_FIELD, "")
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        abort(400, description="This form is out of date or did not come from the back office. "
                               "Reload the page and try again.")


def _secure_headers(response: Response, secure: bool) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cache-Control"] = "no-store, private"
    headers["Pragma"] = "no-cache"
    if secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return response
