"""Wallets spelt with a typo the lookup table does not list (parsing.channels.wallet_spelled_like).

The NLU's entity extractor (rasa_runtime/nlu/wallet_extractor.py) marks such a
word as the wallet; everyday words near a wallet's name must never be one.
"""
from __future__ import annotations

import pytest

from parsing.channels import wallet_spelled_like


@pytest.mark.parametrize("typed, channel", [
    ("ecocas", "ecocash"), ("ecocsah", "ecocash"), ("ecocahs", "ecocash"), ("ekocash", "ecocash"),
    ("one-mony", "onemoney"), ("onemony", "onemoney"), ("onemoneyy", "onemoney"),
    ("zimswtch", "zimswitch"), ("zim swtch", "zimswitch"), ("zimswich", "zimswitch"),
])
def test_a_wallet_with_a_typo_is_found(typed: str, channel: str) -> None:
    assert wallet_spelled_like(typed) == channel


@pytest.mark.parametrize("word", [
    "money", "honey", "economy", "someone", "one more", "onemore", "monday", "network", "zimbabwe", "cash",
    "anyone", "homework", "echo", "switch", "ecology",
])
def test_everyday_words_are_never_a_wallet(word: str) -> None:
    assert wallet_spelled_like(word) is None


@pytest.mark.parametrize("words", ["the money", "one more", "some money", "one time"])
def test_two_everyday_words_are_never_a_wallet(words: str) -> None:
    """How the extractor tries two adjacent words: joined, and within one typo."""
    assert wallet_spelled_like(words, max_typos=1) is None
