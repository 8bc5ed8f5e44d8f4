"""The webhook sender: Standard Webhooks signatures (verified with the ``standardwebhooks``
library itself), secret rotation, outcomes by status, Retry-After, no redirects, bounded
reads and timeouts, the pinned address (against a receiver on 127.0.0.1)."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from linli.notifications.adapters.url_safety import UrlPolicy
from linli.notifications.adapters.webhook import (
    WebhookSender,
    WebhookSettings,
    classify_status,
    parse_retry_after,
    signature_headers,
    signing_secrets,
    webhook_body,
)
from linli.notifications.domain.model import Channel
from tests.unit.notifications.delivery_fakes import (
    Received,
    Reply,
    Subscriptions,
    make_delivery,
    make_message,
    make_subscription,
    new_secret,
    receiving,
)

DEV = UrlPolicy.from_settings(allow_http=True, allowed_cidrs="127.0.0.0/8")
FAST = WebhookSettings(connect_timeout_seconds=1.0, read_timeout_seconds=0.3, total_timeout_seconds=2.0)


def sender_for(url: str, *, policy: UrlPolicy = DEV, **subscription: Any) -> tuple[WebhookSender, str]:
    sub = make_subscription(url=url, **subscription)
    return WebhookSender(Subscriptions(sub), policy, FAST), sub.secret


def verify(secret: str, request: Received) -> Any:
    return Webhook(secret).verify(request.body, request.headers)


def test_a_delivery_is_posted_signed_and_verifies_with_the_standard_library() -> None:
    with receiving() as receiver:
        sender, secret = sender_for(receiver.url)
        delivery = make_delivery(payload=json.dumps({"type": "x", "title": "修水管"}, ensure_ascii=False))
        result = sender.send(delivery)
        assert result.ok and result.status_code == 200
        (request,) = receiver.received
    assert request.path == "/hook"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == "dlv_1"
    assert request.headers["webhook-signature"].startswith("v1,")
    assert " " not in request.headers["webhook-signature"]
    assert request.headers["host"] == f"127.0.0.1:{receiver.port}"
    assert verify(secret, request) == {"type": "x", "title": "修水管"}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(request.body, request.headers)


def test_the_webhook_id_is_stable_across_retries_and_the_timestamp_is_the_attempts() -> None:
    times = iter([datetime(2025, 3, 3, 2, 0, tzinfo=UTC), datetime(2025, 3, 3, 2, 5, tzinfo=UTC)])
    sub = make_subscription()
    headers = [
        signature_headers("dlv_9", next(times), "{}", signing_secrets(sub, datetime(2025, 3, 3, tzinfo=UTC)))
        for _ in range(2)
    ]
    assert [h["webhook-id"] for h in headers] == ["dlv_9", "dlv_9"]
    assert [h["webhook-timestamp"] for h in headers] == ["1740967200", "1740967500"]
    assert headers[0]["webhook-signature"] != headers[1]["webhook-signature"]


def test_rotation_signs_with_both_secrets_during_the_overlap_only() -> None:
    old, new = new_secret(), new_secret()
    now = datetime.now(UTC)
    with receiving() as receiver:
        during, _ = sender_for(
            receiver.url, secret=new, previous_secret=old, previous_secret_expires_at=now + timedelta(hours=1)
        )
        after, _ = sender_for(
            receiver.url, secret=new, previous_secret=old, previous_secret_expires_at=now - timedelta(seconds=1)
        )
        assert during.send(make_delivery()).ok
        assert after.send(make_delivery()).ok
        first, second = receiver.received
    assert len(first.headers["webhook-signature"].split(" ")) == 2
    assert verify(old, first) is not None  # the receiver still holding the old secret
    assert verify(new, first) is not None
    assert len(second.headers["webhook-signature"].split(" ")) == 1
    assert verify(new, second) is not None
    with pytest.raises(WebhookVerificationError):
        verify(old, second)


def test_a_delivery_without_payload_posts_the_message() -> None:
    delivery = make_delivery(payload="", message=make_message(title="测试", body="<b>x</b>", link="https://l/1"))
    body = json.loads(webhook_body(delivery))
    assert body == {
        "type": "linli.notification",
        "id": "dlv_1",
        "event_id": "evt_1",
        "kind": "request.accepted",
        "language": "zh-CN",
        "title": "测试",
        "body": "<b>x</b>",
        "link": "https://l/1",
    }


@pytest.mark.parametrize(
    ("status", "ok", "permanent"),
    [
        (200, True, False),
        (204, True, False),
        (301, False, True),
        (307, False, True),
        (400, False, True),
        (401, False, True),
        (404, False, True),
        (410, False, True),
        (408, False, False),
        (409, False, False),
        (425, False, False),
        (429, False, False),
        (500, False, False),
        (502, False, False),
        (503, False, False),
    ],
)
def test_outcome_by_status(status: int, ok: bool, permanent: bool) -> None:
    result = classify_status(status, 3.0)
    assert (result.ok, result.permanent, result.status_code) == (ok, permanent, status)


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after(" 0 ", now) == 0.0
    assert parse_retry_after("Mon, 03 Mar 2025 02:01:30 GMT", now) == 90.0
    assert parse_retry_after("Mon, 03 Mar 2025 01:00:00 GMT", now) == 0.0  # in the past
    assert parse_retry_after("999999999", now) == 86_400.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("-5", now) is None
    assert parse_retry_after(None, now) is None


def test_server_errors_are_retryable_with_retry_after_and_client_errors_permanent() -> None:
    replies = iter(
        [
            Reply(503, {"Retry-After": "7"}, b"busy"),
            Reply(429, {"Retry-After": "Mon, 03 Mar 2025 02:00:30 GMT"}),
            Reply(404, body=b"no such hook"),
        ]
    )
    with receiving(lambda _: next(replies)) as receiver:
        sub = make_subscription(url=receiver.url)
        sender = WebhookSender(Subscriptions(sub), DEV, FAST, clock=lambda: datetime(2025, 3, 3, 2, 0, tzinfo=UTC))
        busy, limited, gone = (sender.send(make_delivery()) for _ in range(3))
    assert (busy.ok, busy.permanent, busy.retry_after, busy.status_code) == (False, False, 7.0, 503)
    assert busy.error == "HTTP 503: busy"
    assert (limited.permanent, limited.retry_after) == (False, 30.0)
    assert (gone.permanent, gone.error) == (True, "HTTP 404: no such hook")


def test_redirects_are_not_followed() -> None:
    with receiving() as elsewhere, receiving(lambda _: Reply(302, {"Location": elsewhere.url})) as receiver:
        sender, _ = sender_for(receiver.url)
        result = sender.send(make_delivery())
        assert (result.ok, result.permanent, result.status_code) == (False, True, 302)
        assert "redirect not followed" in result.error
        assert elsewhere.count() == 0


def test_the_response_body_is_read_up_to_the_limit() -> None:
    with receiving(lambda _: Reply(500, body=b"x" * 1_000_000)) as receiver:
        sub = make_subscription(url=receiver.url)
        sender = WebhookSender(Subscriptions(sub), DEV, WebhookSettings(max_response_bytes=1024))
        result = sender.send(make_delivery())
    assert not result.ok and not result.permanent
    assert len(result.error) < 300


def test_a_slow_receiver_times_out_as_a_retryable_failure() -> None:
    with receiving(lambda _: Reply(200, delay=1.0)) as receiver:
        sender, _ = sender_for(receiver.url)
        result = sender.send(make_delivery())
    assert (result.ok, result.permanent) == (False, False)
    assert "timed out" in result.error


def test_a_receiver_that_trickles_is_cut_by_the_total_timeout() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            while not stop.wait(0.1):
                try:
                    conn.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    return

    threading.Thread(target=trickle, daemon=True).start()
    sub = make_subscription(url=f"http://127.0.0.1:{port}/hook")
    settings = WebhookSettings(connect_timeout_seconds=1.0, read_timeout_seconds=0.5, total_timeout_seconds=0.6)
    try:
        result = WebhookSender(Subscriptions(sub), DEV, settings).send(make_delivery())
    finally:
        stop.set()
        listener.close()
    assert (result.ok, result.permanent) == (False, False)
    assert "timed out" in result.error


def test_a_refused_connection_is_retryable() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    sender, _ = sender_for(f"http://127.0.0.1:{port}/hook")
    result = sender.send(make_delivery())
    assert (result.ok, result.permanent) == (False, False)


def test_missing_paused_or_refused_subscriptions_fail_permanently(monkeypatch: pytest.MonkeyPatch) -> None:
    sender = WebhookSender(Subscriptions(), DEV, FAST)
    assert sender.send(make_delivery()).permanent
    paused, _ = sender_for("http://127.0.0.1:9/hook", active=False)
    assert "paused" in paused.send(make_delivery()).error
    public_only, _ = sender_for("http://127.0.0.1:9/hook", policy=UrlPolicy(allow_http=True))
    result = public_only.send(make_delivery())
    assert result.permanent and "not a public address" in result.error
    https_only, _ = sender_for("http://127.0.0.1:9/hook", policy=UrlPolicy(allowed_networks=DEV.allowed_networks))
    assert "must use https" in https_only.send(make_delivery()).error


def test_the_connection_goes_to_the_checked_address_with_the_host_name_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"hooks.test": ["127.0.0.1"]}

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with receiving() as receiver:
        sender, _ = sender_for(f"http://hooks.test:{receiver.port}/in")
        assert sender.send(make_delivery()).ok
        assert receiver.received[0].headers["host"] == f"hooks.test:{receiver.port}"
        answers["hooks.test"] = ["10.0.0.8"]  # rebinding to an inside address
        result = sender.send(make_delivery())
        assert result.permanent and "10.0.0.8" in result.error
        assert receiver.count() == 1


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_https_checks_the_certificate_and_sni_against_the_host_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=hooks.test"),
            *("-addext", "subjectAltName=DNS:hooks.test", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    server_names: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: server_names.append(name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    def getaddrinfo(host: str, p: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", p))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    policy = UrlPolicy.from_settings(allowed_cidrs="127.0.0.0/8")
    trusting = ssl.create_default_context(cafile=str(cert))
    try:
        good = make_subscription(url=f"https://hooks.test:{port}/in")
        result = WebhookSender(Subscriptions(good), policy, FAST, tls_context=trusting).send(make_delivery())
        assert result.ok and result.status_code == 204
        assert server_names[-1] == "hooks.test"
        # The same address under another name: the certificate does not match, refused.
        other = make_subscription(url=f"https://other.test:{port}/in")
        mismatch = WebhookSender(Subscriptions(other), policy, FAST, tls_context=trusting).send(make_delivery())
        assert not mismatch.ok and "TLS" in mismatch.error
        # An untrusted certificate is refused too.
        untrusted = WebhookSender(Subscriptions(good), policy, FAST).send(make_delivery())
        assert not untrusted.ok and "TLS" in untrusted.error
    finally:
        server.shutdown()
        server.server_close()


def test_sender_is_a_channel_sender_for_webhooks() -> None:
    assert WebhookSender(Subscriptions(), DEV).channel is Channel.WEBHOOK
