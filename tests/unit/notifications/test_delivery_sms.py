"""The SMS adapter: segment length (70 with Chinese, 160 otherwise), cutting with the link
kept, the per-number token bucket, and the provider contract against a local receiver."""

from __future__ import annotations

import json

import pytest

from linli.notifications.adapters.sms import RateLimiter, SmsSender, SmsSettings, fit, segment_limit, sms_text
from linli.notifications.domain.model import Channel
from tests.unit.notifications.delivery_fakes import Reply, make_delivery, make_message, receiving

LINK = "https://linli.example/r/req_123"


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_segment_limits() -> None:
    assert segment_limit("hello") == 160
    assert segment_limit("你好") == 70
    assert segment_limit("café") == 70  # anything outside ASCII travels as UCS-2


def test_a_short_message_is_title_body_and_link() -> None:
    message = make_message(title="已受理", body="修水管已受理", link=LINK)
    assert sms_text(message) == f"已受理: 修水管已受理 {LINK}"
    assert sms_text(make_message(title="Hi", body="Hi", link="")) == "Hi"
    assert sms_text(make_message(title="A\nB", body="c  d", link="")) == "A B: c d"


def test_long_chinese_text_is_cut_to_70_with_the_link_kept() -> None:
    text = fit(
        "您的求助“楼道灯坏了”已被社区受理，网格员将在两小时内上门查看，请保持电话畅通，谢谢您的耐心等待。" * 2, LINK
    )
    assert len(text) == 70
    assert text.endswith(f"… {LINK}")


def test_long_ascii_text_is_cut_to_160_with_an_ascii_ellipsis() -> None:
    text = fit("Your request about the broken stair light was accepted. " * 5, LINK)
    assert 150 < len(text) <= 160
    assert text.isascii()
    assert text.endswith(f"... {LINK}")


def test_an_operator_cap_below_the_segment_limit() -> None:
    text = fit("Your request about the broken stair light was accepted. " * 5, LINK, max_length=140)
    assert 130 < len(text) <= 140 and text.endswith(f"... {LINK}")
    assert len(fit("楼道灯坏了" * 20, "", max_length=140)) == 70  # the segment limit stays the bound


def test_the_link_is_dropped_when_it_leaves_no_room() -> None:
    long_link = "https://linli.example/" + "x" * 70
    text = fit("楼道灯坏了" * 20, long_link)
    assert len(text) == 70 and text.endswith("…")
    assert text.startswith("楼道灯坏了")


def test_rate_limiter_is_a_token_bucket_per_number() -> None:
    ticks = Ticks()
    limiter = RateLimiter(5, 3600.0, ticks)
    assert [limiter.take("+8613800000001") for _ in range(5)] == [None] * 5
    assert limiter.take("+8613800000001") == pytest.approx(720.0)
    assert limiter.take("+8613800000002") is None  # another number is not affected
    ticks.now += 720.0
    assert limiter.take("+8613800000001") is None
    assert limiter.take("+8613800000001") == pytest.approx(720.0)
    with pytest.raises(ValueError):
        RateLimiter(0, 10.0)


def test_the_provider_gets_the_contract_and_over_the_limit_is_retryable() -> None:
    with receiving() as provider:
        settings = SmsSettings(url=provider.url, api_key="k-123", per_number_limit=2)
        sender = SmsSender(settings, limiter=RateLimiter(2, 3600.0, Ticks()))
        delivery = make_delivery("dlv_sms", channel=Channel.SMS, address="+86 138-0000-0001")
        assert sender.send(delivery).ok
        assert sender.send(delivery).ok
        limited = sender.send(delivery)
        (request, _) = provider.received
    assert (limited.ok, limited.permanent, limited.status_code) == (False, False, 429)
    assert limited.retry_after == pytest.approx(1800.0)
    assert request.headers["authorization"] == "Bearer k-123"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["idempotency-key"] == "dlv_sms"
    body = json.loads(request.body)
    assert body["to"] == "+8613800000001"
    assert body["text"] == sms_text(delivery.message)


def test_provider_failures_are_classified() -> None:
    replies = iter([Reply(503, {"Retry-After": "30"}), Reply(400, body=b'{"error":"bad number"}')])
    with receiving(lambda _: next(replies)) as provider:
        sender = SmsSender(SmsSettings(url=provider.url, api_key="k"))
        busy = sender.send(make_delivery(channel=Channel.SMS, address="13800000001"))
        bad = sender.send(make_delivery(channel=Channel.SMS, address="13800000001"))
    assert (busy.ok, busy.permanent, busy.retry_after) == (False, False, 30.0)
    assert bad.permanent and "bad number" in bad.error


def test_not_a_phone_number_is_permanent_and_not_sent() -> None:
    sender = SmsSender(SmsSettings(url="http://127.0.0.1:9/sms", api_key="k"))
    for address in ("", "abc", "+86 138 0000 0001 ext 5", "1" * 20):
        result = sender.send(make_delivery(channel=Channel.SMS, address=address))
        assert result.permanent and "phone" in result.error


def test_a_provider_url_that_is_not_http_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="not an http"):
        SmsSender(SmsSettings(url="ftp://sms.example/", api_key="k"))
