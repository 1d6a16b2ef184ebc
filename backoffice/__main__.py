"""``python -m backoffice``: serve the back office with waitress (make serve, make run, docker-compose).

Listens on BACKOFFICE_HOST:BACKOFFICE_PORT (127.0.0.1:8060 by default);
docs/backoffice.md and docs/configuration.md.
"""
from __future__ import annotations

import logging
import sys

from waitress import serve

from backoffice.app import create_app
from backoffice.settings import load_backoffice_settings
from payments.store.migrations import SchemaNotCurrent

THREADS = 8


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_backoffice_settings()
        app = create_app(settings)
    except SchemaNotCurrent:
        print("backoffice: the booking database is not at this code's schema: run `python -m payments.ops migrate`"
              " (with the same DATABASE_URL) first", file=sys.stderr)
        return 2
    except ValueError as refused:
        print(f"backoffice: {refused}", file=sys.stderr)
        return 2
    print(f"back office on http://{settings.host}:{settings.port}/ (log in with an account from "
          "`python -m payments.ops account-create NAME --role office|ops|trainer`)", flush=True)
    serve(app, host=settings.host, port=settings.port, threads=THREADS, ident="backoffice")
    return 0


if __name__ == "__main__":
    sys.exit(main())
