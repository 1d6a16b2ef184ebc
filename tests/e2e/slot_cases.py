"""Free-phrased answers and the normalised slot value each must become.

Read by tests/e2e/test_slot_values.py, which types each one at its question
(or as the opening message) to the running assistant and reads the slot back
from Rasa's tracker. Add a case whenever a customer's phrasing was misread.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

SLYKER = "BK-SLYKER-TECH-20251023"  # USD, balance 800.00, deposit already covered
T005 = "BK-T005-20260210"  # USD, balance 850.00, deposit 425.00
ZWG = "BK-T010-20260301"  # ZWG, balance 4800.00

BOOKING_REFERENCES: List[Tuple[str, str]] = [
    ("BK-T005-20260210", T005),
    ("bk-t005-20260210", T005),
    ("bk t005 20260210", T005),
    ("BK T005 20260210", T005),
    ("BKT00520260210", T005),
    ("bkt005 20260210", T005),
    ("BK_T005_20260210", T005),
    ("Bk-T005 20260210", T005),
    ("my booking is bk t005 20260210 thanks", T005),
    ("ref: BK-T005-20260210", T005),
    ("booking BK-T005-20260210 please", T005),
    ("its bk-t005-20260210", T005),
    ("bk slyker tech 20251023", SLYKER),
    ("BK-SLYKER-TECH-20251023", SLYKER),
    ("bkslykertech20251023", SLYKER),
    ("BK SLYKER TECH 20251023", SLYKER),
    ("the reference is bk-slyker-tech-20251023", SLYKER),
    ("Bk-Slyker-Tech-20251023.", SLYKER),
    ("reference bk slyker-tech 20251023 ok", SLYKER),
    ("BK-T010-20260301", ZWG),
    ("bk t010 20260301", ZWG),
    ("it's BKT01020260301", ZWG),
    ("ref bk-t010-20260301 ok", ZWG),
    ("booking number: bk t010-20260301", ZWG),
]

# (answer at the amount question of SLYKER, expected amount)
USD_AMOUNTS: List[Tuple[str, str]] = [
    ("50", "50.00"),
    ("50.5", "50.50"),
    ("$50", "50.00"),
    ("US$50", "50.00"),
    ("us$ 50", "50.00"),
    ("USD 750.25", "750.25"),
    ("USD 1.20", "1.20"),
    ("usd45", "45.00"),
    ("45usd", "45.00"),
    ("45 USD", "45.00"),
    ("50 dollars", "50.00"),
    ("50 bucks", "50.00"),
    ("fifty", "50.00"),
    ("fifty dollars", "50.00"),
    ("one hundred and twenty", "120.00"),
    ("twenty five", "25.00"),
    ("twenty-five dollars", "25.00"),
    ("two hundred", "200.00"),
    ("seven hundred and fifty", "750.00"),
    ("$ 45.99", "45.99"),
    ("45.99", "45.99"),
    ("100.00", "100.00"),
    ("pay 75", "75.00"),
    ("i'll pay 60 now", "60.00"),
    ("just 40 for now", "40.00"),
    ("$0.50", "0.50"),
    ("the full balance", "800.00"),
    ("full balance", "800.00"),
    ("all of it", "800.00"),
    ("everything", "800.00"),
    ("the whole balance please", "800.00"),
    ("100%", "800.00"),
    ("half", "400.00"),
    ("pay half", "400.00"),
    ("50%", "400.00"),
    ("0.6k", "600.00"),
    ("80 usd", "80.00"),
    ("USD80", "80.00"),
    ("eighty", "80.00"),
    ("ninety nine dollars", "99.00"),
    ("I want to pay 150", "150.00"),
    ("1 hundred", "100.00"),
]

# (answer at the amount question of T005, whose deposit is not paid yet)
DEPOSIT_AMOUNTS: List[Tuple[str, str]] = [
    ("the deposit", "425.00"),
    ("deposit", "425.00"),
    ("just the deposit please", "425.00"),
    ("50% deposit", "425.00"),
]

# (answer at the amount question of the ZWG booking, expected amount)
ZWG_AMOUNTS: List[Tuple[str, str]] = [
    ("ZWG 500", "500.00"),
    ("500 zig", "500.00"),
    ("500 ZiG", "500.00"),
    ("zwg 1,000", "1000.00"),
    ("ZWG1000.50", "1000.50"),
    ("300 zwg", "300.00"),
    ("1.2k", "1200.00"),
    ("2k zig", "2000.00"),
    ("1,500", "1500.00"),
    ("four thousand", "4000.00"),
    # Thousands as people type them (parsing/figures.py has the table).
    ("1 500", "1500.00"),
    ("zwg 2 000", "2000.00"),
    ("3 000 zig", "3000.00"),
    ("1 500,00", "1500.00"),
    ("ZWG 1 500.50", "1500.50"),
    ("1.500,50", "1500.50"),
    ("1\u00a0500", "1500.00"),
    ("i want to pay 2 500", "2500.00"),
]

CHANNELS: List[Tuple[str, str]] = [
    ("ecocash", "ecocash"),
    ("Ecocash", "ecocash"),
    ("EcoCash", "ecocash"),
    ("ECOCASH", "ecocash"),
    ("eco cash", "ecocash"),
    ("Eco-Cash", "ecocash"),
    ("econet", "ecocash"),
    ("ekocash", "ecocash"),
    ("ecocsh", "ecocash"),
    ("with ecocash please", "ecocash"),
    ("1", "ecocash"),
    ("onemoney", "onemoney"),
    ("OneMoney", "onemoney"),
    ("one money", "onemoney"),
    ("one-money", "onemoney"),
    ("netone", "onemoney"),
    ("net one", "onemoney"),
    ("use onemoney", "onemoney"),
    ("i'll pay by one money", "onemoney"),
    ("2", "onemoney"),
    ("zimswitch", "zimswitch"),
    ("ZimSwitch", "zimswitch"),
    ("zim switch", "zimswitch"),
    ("zipit", "zimswitch"),
    ("ZIPIT", "zimswitch"),
    ("bank card", "zimswitch"),
    ("via zimswitch please", "zimswitch"),
    ("visa card", "zimswitch"),
    ("3", "zimswitch"),
]

PHONES: List[Tuple[str, str]] = [
    ("0772 123 456", "263772123456"),
    ("0772123456", "263772123456"),
    ("077-212-3456", "263772123456"),
    ("0772-123-456", "263772123456"),
    ("+263 77 212 3456", "263772123456"),
    ("+263772123456", "263772123456"),
    ("263772123456", "263772123456"),
    ("263 77 212 3456", "263772123456"),
    ("772123456", "263772123456"),
    ("my number is 772123456", "263772123456"),
    ("my ecocash number is 0772 123 456", "263772123456"),
    ("0712 000 002", "263712000002"),
    ("+263712000002", "263712000002"),
    ("use 0783 456 789", "263783456789"),
    ("its 0733 111 222 thanks", "263733111222"),
    ("00263 77 212 3456", "263772123456"),
]

# Said by the WhatsApp customer 263772000001 (signed webhooks) at the phone question.
SENDER = "263772000001"
SENDER_PHONES: List[Tuple[str, str]] = [
    ("use this number", SENDER),
    ("same number", SENDER),
    ("this number", SENDER),
    ("use my whatsapp number", SENDER),
]

# Typed at the OTP question; the e2e sandbox's OTP is 482913, so the payment
# only succeeds when the code was read exactly.
OTPS: List[str] = [
    "482913",
    "482 913",
    "482-913",
    "4829 13",
    "code is 482913",
    "the code is 482 913",
    "the otp: 4829 13",
    "otp 482913",
    "My code: 482913 thanks",
    "482913.",
    "pin 482913",
]

# Opening messages and every slot they must fill.
OPENINGS: List[Tuple[str, Dict[str, str]]] = [
    (f"pay 50 usd for {T005} with ecocash from 0772123456",
     {"booking_reference": T005, "amount": "50.00", "payment_channel": "ecocash", "phone_number": "263772123456"}),
    ("i want to pay $120 on bk slyker tech 20251023",
     {"booking_reference": SLYKER, "amount": "120.00"}),
    (f"pay the deposit on {T005}", {"booking_reference": T005, "amount": "425.00"}),
    ("pay 30 for bkt00520260210 via onemoney",
     {"booking_reference": T005, "amount": "30.00", "payment_channel": "onemoney"}),
    (f"pay {T005} using zipit", {"booking_reference": T005, "payment_channel": "zimswitch"}),
    (f"pay for {SLYKER} from 0772123456", {"booking_reference": SLYKER, "phone_number": "263772123456"}),
    (f"pay for {SLYKER} from +263 71 200 0002", {"booking_reference": SLYKER, "phone_number": "263712000002"}),
    ("pay ZWG 500 for bk t010 20260301", {"booking_reference": ZWG, "amount": "500.00"}),
    (f"i want to pay the full balance for {T005} with eco cash",
     {"booking_reference": T005, "amount": "850.00", "payment_channel": "ecocash"}),
    ("can i pay with ecocash?", {"payment_channel": "ecocash"}),
    (f"pay for {T005}", {"booking_reference": T005, "amount": None}),
    (f"pay {SLYKER} 0772 123 456 ecocash 60 dollars",
     {"booking_reference": SLYKER, "amount": "60.00", "payment_channel": "ecocash", "phone_number": "263772123456"}),
    (f"pay 70 for {SLYKER} from 0772 123 456",
     {"booking_reference": SLYKER, "amount": "70.00", "phone_number": "263772123456"}),
    (f"pay zwg 1 500 for {ZWG} with ecocash", {"booking_reference": ZWG, "amount": "1500.00"}),
    (f"pay 50 euros for {SLYKER}", {"booking_reference": SLYKER, "amount": None}),
    (f"ngifuna ukukhokha {T005}", {"booking_reference": T005}),
]

# An amount in the opening message, before the booking is known: kept, and
# checked once the booking arrives. (opening, booking answer, expected slots)
EARLY_AMOUNTS: List[Tuple[str, str, Dict[str, str]]] = [
    ("pay 50 usd with ecocash", SLYKER, {"amount": "50.00", "payment_channel": "ecocash"}),
    ("ndoda kubhadhara $40 ne ecocash", T005, {"amount": "40.00", "payment_channel": "ecocash"}),
    ("i want to pay fifty dollars", SLYKER, {"amount": "50.00"}),
    ("pay the deposit", T005, {"amount": "425.00"}),
    ("pay half please", SLYKER, {"amount": "400.00"}),
    ("i need to pay 1 500 towards our kariba trip", ZWG, {"amount": "1500.00"}),
    ("pay 50 euros please", SLYKER, {"amount": None}),
]

# Numbers that are not the amount, typed at the amount question of SLYKER:
# the amount stays unanswered (and a phone number is taken as the phone).
NOT_AMOUNTS: List[Tuple[str, Dict[str, object]]] = [
    ("0772123456", {"amount": None, "phone_number": "263772123456"}),
    ("+263 77 212 3456", {"amount": None, "phone_number": "263772123456"}),
    ("my number is 0712 000 002", {"amount": None, "phone_number": "263712000002"}),
    # Refused (another currency) or asked about (two readings), never taken.
    ("50 euros", {"amount": None}),
    ("€50", {"amount": None}),
    ("R500", {"amount": None}),
    ("300 rand", {"amount": None}),
    ("£40", {"amount": None}),
    ("ZWL 100", {"amount": None}),
    ("50 zig", {"amount": None}),
    ("1.500", {"amount": None}),
    ("12,50", {"amount": None}),
    # Reactions: nothing taken, and not counted as a wrong answer.
    ("👍", {"amount": None, "invalid_answers": 0}),
    ("ok", {"amount": None, "invalid_answers": 0}),
    ("lol", {"amount": None, "invalid_answers": 0}),
]
