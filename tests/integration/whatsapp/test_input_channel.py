"""The input channel's webhook logic: verification, signatures, batches, redelivery, old and odd messages.

Runs the channel's real code on a real event loop, sending through a real
HTTP fake of the Graph API; Rasa is replaced by a recorder of the messages it
would get (the end-to-end tests put the real Rasa behind it).
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, List, Optional

import pytest
from rasa.core.channels.channel import UserMessage

from rasa_runtime.whatsapp.input import PLEASE_TYPE, WhatsAppInput
from rasa_runtime.whatsapp.settings import WhatsAppSettings
from tests.support.fake_graph import FakeGraph, shape_problems
from tests.support import notifications as n

CUSTOMER = "263772000001"
USERNAME_ID = "US.13491208655302741918"
REQUIRED_VARIABLES = (
    "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN",
)


class Assistant:
    """Stands in for Rasa: records each message and answers it through the output channel."""

    def __init__(self, fail_on: Optional[str] = None, slow_on: Optional[str] = None) -> None:
        self.events: List[Any] = []
        self.fail_on, self.slow_on = fail_on, slow_on

    async def __call__(self, message: UserMessage) -> None:
        self.events.append(("start", message.sender_id, message.text, message.input_channel, message.message_id))
        if message.text == self.slow_on:
            for _ in range(20):  # yield to every other task a few times
                await asyncio.sleep(0)
        if message.text == self.fail_on:
            raise RuntimeError("the tracker store is down")
        await message.output_channel.send_text_message(message.sender_id, f"you said {message.text}")
        self.events.append(("end", message.text))

    @property
    def heard(self) -> List[Any]:
        return [(e[1], e[2]) for e in self.events if e[0] == "start"]


def channel_for(graph: FakeGraph, **overrides: Any) -> WhatsAppInput:
    settings = WhatsAppSettings(
        phone_number_id=n.PHONE_NUMBER_ID, access_token=n.ACCESS_TOKEN, app_secret=n.APP_SECRET,
        verify_token=n.VERIFY_TOKEN, graph_url=graph.url, send_timeout_seconds=5, **overrides,
    )
    return WhatsAppInput(settings)


def deliver(channel: WhatsAppInput, assistant: Assistant, *posts: tuple) -> List[int]:
    """POST each (raw body, signature) to the channel; wait for every background turn."""

    async def scenario() -> List[int]:
        statuses = [channel.accept(raw, signature, assistant) for raw, signature in posts]
        await channel.close()
        return statuses

    return asyncio.run(scenario())


def replies(graph: FakeGraph, recipient: str) -> List[str]:
    return [m.get("text", {}).get("body") for m in graph.messages(recipient)]


def test_verification_echoes_the_challenge_only_for_the_right_token(graph: FakeGraph) -> None:
    channel = channel_for(graph)
    good = {"hub.mode": "subscribe", "hub.verify_token": n.VERIFY_TOKEN, "hub.challenge": "1158201444"}
    assert channel.verify(good) == "1158201444"
    assert channel.verify({**good, "hub.verify_token": "guess"}) is None
    assert channel.verify({**good, "hub.mode": "unsubscribe"}) is None
    assert channel.verify({"hub.mode": "subscribe", "hub.challenge": "1"}) is None


def test_a_badly_signed_post_is_refused_and_nothing_is_answered(graph: FakeGraph) -> None:
    raw, _ = n.signed(n.notification([n.text(CUSTOMER, "pay", "wamid.1")]))
    assistant = Assistant()
    forged = n.signed(n.notification([n.text(CUSTOMER, "pay", "wamid.1")]), secret="attacker")[1]
    assert deliver(channel_for(graph), assistant, (raw, forged), (raw, None)) == [403, 403]
    assert assistant.events == [] and graph.received == []


def test_a_signed_batch_is_answered_message_by_message_and_statuses_are_ignored(graph: FakeGraph) -> None:
    payload = n.notification(
        [n.text(CUSTOMER, "pay", "wamid.1"), n.text("263772000002", "hello", "wamid.2"),
         n.button_reply(CUSTOMER, "Ecocash", "Ecocash", "wamid.3")],
        statuses=[n.status("wamid.out.9")],
    )
    assistant = Assistant()
    assert deliver(channel_for(graph), assistant, n.signed(payload)) == [200]
    assert assistant.heard == [(CUSTOMER, "pay"), ("263772000002", "hello"), (CUSTOMER, "Ecocash")]
    assert all(e[3] == "whatsapp" for e in assistant.events if e[0] == "start")
    assert [e[4] for e in assistant.events if e[0] == "start"] == ["wamid.1", "wamid.2", "wamid.3"]
    assert replies(graph, CUSTOMER) == ["you said pay", "you said Ecocash"]
    assert sorted(graph.read_receipts()) == ["wamid.1", "wamid.2", "wamid.3"]
    assert all(not shape_problems(r["body"]) for r in graph.received)


def test_a_statuses_only_notification_is_acknowledged_and_passes_nothing_on(graph: FakeGraph) -> None:
    assistant = Assistant()
    assert deliver(channel_for(graph), assistant, n.signed(n.notification(statuses=[n.status("w")]))) == [200]
    assert assistant.events == [] and graph.received == []


def test_a_redelivered_message_is_answered_once(graph: FakeGraph) -> None:
    post = n.signed(n.notification([n.text(CUSTOMER, "pay", "wamid.1")]))
    assistant = Assistant()
    assert deliver(channel_for(graph), assistant, post, post, post) == [200, 200, 200]
    assert assistant.heard == [(CUSTOMER, "pay")]
    assert replies(graph, CUSTOMER) == ["you said pay"]


def test_an_old_message_is_not_answered(graph: FakeGraph) -> None:
    old = n.text(CUSTOMER, "pay", "wamid.old", timestamp=int(time.time()) - 3600)
    assistant = Assistant()
    assert deliver(channel_for(graph, max_message_age_seconds=900), assistant, n.signed(n.notification([old]))) == [200]
    assert assistant.events == [] and graph.messages() == []


@pytest.mark.parametrize("kind", ["image", "audio", "document", "location", "sticker", "reaction", "unsupported"])
def test_a_message_that_is_not_text_gets_a_polite_please_type(graph: FakeGraph, kind: str) -> None:
    assistant = Assistant()
    assert deliver(channel_for(graph), assistant, n.signed(n.notification([n.other(CUSTOMER, kind, "w1")]))) == [200]
    assert assistant.events == []
    assert replies(graph, CUSTOMER) == [PLEASE_TYPE]


def test_a_sender_without_a_phone_number_is_answered_by_recipient_id(graph: FakeGraph) -> None:
    message = n.text(CUSTOMER, "pay", "wamid.u1")
    del message["from"]
    message["from_user_id"] = USERNAME_ID
    assistant = Assistant()
    deliver(channel_for(graph), assistant, n.signed(n.notification([message])))
    assert assistant.heard == [(USERNAME_ID, "pay")]
    [reply] = graph.messages(USERNAME_ID)
    assert reply["recipient"] == USERNAME_ID and "to" not in reply


def test_messages_for_another_business_number_are_ignored(graph: FakeGraph) -> None:
    assistant = Assistant()
    post = n.signed(n.notification([n.text(CUSTOMER, "pay", "w1")], phone_number_id="555"))
    assert deliver(channel_for(graph), assistant, post) == [200]
    assert assistant.events == [] and graph.received == []


def test_one_senders_messages_reach_the_assistant_in_order_even_when_a_turn_is_slow(graph: FakeGraph) -> None:
    assistant = Assistant(slow_on="first")
    posts = [n.signed(n.notification([n.text(CUSTOMER, text, f"wamid.{text}")])) for text in ("first", "second")]
    other = n.signed(n.notification([n.text("263772000002", "meanwhile", "wamid.x")]))
    deliver(channel_for(graph), assistant, posts[0], other, posts[1])
    mine = [e for e in assistant.events if e[0] == "end" or e[1] == CUSTOMER]
    assert [(e[0], e[2] if e[0] == "start" else e[1]) for e in mine if e[-1] != "meanwhile"] == [
        ("start", "first"), ("end", "first"), ("start", "second"), ("end", "second"),
    ]


def test_a_failing_turn_is_logged_never_raised_and_other_messages_still_run(
    graph: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    assistant = Assistant(fail_on="boom")
    payload = n.notification([n.text(CUSTOMER, "boom", "wamid.1"), n.text(CUSTOMER, "pay", "wamid.2")])
    with caplog.at_level(logging.ERROR):
        assert deliver(channel_for(graph), assistant, n.signed(payload)) == [200]
    assert "the turn for message from 2637******01 failed" in caplog.text
    assert replies(graph, CUSTOMER) == ["you said pay"]


def test_a_signed_body_that_is_not_json_is_a_bad_request(graph: FakeGraph) -> None:
    from rasa_runtime.whatsapp.signature import sign

    assert deliver(channel_for(graph), Assistant(), (b"not json", sign(n.APP_SECRET, b"not json"))) == [400]


def test_without_settings_the_channel_is_off_and_says_so(caplog: pytest.LogCaptureFixture, monkeypatch) -> None:
    for variable in REQUIRED_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    with caplog.at_level(logging.INFO):
        channel = WhatsAppInput.from_credentials(None)
    assert not channel.is_on and channel.get_output_channel() is None
    assert "WhatsApp channel is off" in caplog.text and "WHATSAPP_APP_SECRET" in caplog.text
    routes = [route.uri for route in channel.blueprint(Assistant())._future_routes]
    assert all("webhook" not in path for path in routes)




def test_meta_gets_its_200_before_the_turn_runs(graph: FakeGraph) -> None:
    channel, assistant = channel_for(graph), Assistant()

    async def scenario() -> tuple:
        status = channel.accept(*n.signed(n.notification([n.text(CUSTOMER, "pay", "wamid.1")])), assistant)
        heard_before_answering = list(assistant.events)
        await channel.close()
        return status, heard_before_answering

    status, heard_before_answering = asyncio.run(scenario())
    assert (status, heard_before_answering) == (200, [])
    assert assistant.heard == [(CUSTOMER, "pay")]


def test_every_webhook_and_message_is_counted_by_what_became_of_it(graph: FakeGraph) -> None:
    """whatsapp_webhooks_total, _inbound_messages_total and _graph_sends_total, as on-call reads them."""
    from rasa_runtime.whatsapp.input import MAX_WEBHOOK_BYTES
    from tests.support.metric_samples import Deltas

    deltas = Deltas()
    post = n.signed(n.notification([n.text(CUSTOMER, "pay", "wamid.m1"), n.other(CUSTOMER, "sticker", "wamid.m2")]))
    too_big = b"{" + b" " * MAX_WEBHOOK_BYTES + b"}"
    statuses = deliver(channel_for(graph), Assistant(), post, post, (post[0], "sha256=forged"), (too_big, None))
    assert statuses == [200, 200, 403, 413]
    assert deltas.of("whatsapp_webhooks_total", result="signed") == 2
    assert deltas.of("whatsapp_webhooks_total", result="bad_signature") == 1
    assert deltas.of("whatsapp_webhooks_total", result="too_big") == 1
    assert deltas.of("whatsapp_inbound_messages_total", result="answered") == 1
    assert deltas.of("whatsapp_inbound_messages_total", result="not_text") == 1
    assert deltas.of("whatsapp_inbound_messages_total", result="duplicate") == 2
    # The reply and the "please type" were accepted by the (fake) Graph API.
    assert deltas.of("whatsapp_graph_sends_total", result="accepted") >= 2
