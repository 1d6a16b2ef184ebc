"""The conversation's language: choosing it, keeping it across sessions, and phrases in it.

The ``language`` slot is filled by the NLU pipeline's LanguageDetector
(rasa_runtime/nlu/language_detector.py); every response has a variation per
language, so what the actions say through ``response=`` is already in the
conversation's language. The phrases the actions put inside responses
("via {channel}", "fully paid") come from the same catalogues
(translations/*.yml) through :func:`say`.
"""
from __future__ import annotations

import functools
import math
from datetime import timedelta
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from common.catalogue import Phrases, load_all
from parsing.language import Language, language_choice

LANGUAGE_SLOT = "language"


@functools.lru_cache(maxsize=1)
def phrases() -> Phrases:
    """The catalogues' phrases, read once: at the action server's start (actions/startup_checks.py)."""
    return Phrases(load_all())


def conversation_language(tracker: Tracker) -> Language:
    """The slot's language; English until a message decided otherwise."""
    return Language.from_code(tracker.get_slot(LANGUAGE_SLOT)) or Language.ENGLISH


def say(tracker: Tracker, key: str, **values: str) -> str:
    """A catalogue phrase in the conversation's language (English where it is not translated)."""
    return phrases().say(key, conversation_language(tracker).value, **values)


def describe_booking_status(language: Language, status: str) -> str:
    """"fully paid", "yakabhadharwa yese": a booking's status in ``language``."""
    key = f"booking_status_{status}"
    return phrases().say(key, language.value) if phrases().has(key) else status


def describe_outcome(language: Language, status: str) -> str:
    """How a settled payment ended, in words in ``language`` (the notice's and the template's ``outcome``)."""
    key = f"outcome_{status}"
    return phrases().say(key, language.value) if phrases().has(key) else ""


def say_wait(tracker: Tracker, wait: timedelta) -> str:
    """"15 minutes", "maminitsi 15": how long until a limit lets the customer try again, rounded up."""
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    if minutes == 1:
        return say(tracker, "duration_one_minute")
    if minutes < 90:
        return say(tracker, "duration_minutes", count=str(minutes))
    return say(tracker, "duration_hours", count=str(math.ceil(minutes / 60)))


def say_window(tracker: Tracker, window: timedelta) -> str:
    """"hour", "15 minutes", "day": a limit's window, as in "3 codes per {window}"."""
    minutes = max(1, int(window.total_seconds() // 60))
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return say(tracker, "window_day") if days == 1 else say(tracker, "duration_days", count=str(days))
    if minutes % 60 == 0:
        hours = minutes // 60
        return say(tracker, "window_hour") if hours == 1 else say(tracker, "duration_hours", count=str(hours))
    return say(tracker, "duration_one_minute") if minutes == 1 else say(tracker, "duration_minutes",
                                                                          count=str(minutes))


def tell_language_choice(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """"OK, I'll write in Shona", or, for "language" with none named, the three to choose from.

    The slot was set from the same message before this runs, so the answer is
    already in the chosen language.
    """
    choice = language_choice(tracker.latest_message.get("text"))
    if choice is not None and choice.language is None:
        dispatcher.utter_message(response="utter_choose_language")
    else:
        dispatcher.utter_message(response="utter_language_chosen")


class ActionChooseLanguage(Action):
    """Outside a payment: answers a choice of language (inside one, the turn reader does)."""

    def name(self) -> Text:
        return "action_choose_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        tell_language_choice(dispatcher, tracker)
        return []


class ActionSessionStart(Action):
    """Rasa's session start, keeping the language: a customer who chose Shona yesterday reads Shona today.

    Nothing else is carried over (``carry_over_slots_to_new_session: false``):
    a new session starts a new payment.
    """

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        language = Language.from_code(tracker.get_slot(LANGUAGE_SLOT))
        if language is not None:
            events.append(SlotSet(LANGUAGE_SLOT, language.value))
        events.append(ActionExecuted("action_listen"))
        return events

