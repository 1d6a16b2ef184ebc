"""Turn what customers type into slot values, or say why we cannot.

Customers answer the payment form over WhatsApp in free text: "pay 50 for bk
t005 20260210", "use 0772 123 456 please", "the code is 836 066". The form
validators call these functions and map an :class:`InvalidInput` ``reason``
to a customer message, so each function returns a normalised value or raises
``InvalidInput`` -- never another exception, whatever the text.

The functions are pure (no Rasa, no database, no network) so they are cheap
to test exhaustively. When a message could mean two different values they
refuse rather than pick one: asking again is cheaper than charging the wrong
amount or prompting the wrong phone.

Reasons, by parser:

- :func:`booking_reference_key`: ``not_a_booking_reference``
- :func:`parse_amount`: ``not_a_number``, ``not_positive``, ``too_many_decimals``, ``too_large``,
  and ``ambiguous`` (an :class:`AmbiguousAmount` carrying both readings of "1.500")
- :func:`parse_channel`: ``unknown_channel``
- :func:`normalise_msisdn`: ``not_a_phone_number``, ``not_zimbabwe``, ``not_mobile``
- :func:`parse_otp`: ``not_an_otp``

:func:`amount_mentioned` says whether a reply to another question also names
an amount. :func:`is_cancel_request` and :func:`asks_for_sender_number` recognise the
two instructions a customer may type at any question; :func:`is_reaction` an emoji,
sticker or "ok" that answers nothing.
"""
from parsing.amounts import AmbiguousAmount, AmountChoice, AmountShare, parse_amount
from parsing.channels import CHANNEL_NAMES, parse_channel
from parsing.mentions import amount_mentioned
from parsing.otp import parse_otp
from parsing.phrases import asks_for_sender_number, is_cancel_request
from parsing.reactions import is_reaction
from parsing.phones import normalise_msisdn, zimbabwe_mobile_or_none
from parsing.references import booking_reference_key, find_booking_reference_key
from parsing.text import InvalidInput

__all__ = [
    "AmbiguousAmount",
    "AmountChoice",
    "AmountShare",
    "CHANNEL_NAMES",
    "InvalidInput",
    "amount_mentioned",
    "asks_for_sender_number",
    "booking_reference_key",
    "find_booking_reference_key",
    "is_cancel_request",
    "is_reaction",
    "normalise_msisdn",
    "parse_amount",
    "parse_channel",
    "parse_otp",
    "zimbabwe_mobile_or_none",
]
