"""Staff accounts: who may log in to the back office, with which role, and the check of a password.

Passwords are hashed with argon2id (argon2-cffi's defaults, the parameters
stored with each hash, so raising them later re-hashes on the next login).
A wrong password and an unknown or disabled account look the same to the
caller, and cost the same time, so a login page cannot tell which names exist.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import List, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from payments.staff.records import StaffRecords
from payments.store.models import StaffAccount, utc_now

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 12
# Long enough for any passphrase, short enough that hashing it costs nothing extra.
MAX_PASSWORD_LENGTH = 256


class StaffRole(str, enum.Enum):
    """What a person does at Kali Safaris; the back office decides what each may see and do."""

    OFFICE = "office"  # answers customers: finds payments and reads their outcome
    OPS = "ops"  # settles payments: everything office does, plus the money actions
    TRAINER = "trainer"  # improves understanding: conversations and the NLU inbox


class AccountError(ValueError):
    """An account could not be created or changed; the message says why, for the person at the terminal."""


@dataclass(frozen=True)
class StaffMember:
    username: str
    role: StaffRole
    disabled: bool


class StaffDirectory:
    """Creates, disables and authenticates staff accounts."""

    def __init__(self, records: StaffRecords, hasher: Optional[PasswordHasher] = None) -> None:
        self._records = records
        self._hasher = hasher or PasswordHasher()
        # Verified against for unknown names, so they take as long as a real account.
        self._decoy_hash = self._hasher.hash("not a password of anyone")

    def create(self, username: str, role: StaffRole, password: str) -> StaffMember:
        if not USERNAME.match(username):
            raise AccountError("a username is 2-64 lower-case letters, digits, '.', '_' or '-', starting with a letter")
        if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
            raise AccountError(f"a password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters")
        account = StaffAccount(username=username, role=role.value, password_hash=self._hasher.hash(password))
        try:
            with self._records.session() as session:
                session.add(account)
        except IntegrityError:
            raise AccountError(f"there is already an account {username!r}") from None
        return StaffMember(username, role, False)

    def disable(self, username: str) -> bool:
        """Disable an account (its sessions end at their next request); False if there is none."""
        with self._records.session() as session:
            done = session.execute(
                update(StaffAccount)
                .where(StaffAccount.username == username)
                .values(disabled=True, disabled_at=utc_now())
                .execution_options(synchronize_session=False)
            ).rowcount
        return done == 1

    def find(self, username: str) -> Optional[StaffMember]:
        with self._records.session() as session:
            account = session.execute(
                select(StaffAccount).where(StaffAccount.username == username)
            ).scalar_one_or_none()
            return _member(account) if account else None

    def active(self, username: str) -> Optional[StaffMember]:
        """The account behind a session, while it exists and is enabled."""
        member = self.find(username)
        return member if member and not member.disabled else None

    def list(self) -> List[StaffMember]:
        with self._records.session() as session:
            return [_member(a) for a in session.execute(select(StaffAccount).order_by(StaffAccount.username)).scalars()]

    def authenticate(self, username: str, password: str) -> Optional[StaffMember]:
        """The enabled account whose password this is, else None (never says which part was wrong)."""
        if len(password) > MAX_PASSWORD_LENGTH:
            return None
        with self._records.session() as session:
            account = session.execute(
                select(StaffAccount).where(StaffAccount.username == username)
            ).scalar_one_or_none()
            if account is None:
                self._verify(self._decoy_hash, password)
                return None
            if not self._verify(account.password_hash, password) or account.disabled:
                return None
            if self._hasher.check_needs_rehash(account.password_hash):
                account.password_hash = self._hasher.hash(password)
            return _member(account)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def _member(account: StaffAccount) -> StaffMember:
    return StaffMember(account.username, StaffRole(account.role), bool(account.disabled))
