"""A person's choices applied to one routing rule: which channels, now or later, or not at all.

- ``channels_for``: the rule's channels, or the person's choice for the kind (webhooks are
  for agencies and never chosen); the inbox is always among them, since it is the record of
  what was sent, unless the kind is muted. Muting does not silence urgent kinds: they still
  reach the inbox.
- ``held_until``: during the person's quiet hours (a daily window in the city's local time,
  UTC+8, possibly across midnight, e.g. 22:00-07:00) a non-urgent message is held until the
  window ends; None means send now. A window whose start equals its end is empty.
- ``wants_digest``: the person collects the kind into the daily digest instead (never for
  urgent kinds).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta, timezone

from .model import Channel, KindPreference, Preferences, QuietHours, RoutingRule

#: The city's local time (no daylight saving).
LOCAL_TZ = timezone(timedelta(hours=8), "UTC+8")

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_PERSON_CHANNELS = (Channel.INBOX, Channel.EMAIL, Channel.SMS)
DIGEST_KIND_PREFIX = "digest."


def parse_hhmm(value: str) -> time:
    """ "HH:MM" (00:00-23:59) as a time; ValueError otherwise."""
    match = _HHMM.match(value)
    if match is None:
        raise ValueError(f"quiet hours: {value!r} is not a time of day HH:MM (00:00-23:59)")
    return time(int(match.group(1)), int(match.group(2)))


def check_quiet_hours(quiet: QuietHours) -> None:
    """ValueError naming the bad end of the window (for the preferences command)."""
    parse_hhmm(quiet.start)
    parse_hhmm(quiet.end)


def kind_preference(prefs: Preferences | None, kind: str) -> KindPreference | None:
    if prefs is None:
        return None
    return next((k for k in prefs.kinds if k.kind == kind), None)


def is_muted(rule: RoutingRule, prefs: Preferences | None) -> bool:
    """Muted and not urgent: nothing at all is sent."""
    choice = kind_preference(prefs, rule.kind)
    return choice is not None and choice.muted and not rule.urgent


def channels_for(rule: RoutingRule, prefs: Preferences | None) -> tuple[Channel, ...]:
    """The channels this person hears the rule's kind on (see the module docstring)."""
    choice = kind_preference(prefs, rule.kind)
    if choice is not None and choice.muted:
        return (Channel.INBOX,) if rule.urgent else ()
    chosen = choice.channels if choice is not None and choice.channels else rule.channels
    wanted = {Channel.INBOX, *chosen}
    return tuple(c for c in _PERSON_CHANNELS if c in wanted)


def wants_digest(rule: RoutingRule, prefs: Preferences | None) -> bool:
    """Also never for the digests themselves (a digest held for the next digest would never
    be sent)."""
    if rule.kind.startswith(DIGEST_KIND_PREFIX):
        return False
    choice = kind_preference(prefs, rule.kind)
    return choice is not None and choice.digest and not choice.muted and not rule.urgent


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def held_until(now: datetime, prefs: Preferences | None, urgent: bool) -> datetime | None:
    """When the person's quiet hours that contain ``now`` end (UTC), or None to send now."""
    if urgent or prefs is None or prefs.quiet_hours is None:
        return None
    try:
        start, end = parse_hhmm(prefs.quiet_hours.start), parse_hhmm(prefs.quiet_hours.end)
    except ValueError:
        return None  # stored before validation tightened: never hold on a window we cannot read
    if start == end:
        return None
    local = _aware(now).astimezone(LOCAL_TZ)
    at = local.time().replace(second=0, microsecond=0)
    today = local.date()
    if start < end:  # same day, e.g. 12:00-14:00
        inside = start <= at < end
        end_day = today
    else:  # across midnight, e.g. 22:00-07:00
        inside = at >= start or at < end
        end_day = today + timedelta(days=1) if at >= start else today
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=LOCAL_TZ).astimezone(UTC)
