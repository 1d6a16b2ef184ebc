"""The instructions a customer may type at any question."""
import pytest

from parsing import asks_for_sender_number, is_cancel_request


@pytest.mark.parametrize(
    "text",
    ["cancel", "Cancel", "CANCEL please", "stop", "quit", "abort", "never mind", "nevermind", "please cancel",
     "cancle"],
)
def test_cancel_words(text: str) -> None:
    assert is_cancel_request(text)


@pytest.mark.parametrize("text", ["123456", "836 066", "i can't stop smiling 123456", "", "the code is 1234"])
def test_not_cancel(text: str) -> None:
    assert not is_cancel_request(text)


@pytest.mark.parametrize(
    "text", ["use this number", "Use my number", "same number", "this number", "use the same number please"]
)
def test_sender_number_phrases(text: str) -> None:
    assert asks_for_sender_number(text)


@pytest.mark.parametrize("text", ["0772123456", "use this number 0772123456", "my number is 0772 123 456", "number"])
def test_a_typed_number_is_not_the_sender_number(text: str) -> None:
    assert not asks_for_sender_number(text)
