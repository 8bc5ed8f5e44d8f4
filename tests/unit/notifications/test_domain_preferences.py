"""Preferences: channels per kind, muting, digest, quiet hours in local time across midnight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linli.notifications.domain.model import Channel, KindPreference, Preferences, QuietHours, RoutingRule
from linli.notifications.domain.preferences import (
    channels_for,
    check_quiet_hours,
    held_until,
    is_muted,
    wants_digest,
)

RULE = RoutingRule("request.resolved", ("t.v1",), ("requester",), (Channel.INBOX, Channel.EMAIL))
URGENT = RoutingRule("deadline.breached", ("t.v1",), ("handler",), (Channel.INBOX, Channel.SMS), urgent=True)


def prefs(*kinds: KindPreference, quiet: QuietHours | None = None) -> Preferences:
    return Preferences(id="p_1", kinds=kinds, quiet_hours=quiet)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment given in the city's time (UTC+8), as UTC."""
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def test_channels_default_to_the_rule_s() -> None:
    assert channels_for(RULE, None) == (Channel.INBOX, Channel.EMAIL)
    assert channels_for(RULE, prefs()) == (Channel.INBOX, Channel.EMAIL)


def test_chosen_channels_replace_the_rule_s_and_keep_the_inbox() -> None:
    assert channels_for(RULE, prefs(KindPreference("request.resolved", (Channel.SMS,)))) == (Channel.INBOX, Channel.SMS)
    assert channels_for(RULE, prefs(KindPreference("request.resolved", (Channel.WEBHOOK, Channel.EMAIL)))) == (
        Channel.INBOX,
        Channel.EMAIL,
    )
    assert channels_for(RULE, prefs(KindPreference("other.kind", (Channel.SMS,)))) == (Channel.INBOX, Channel.EMAIL)


def test_muted_kinds_are_silent_unless_urgent() -> None:
    muted = prefs(KindPreference("request.resolved", muted=True), KindPreference("deadline.breached", muted=True))
    assert channels_for(RULE, muted) == () and is_muted(RULE, muted)
    assert channels_for(URGENT, muted) == (Channel.INBOX,) and not is_muted(URGENT, muted)


def test_digest_instead_of_immediate_but_never_for_urgent_kinds() -> None:
    digest = prefs(KindPreference("request.resolved", digest=True), KindPreference("deadline.breached", digest=True))
    assert wants_digest(RULE, digest) and not wants_digest(URGENT, digest)
    assert not wants_digest(RULE, prefs()) and not wants_digest(RULE, None)


NIGHT = QuietHours("22:00", "07:00")


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (local(1, 21, 59), None),
        (local(1, 22, 0), local(2, 7, 0)),
        (local(1, 23, 30), local(2, 7, 0)),
        (local(2, 0, 0), local(2, 7, 0)),  # after midnight: same morning
        (local(2, 6, 59), local(2, 7, 0)),
        (local(2, 7, 0), None),
        (local(2, 12, 0), None),
    ],
)
def test_quiet_hours_across_midnight(now: datetime, until: datetime | None) -> None:
    assert held_until(now, prefs(quiet=NIGHT), urgent=False) == until


def test_quiet_hours_within_a_day_and_edge_cases() -> None:
    lunch = prefs(quiet=QuietHours("12:00", "14:00"))
    assert held_until(local(1, 13, 0), lunch, urgent=False) == local(1, 14, 0)
    assert held_until(local(1, 14, 0), lunch, urgent=False) is None
    assert held_until(local(1, 11, 59), lunch, urgent=False) is None
    assert held_until(local(1, 13, 0), prefs(quiet=QuietHours("12:00", "12:00")), urgent=False) is None
    assert held_until(local(1, 13, 0), prefs(quiet=QuietHours("nonsense", "14:00")), urgent=False) is None
    assert held_until(local(1, 13, 0), prefs(), urgent=False) is None
    assert held_until(local(1, 13, 0), None, urgent=False) is None


def test_urgent_kinds_go_through_quiet_hours() -> None:
    assert held_until(local(1, 23, 0), prefs(quiet=NIGHT), urgent=True) is None


def test_the_city_s_time_is_used_not_utc() -> None:
    # 15:00 UTC is 23:00 in the city: quiet.
    assert held_until(datetime(2025, 3, 1, 15, 0, tzinfo=UTC), prefs(quiet=NIGHT), urgent=False) == datetime(
        2025, 3, 1, 23, 0, tzinfo=UTC
    )
    # a naive time is taken as UTC
    assert held_until(datetime(2025, 3, 1, 15, 0), prefs(quiet=NIGHT), urgent=False) is not None


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 23),
    st.integers(0, 59),
)
def test_held_until_is_after_now_within_a_day_and_outside_the_window(
    now: datetime, h1: int, m1: int, h2: int, m2: int
) -> None:
    quiet = QuietHours(f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}")
    until = held_until(now, prefs(quiet=quiet), urgent=False)
    if until is not None:
        assert now < until <= now + timedelta(days=1)
        assert held_until(until, prefs(quiet=quiet), urgent=False) is None


def test_check_quiet_hours() -> None:
    check_quiet_hours(QuietHours("00:00", "23:59"))
    for bad in ("24:00", "7:00", "07:60", "", "07:00:00"):
        with pytest.raises(ValueError, match="HH:MM"):
            check_quiet_hours(QuietHours(bad, "07:00"))
