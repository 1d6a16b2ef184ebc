"""The staff commands of ``python -m payments.ops``: accounts and the audit log.

  account-create NAME --role office|ops|trainer [--password-stdin]
                                     a back-office account; asks for the password twice (never an argument)
  account-disable NAME               the account can no longer log in; its sessions end at their next request
  accounts [--json]                  every account with its role and whether it is disabled
  audit-log [--limit N] [--actor NAME] [--subject REF] [--json]
                                     what people did in the back office, newest first
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any, Dict, List

from payments.settings import load_settings
from payments.staff.accounts import AccountError, StaffDirectory, StaffRole
from payments.staff.audit import AuditAction, AuditLog, AuditRecord
from payments.staff.records import StaffRecords

# The audit log names the ops CLI as the actor of what was done at a terminal.
CLI_ACTOR = "ops-cli"


def _records() -> StaffRecords:
    return StaffRecords(load_settings().database_url)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password (12 characters or more): ")
    if getpass.getpass("the same again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def cmd_account_create(_: Any, args: argparse.Namespace) -> int:
    records = _records()
    try:
        member = StaffDirectory(records).create(args.username, StaffRole(args.role), _read_password(args))
        AuditLog(records).record(CLI_ACTOR, AuditAction.ACCOUNT_CREATED, member.username, f"role {member.role.value}")
    except AccountError as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 1
    finally:
        records.dispose()
    print(f"account {member.username!r} created with role {member.role.value}")
    return 0


def cmd_account_disable(_: Any, args: argparse.Namespace) -> int:
    records = _records()
    try:
        if not StaffDirectory(records).disable(args.username):
            print(f"error: no account {args.username!r}", file=sys.stderr)
            return 1
        AuditLog(records).record(CLI_ACTOR, AuditAction.ACCOUNT_DISABLED, args.username, args.note)
    finally:
        records.dispose()
    print(f"account {args.username!r} disabled")
    return 0


def cmd_accounts(_: Any, args: argparse.Namespace) -> int:
    records = _records()
    try:
        found = [{"username": m.username, "role": m.role.value, "disabled": m.disabled}
                 for m in StaffDirectory(records).list()]
    finally:
        records.dispose()
    _print(found, args.json)
    return 0


def audit_record_as_dict(record: AuditRecord) -> Dict[str, Any]:
    return {"at": record.at.isoformat(timespec="seconds"), "actor": record.actor, "action": record.action,
            "subject": record.subject, "note": record.note}


def cmd_audit_log(_: Any, args: argparse.Namespace) -> int:
    records = _records()
    try:
        found = [audit_record_as_dict(r) for r in
                 AuditLog(records).recent(args.limit, subject=args.subject, actor=args.actor)]
    finally:
        records.dispose()
    _print(found, args.json)
    if not found and not args.json:
        print("nothing recorded yet")
    return 0


def _print(rows: List[Dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    for row in rows:
        print("  ".join(f"{key}={value}" for key, value in row.items()))


def add_staff_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    create = commands.add_parser("account-create", help="create a back-office account (asks for its password)")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=[r.value for r in StaffRole])
    create.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    create.set_defaults(handler=cmd_account_create)

    disable = commands.add_parser("account-disable", help="stop a back-office account from logging in")
    disable.add_argument("username")
    disable.add_argument("--note", default="", help="why, for the audit log")
    disable.set_defaults(handler=cmd_account_disable)

    accounts = commands.add_parser("accounts", help="list back-office accounts")
    accounts.add_argument("--json", action="store_true")
    accounts.set_defaults(handler=cmd_accounts)

    audit_log = commands.add_parser("audit-log", help="what people did in the back office, newest first")
    audit_log.add_argument("--limit", type=int, default=100)
    audit_log.add_argument("--actor")
    audit_log.add_argument("--subject", help="a transaction reference, booking reference or example")
    audit_log.add_argument("--json", action="store_true")
    audit_log.set_defaults(handler=cmd_audit_log)
