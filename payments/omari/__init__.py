"""The O'mari merchant API client: the only package that knows O'mari's wire format and codes.

- ``client``: the HTTP calls (``OmariClient``), each answer a typed result, never an exception;
- ``wire``: the JSON sent and the contract's reading of an answer;
- ``codes``: O'mari's response codes and the :class:`DeclineReason` each stands for;
- ``results`` and ``verdicts``: what callers read (``outcome``, ``decline_reason``).

Everything a caller needs is importable from here; the modules' other names
are the client's own (the layering contract in ``.importlinter`` keeps the
actions out of this package altogether).
"""
from payments.omari.client import OmariClient, mask_msisdn
from payments.omari.codes import reason_of_recorded_code
from payments.omari.results import AuthResult, DebitResult, QueryResult, VoidResult
from payments.omari.verdicts import DeclineReason, Outcome
from payments.omari.wire import format_amount

__all__ = [
    "AuthResult",
    "DebitResult",
    "DeclineReason",
    "OmariClient",
    "Outcome",
    "QueryResult",
    "VoidResult",
    "format_amount",
    "mask_msisdn",
    "reason_of_recorded_code",
]
