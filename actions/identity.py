"""The customer's own phone number, when the channel vouches for it.

"Use this number" and the "Use this number" button take the wallet number
from the chat itself. Only a conversation whose messages arrive through the
signed WhatsApp webhook has one: Meta signed that ``wa_id``. A sender id on
any other channel (REST, Twilio, the terminal chat) is whatever the caller
typed, so it is never read as a number (see common/sender_ids.py).
"""
from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker

from parsing import zimbabwe_mobile_or_none
from common.sender_ids import signed_whatsapp_id


def verified_phone_number(tracker: Tracker) -> Optional[str]:
    """The chat's Zimbabwean mobile number (MSISDN) if WhatsApp signed it, else None."""
    wa_id = signed_whatsapp_id(tracker.sender_id or "", tracker.get_latest_input_channel())
    return zimbabwe_mobile_or_none(wa_id) if wa_id else None
