"""A terminal chat with the assistant over its REST channel (what `make run` opens).

Why not `rasa shell`: it turns every message with buttons into an arrow-key
menu, and Enter there picks the first button. A customer typing "$50" at the
amount question would pay the full balance. Here buttons are labelled #1, #2…:
type "#2" to tap one, or type anything else as a free message, exactly as on
WhatsApp. (A bare "1" stays a message: it may be an amount.)

It is a REST client like any other: whatever --sender says, Rasa puts the
chat in the REST namespace (rest:<sender>), so it can never act as a
WhatsApp customer, here or against a deployed Rasa.
"""
from __future__ import annotations

import argparse
import sys
import uuid
from typing import Dict, List

import requests

QUIT_WORDS = {"/quit", "/exit", "/stop"}


def show(replies: List[Dict]) -> List[Dict[str, str]]:
    """Print the assistant's replies; return the buttons now on offer."""
    buttons: List[Dict[str, str]] = []
    for reply in replies:
        if reply.get("text"):
            print(f"bot > {reply['text']}")
        for button in reply.get("buttons", []):
            buttons.append(button)
            print(f"      [#{len(buttons)}] {button['title']}")
    return buttons


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.chat")
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument(
        "--sender",
        default=f"terminal-{uuid.uuid4().hex[:8]}",
        help="REST sender id, to continue a chat later; Rasa names it rest:<id>, so it is never a "
        "WhatsApp customer and gets no 'Use this number' (only signed WhatsApp messages vouch for a number)",
    )
    args = parser.parse_args()
    print(f"Chatting as {args.sender}. Type a message; #1, #2… taps a button; /quit leaves.")
    buttons: List[Dict[str, str]] = []
    while True:
        try:
            message = input("you > ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if message in QUIT_WORDS:
            return 0
        tapped = message[1:]
        if message.startswith("#") and tapped.isdigit() and 1 <= int(tapped) <= len(buttons):
            message = buttons[int(tapped) - 1]["payload"]
        try:
            response = requests.post(
                f"{args.url}/webhooks/rest/webhook",
                json={"sender": args.sender, "message": message},
                timeout=120,
            )
            response.raise_for_status()
        except requests.RequestException as error:
            print(f"(could not reach the assistant: {error})", file=sys.stderr)
            continue
        buttons = show(response.json())


if __name__ == "__main__":
    sys.exit(main())
