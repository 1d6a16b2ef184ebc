"""The `rasa` command with this project's defaults and fixes, and costs of Rasa 3.6 taken out.

    python -m tools.rasa_server run --enable-api …   (any `rasa` arguments)
    python -m tools.rasa_server shell                (the same for every command)

tools.stack starts Rasa through this module (make run / serve, the end-to-end
tests, make bench), and so does docker-compose.yml. Before Rasa starts it:

- fills the endpoints.yml variables left unset with the one-machine defaults
  (tools/rasa_endpoints.py): plain `rasa run` refuses an unset ${VAR};
- with `lock_store: type: redis`, uses tools/redis_lock_store.py, whose
  tickets are atomic across Rasa instances (RasaHQ/rasa#9213);
- applies tools/rasa_speedups.py: per-turn costs taken out, leaving what
  Rasa answers exactly as it was.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import List, Optional

from tools.rasa_endpoints import EndpointSettingError, apply_endpoint_defaults
from tools.rasa_speedups import apply_all
from tools.redis_lock_store import use_atomic_redis_lock_store

logger = logging.getLogger(__name__)


def main(argv: Optional[List[str]] = None) -> None:
    use_atomic_redis_lock_store()
    try:
        apply_endpoint_defaults(os.environ)
    except EndpointSettingError as error:
        sys.exit(f"error: {error}")
    for speedup in apply_all():
        logger.warning("not applied, Rasa runs this part unchanged: %s", speedup)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
