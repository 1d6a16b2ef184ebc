"""What a stranger reaches through the deployed nginx template (the compose balancer, for real).

The public listener routes the WhatsApp webhook only; REST is on an internal
listener; bodies are bounded; the access log never holds a query string (the
verification GET carries Meta's verify token in it). nginx's own refusal and
the channel's are told apart by who wrote the answer: nginx's error page, or
the channel's JSON (the WhatsApp channel is on, tests/scale/conftest.py).
"""
from __future__ import annotations

import json

import requests

from bench import load
from rasa_runtime.whatsapp.signature import SIGNATURE_HEADER, sign
from tests.scale.conftest import OTP, WHATSAPP_APP_SECRET, new_customers
from tools.scaled_stack import ScaledStack


def refused_by_nginx(response: requests.Response) -> bool:
    """nginx's own 404 page: the request never reached a Rasa instance (whose 404s do not name nginx)."""
    return response.status_code == 404 and "nginx" in response.text


def bounded_by_nginx(response: requests.Response) -> bool:
    """nginx's own 413 page: the body was refused before any of it reached a Rasa instance."""
    return response.status_code == 413 and "nginx" in response.text


def answered_by_the_channel(response: requests.Response, status: int, verdict: str) -> bool:
    """The WhatsApp channel's own answer to a notification: its JSON verdict, which nginx never writes."""
    return response.status_code == status and response.headers.get("Content-Type", "").startswith(
        "application/json") and response.json() == {"status": verdict}


def test_the_public_listener_routes_only_the_whatsapp_webhook(scaled: ScaledStack) -> None:
    public = scaled.public_url
    assert requests.get(f"{public}/webhooks/whatsapp/", timeout=10).json()["status"] == "ok"  # the channel, on
    refused = [
        requests.post(f"{public}/webhooks/rest/webhook", json={"sender": "263772000001", "message": "hi"}, timeout=10),
        requests.get(f"{public}/conversations/rest:anyone/tracker", timeout=10),
        requests.post(f"{public}/model/parse", json={"text": "hi"}, timeout=10),
        requests.get(f"{public}/status", timeout=10),
        requests.get(f"{public}/", timeout=10),
        # Prometheus' metrics carry no token: never through the public port, nor by a detour.
        requests.get(f"{public}/metrics", timeout=10),
        requests.get(f"{public}/webhooks/whatsapp/../../metrics", timeout=10),
        requests.get(f"{public}/webhooks/whatsapp/%2e%2e/%2e%2e/metrics", timeout=10),
        requests.get(f"{scaled.balancer_url}/metrics", timeout=10),  # nor through the REST listener
    ]
    assert [refused_by_nginx(response) for response in refused] == [True] * len(refused), \
        [(response.status_code, response.text[:200]) for response in refused]
    # Inside the deployment, each instance serves its metrics to Prometheus.
    assert "assistant_turns_total" in requests.get(f"{scaled.rasa_urls[0]}/metrics", timeout=10).text
    # Inside the deployment, REST still answers (staff tools, these tests).
    assert requests.get(f"{scaled.balancer_url}/", timeout=10).status_code == 200


def test_bodies_are_bounded_for_meta_and_for_rest(scaled: ScaledStack) -> None:
    megabytes = json.dumps({"object": "whatsapp_business_account", "padding": "x" * 5_000_000})
    assert bounded_by_nginx(requests.post(f"{scaled.public_url}/webhooks/whatsapp/webhook", data=megabytes,
                                          timeout=30, headers={"Content-Type": "application/json"}))
    batch = json.dumps({"object": "whatsapp_business_account", "entry": [], "padding": "x" * 3_000_000}).encode()
    # Meta's ~3 MB batch gets through nginx whole: the channel takes it when Meta signed it (the
    # signature covers every byte), and refuses it itself, not nginx, when the signature is missing.
    signed = requests.post(f"{scaled.public_url}/webhooks/whatsapp/webhook", data=batch, timeout=30,
                           headers={"Content-Type": "application/json",
                                    SIGNATURE_HEADER: sign(WHATSAPP_APP_SECRET, batch)})
    assert answered_by_the_channel(signed, 200, "ok"), (signed.status_code, signed.text[:200])
    forged = requests.post(f"{scaled.public_url}/webhooks/whatsapp/webhook", data=batch, timeout=30,
                           headers={"Content-Type": "application/json"})
    assert answered_by_the_channel(forged, 403, "refused"), (forged.status_code, forged.text[:200])
    rest = requests.post(f"{scaled.balancer_url}/webhooks/rest/webhook", timeout=30,
                         json={"sender": "stranger", "message": "pay " * 50_000})
    assert bounded_by_nginx(rest), (rest.status_code, rest.text[:200])


def test_the_access_log_never_holds_the_query_string_the_otp_or_a_number(scaled: ScaledStack, store) -> None:
    requests.get(f"{scaled.public_url}/webhooks/whatsapp/webhook", timeout=10,
                 params={"hub.mode": "subscribe", "hub.verify_token": "leaked-token-Qw9", "hub.challenge": "1"})
    [customer] = new_customers(store, 1)
    with requests.Session() as http:
        for message, expected in load.payment_script(customer, OTP):
            assert expected in load.say(http, scaled.balancer_url, customer.sender, message)[1]
    log = "\n".join(scaled.balancer_log())
    assert "/webhooks/whatsapp/webhook" in log and "/webhooks/rest/webhook" in log
    for secret in ("leaked-token-Qw9", "hub.", OTP, customer.msisdn, customer.msisdn[3:]):
        assert secret not in log, secret
