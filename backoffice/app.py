"""The back office's Flask application, put together from its settings (docs/backoffice.md)."""
from __future__ import annotations

import logging
from typing import Optional

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from backoffice import auth, views_payments, views_today, views_training
from backoffice.context import EXTENSION, Backoffice
from backoffice.masking import shown_phone
from backoffice.permissions import Permission
from backoffice.security import configure_sessions
from backoffice.settings import BackofficeSettings, load_backoffice_settings

logger = logging.getLogger(__name__)


def create_app(settings: Optional[BackofficeSettings] = None) -> Flask:
    settings = settings or load_backoffice_settings()
    app = Flask(__name__)
    if settings.proxies:
        # Behind nginx (docker-compose): the client's address is the one the proxy saw,
        # so login limits count people, not the proxy.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxies, x_proto=settings.proxies)  # type: ignore[method-assign]
    configure_sessions(app, settings)
    app.extensions[EXTENSION] = Backoffice.build(settings)
    app.before_request(auth.load_member)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(views_payments.blueprint)
    app.register_blueprint(views_today.blueprint)
    app.register_blueprint(views_training.blueprint)
    app.jinja_env.globals.update(can=auth.can, Permission=Permission, member=auth.current_member,
                                 phone=lambda number: shown_phone(number, auth.can(Permission.SEE_FULL_PHONE)))
    app.jinja_env.filters["money"] = lambda amount: f"{amount:,.2f}"
    app.jinja_env.filters["when"] = lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""

    @app.errorhandler(HTTPException)
    def refused(error: HTTPException):
        # Never a stack trace or an exception's text: the status and a sentence.
        return render_template("error.html", error=error), error.code or 500

    @app.errorhandler(Exception)
    def failed(error: Exception):
        logger.error("back office request failed", exc_info=error)
        return render_template("error.html", error=None), 500

    return app
