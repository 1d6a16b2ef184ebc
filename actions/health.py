"""The action server's ``GET /health`` says ``degraded`` while the booking database or Redis is down.

rasa-sdk's own /health always answers ``ok``. rasa-sdk creates its Sanic app
and then imports every module of this package, so this module, when
imported by that server, adds a response middleware that rewrites the body of
/health from the outage state kept by actions/runtime.py. Imported anywhere
else (tests, ops) it does nothing.
"""
from __future__ import annotations

from typing import Any, Optional

from actions.runtime import database_outage

RASA_SDK_APP = "rasa_sdk"


async def report_store_health(request: Any, response: Any) -> Optional[Any]:
    """/health's answer with the stores' state; every other response unchanged."""
    if request.path != "/health":
        return None
    from sanic import response as sanic_response

    return sanic_response.json({"status": database_outage.health.value,
                                "stores": {database_outage.store: database_outage.health.value}})


def _install() -> None:
    from sanic import Sanic
    from sanic.exceptions import SanicException

    try:
        app = Sanic.get_app(RASA_SDK_APP)
    except SanicException:
        return  # not inside the action server
    app.register_middleware(report_store_health, "response")


_install()
