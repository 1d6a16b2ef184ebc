"""What each role may see and do. The server checks these on every request; hiding a button is only courtesy."""
from __future__ import annotations

import enum
from typing import Dict, FrozenSet

from payments.staff.accounts import StaffRole


class Permission(str, enum.Enum):
    FIND_PAYMENTS = "find_payments"  # search, a payment's timeline, the queues
    SEE_FULL_PHONE = "see_full_phone"  # otherwise every number is masked
    MOVE_MONEY = "move_money"  # reconcile now, resolve held, mark overpaid refunded
    SEE_TODAY = "see_today"
    READ_CONVERSATIONS = "read_conversations"
    TRAIN_NLU = "train_nlu"  # the NLU inbox and the comparison
    READ_AUDIT = "read_audit"


ROLE_PERMISSIONS: Dict[StaffRole, FrozenSet[Permission]] = {
    StaffRole.OFFICE: frozenset({Permission.FIND_PAYMENTS, Permission.SEE_TODAY}),
    StaffRole.OPS: frozenset({
        Permission.FIND_PAYMENTS, Permission.SEE_FULL_PHONE, Permission.MOVE_MONEY, Permission.SEE_TODAY,
        Permission.READ_AUDIT,
    }),
    StaffRole.TRAINER: frozenset({Permission.READ_CONVERSATIONS, Permission.TRAIN_NLU}),
}


def allows(role: StaffRole, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
