"""Logging in and out, who is asking, and the server-side check of every role's rights."""
from __future__ import annotations

from functools import wraps
from typing import Callable, Optional, TypeVar, cast

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from backoffice.context import backoffice
from backoffice.permissions import Permission, allows
from backoffice.security import renew_session
from payments.staff.accounts import StaffMember, StaffRole
from payments.staff.audit import AuditAction

blueprint = Blueprint("auth", __name__)
PUBLIC_ENDPOINTS = {"auth.login", "auth.health", "static"}
USER_KEY = "staff_member"
MAX_USERNAME = 64

F = TypeVar("F", bound=Callable[..., object])


def current_member() -> Optional[StaffMember]:
    return cast(Optional[StaffMember], g.get("member"))


def load_member() -> Optional[ResponseReturnValue]:
    """Before every request: the session's account, while it exists and is enabled; else the login page."""
    g.member = None
    username = session.get(USER_KEY)
    if username:
        g.member = backoffice().staff.active(str(username))
        if g.member is None:  # disabled (or deleted) since: the session ends now
            renew_session()
    if g.member is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if request.method == "POST":
            abort(401)
        return redirect(url_for("auth.login"))
    return None


def requires(permission: Permission) -> Callable[[F], F]:
    """Refuse (403, audited) a request beyond the person's role, whatever the page showed them."""
    def decorate(view: F) -> F:
        @wraps(view)
        def checked(*args, **kwargs):
            member = current_member()
            if member is None or not allows(member.role, permission):
                if member is not None:
                    backoffice().audit.record(member.username, AuditAction.REFUSED, request.path[:200],
                                              f"{request.method} needs {permission.value}")
                abort(403)
            return view(*args, **kwargs)
        return cast(F, checked)
    return decorate


def can(permission: Permission) -> bool:
    member = current_member()
    return member is not None and allows(member.role, permission)


def home_for(role: StaffRole) -> str:
    return url_for("training.inbox") if role is StaffRole.TRAINER else url_for("payments.search")


@blueprint.get("/health")
def health():
    return {"status": "ok"}


@blueprint.get("/")
def home():
    member = current_member()
    assert member is not None
    return redirect(home_for(member.role))


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", error=None)
    office = backoffice()
    username = request.form.get("username", "").strip().lower()[:MAX_USERNAME]
    password = request.form.get("password", "")
    address = request.remote_addr or "unknown"
    if not office.login_limiter.allowed(username, address):
        office.audit.record(username or "-", AuditAction.LOGIN_REFUSED, address, "too many wrong passwords")
        return render_template("login.html", error="Too many wrong passwords. Wait a quarter of an hour "
                                                    "or ask ops to check the account."), 429
    member = office.staff.authenticate(username, password)
    if member is None:
        office.login_limiter.record_failure(username, address)
        return render_template("login.html", error="That name and password do not match an active account."), 401
    renew_session()
    session[USER_KEY] = member.username
    office.audit.record(member.username, AuditAction.LOGIN, address)
    return redirect(home_for(member.role))


@blueprint.post("/logout")
def logout():
    member = current_member()
    if member is not None:
        backoffice().audit.record(member.username, AuditAction.LOGOUT)
    renew_session()
    return redirect(url_for("auth.login"))
