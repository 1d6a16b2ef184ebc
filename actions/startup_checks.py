"""Warnings the action server gives once, as it starts.

rasa-sdk imports every module of the ``actions`` package when it starts
(``--actions actions``), so this module's import is the action server's start.
Nothing else imports it.
"""
from __future__ import annotations

import logging

from actions.languages import phrases
from common.catalogue import CatalogueError
from payments.settings import Settings, UnsafeOmariSetting, load_settings

logger = logging.getLogger(__name__)

SANDBOX_WARNING = (
    "O'MARI SANDBOX: payments go to %s, which accepts one fixed OTP for every number and moves no "
    "money. Receipts say TEST PAYMENT. Set OMARI_MERCHANT_KEY and OMARI_API_BASE_URL for real payments."
)


def warn_if_sandbox(settings: Settings) -> bool:
    """Log the sandbox warning when ``settings`` talk to the sandbox; True if it was logged."""
    if settings.uses_sandbox:
        logger.warning(SANDBOX_WARNING, settings.omari_api_base_url)
    return settings.uses_sandbox


try:
    warn_if_sandbox(load_settings())
except UnsafeOmariSetting as error:  # the merchant key would go where it must not: do not start
    logger.error("refusing to start: %s", error)
    raise SystemExit(f"error: {error}") from error
except ValueError as error:  # a bad setting: the first payment reports it; say it now too
    logger.error("action server settings: %s", error)

# The reply catalogues, read now rather than from disk inside a customer's turn; a broken one
# would turn every phrase into an apology, so the server does not start with it.
try:
    phrases()
except (CatalogueError, OSError) as error:
    logger.error("refusing to start: translations/: %s", error)
    raise SystemExit(f"error: translations/: {error}") from error
