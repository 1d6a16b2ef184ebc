"""Telling customers how a payment that reconcile settled ended, through Rasa.

Reconcile leaves a ``due`` row in the outbox (payments/notifications/outbox.py)
for every payment it settled after the customer was told it was unconfirmed.
:class:`OutcomeNotifier` claims each row (``due`` -> ``sending``, one
conditional update, so racing reconcilers tell it once) and triggers the
``EXTERNAL_payment_settled`` intent in the customer's conversation with
Rasa's HTTP API (``POST /conversations/{id}/trigger_intent?output_channel=latest``).
Rasa's rule runs ``action_tell_payment_outcome`` (actions/payment/notice.py),
which claims ``sending`` -> ``told`` before it says anything: a trigger that
is retried, or arrives twice, says nothing the second time.

What can go wrong, and what becomes of the row:

- Rasa unreachable or refusing before the action ran: retried a few times with
  backoff, then put back to ``due`` for the next run.
- The action ran, but sending failed (WhatsApp's Graph API refused it after its
  own retries, and Rasa answers 500): ``failed``, with the error, listed by
  ``ops notifications``; never retried, so never a second message.
- WhatsApp's 24 hours are over and no template is configured: the action makes
  it ``needs_template``, listed by ``ops notifications``.
"""
from __future__ import annotations

import enum
import logging
import time
from datetime import timedelta
from dataclasses import dataclass
from typing import Callable, List, Optional
from urllib.parse import quote

import requests

from payments.store.models import NotificationState
from payments.notifications.outbox import NotificationOutbox, NotificationSnapshot
from payments.settings import Settings

logger = logging.getLogger(__name__)

EXTERNAL_INTENT = "EXTERNAL_payment_settled"
REFERENCE_ENTITY = "settled_payment"
# Rasa waits on WhatsApp's sends (each with its own timeout and retries) before it answers.
TRIGGER_TIMEOUT_SECONDS = 90.0
BACKOFF_SECONDS = 0.5
# Beyond one notifier run's longest wait on Rasa, a turn Rasa may still be
# running after the request gave up: a row left ``sending`` longer than that
# was abandoned by a killed notifier and is tried again.
STILL_RUNNING_MARGIN_SECONDS = 300.0


def sending_lease(retries: int) -> timedelta:
    """How long a claimed (``sending``) row belongs to the notifier that claimed it."""
    one_run = (1 + retries) * TRIGGER_TIMEOUT_SECONDS + sum(BACKOFF_SECONDS * 2**n for n in range(retries))
    return timedelta(seconds=one_run + STILL_RUNNING_MARGIN_SECONDS)


class TriggerOutcome(str, enum.Enum):
    ANSWERED = "answered"  # Rasa ran the turn and answered 200
    FAILED = "failed"  # no answer, or an error status


@dataclass(frozen=True)
class TriggerResult:
    outcome: TriggerOutcome
    detail: str = ""


class RasaExternalEvents:
    """The one caller of Rasa's ``trigger_intent`` endpoint; knows its URL and token, logs neither."""

    def __init__(self, rasa_url: str, token: str, timeout: float = TRIGGER_TIMEOUT_SECONDS) -> None:
        self._url = rasa_url.rstrip("/")
        self._token = token
        self._timeout = timeout

    def trigger(self, conversation_id: str, intent: str, entities: dict) -> TriggerResult:
        url = f"{self._url}/conversations/{quote(conversation_id, safe=':')}/trigger_intent"
        try:
            response = requests.post(
                # The token in a header: a URL ends up in logs (rasa_runtime/api_token.py).
                url, params={"output_channel": "latest"}, headers={"Authorization": f"Bearer {self._token}"},
                json={"name": intent, "entities": entities}, timeout=self._timeout,
            )
        except requests.RequestException as error:
            return TriggerResult(TriggerOutcome.FAILED, f"{type(error).__name__} reaching Rasa")
        if response.status_code == 200:
            return TriggerResult(TriggerOutcome.ANSWERED)
        return TriggerResult(TriggerOutcome.FAILED, f"Rasa answered HTTP {response.status_code}")


class OutcomeNotifier:
    """Tells each due outcome once; never raises into reconciliation."""

    def __init__(
        self,
        outbox: NotificationOutbox,
        rasa: Optional[RasaExternalEvents],
        retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._outbox = outbox
        self._rasa = rasa
        self._retries = retries
        self._sleep = sleep

    @classmethod
    def from_settings(cls, outbox: NotificationOutbox, settings: Settings) -> "OutcomeNotifier":
        rasa = RasaExternalEvents(settings.rasa_url, settings.rasa_api_token) if settings.rasa_api_token else None
        return cls(outbox, rasa, settings.notify_retries)

    def notify_due(self) -> List[NotificationSnapshot]:
        """Tell every due outcome (and those a killed notifier left ``sending``); the rows as this run left them."""
        released = self._outbox.release_stale_sending(sending_lease(self._retries))
        if released:
            logger.warning("%d payment outcome(s) left 'sending' by a notifier that stopped; trying them again",
                           len(released))
        due = self._outbox.list([NotificationState.DUE])
        if due and self._rasa is None:
            logger.warning("%d payment outcome(s) not told: no Rasa API token (RASA_API_TOKEN); "
                           "see `python -m payments.ops notifications`", len(due))
            return due
        told = []
        for notification in due:
            try:
                self._notify(notification)
            except Exception:  # one outcome failing must not stop the others
                logger.exception("notifying the outcome of %s failed", notification.transaction_reference)
            told.append(self._outbox.get(notification.transaction_reference) or notification)
        return told

    def _notify(self, notification: NotificationSnapshot) -> None:
        reference = notification.transaction_reference
        if not self._outbox.move(reference, [NotificationState.DUE], NotificationState.SENDING, count_attempt=True):
            return  # a racing reconciler has it
        assert self._rasa is not None
        result = TriggerResult(TriggerOutcome.FAILED)
        for attempt in range(1 + self._retries):
            result = self._rasa.trigger(notification.sender_id, EXTERNAL_INTENT, {REFERENCE_ENTITY: reference})
            if result.outcome is TriggerOutcome.ANSWERED or not self._still_sending(reference):
                break  # answered, or the action ran: repeating could only risk a second message
            if attempt < self._retries:
                logger.warning("telling the outcome of %s: %s; retrying", reference, result.detail)
                self._sleep(BACKOFF_SECONDS * 2**attempt)
        self._conclude(reference, result)

    def _still_sending(self, reference: str) -> bool:
        current = self._outbox.get(reference)
        return current is not None and current.state == NotificationState.SENDING.value

    def _conclude(self, reference: str, result: TriggerResult) -> None:
        if result.outcome is TriggerOutcome.ANSWERED:
            if self._outbox.move(reference, [NotificationState.SENDING], NotificationState.FAILED,
                                 error="Rasa ran no notice for it (is the conversation's rule there?)"):
                logger.error("NOT TOLD %s: Rasa answered, but no notice was given", reference)
            return
        # The action claimed it and then the send failed: failed for good, never a second message.
        if self._outbox.move(reference, [NotificationState.TOLD], NotificationState.FAILED,
                             error=f"sending failed: {result.detail} (see Rasa's log)"):
            logger.error("NOT TOLD %s: the customer's channel refused the notice (%s); "
                         "see `python -m payments.ops notifications --state failed`", reference, result.detail)
            return
        # Rasa never ran it: the next run tries again.
        if self._outbox.move(reference, [NotificationState.SENDING], NotificationState.DUE, error=result.detail):
            logger.error("outcome of %s not told yet: %s; tried again next run", reference, result.detail)
