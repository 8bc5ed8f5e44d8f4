"""The volunteer aggregate's behaviour: register, update, suspend, reactivate, open-task
tracking and the public identity card.

Each changing function validates, bumps the version and appends an outbox event. Suspending a
suspended volunteer (or reactivating an active one) changes nothing and emits nothing, so a
retried call is harmless. Duplicate registration is caught by the service layer looking up
the person and passing what it found as ``existing_for_person``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from linli.common.errors import AlreadyExists, FailedPrecondition, InvalidArgument

from . import catalogue, rules
from . import events as ev
from .events import EventContext
from .model import DEFAULT_MAX_CONCURRENT_TASKS, GeoPoint, Team, TimeWindow, Volunteer, VolunteerStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class Registration:
    """What RegisterVolunteer carries (already converted from protobuf)."""

    person_id: str
    display_name: str
    phone: str = ""
    home_community_id: str
    workplace_community_id: str = ""
    skills: Sequence[str] = ()
    posts: Sequence[str] = ()
    languages: Sequence[str] = ()
    service_radius_km: float
    home: GeoPoint | None
    availability: Sequence[TimeWindow] = ()
    max_concurrent_tasks: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileChanges:
    """An update: ``None`` leaves a field alone (the service layer maps the update mask)."""

    display_name: str | None = None
    phone: str | None = None
    home_community_id: str | None = None
    workplace_community_id: str | None = None
    skills: Sequence[str] | None = None
    posts: Sequence[str] | None = None
    languages: Sequence[str] | None = None
    service_radius_km: float | None = None
    home: GeoPoint | None = None
    availability: Sequence[TimeWindow] | None = None
    max_concurrent_tasks: int | None = None


@dataclass(frozen=True, slots=True)
class IdentityCard:
    """What may be shown on a building notice board: no phone, no location, no schedule."""

    volunteer_id: str
    display_name: str
    home_community_id: str
    teams: tuple[tuple[str, str, bool], ...]  # (team id, team name, leads it)
    posts: tuple[catalogue.CatalogueEntry, ...]
    active: bool
    member_since: datetime


def _validated(changes: ProfileChanges) -> dict[str, object]:
    """Validates the fields that are set; returns field name -> normalised value."""
    out: dict[str, object] = {}
    if changes.display_name is not None:
        out["display_name"] = rules.validate_display_name(changes.display_name)
    if changes.phone is not None:
        out["phone"] = rules.validate_phone(changes.phone)
    if changes.home_community_id is not None:
        out["home_community_id"] = rules.validate_id(changes.home_community_id, "home_community_id")
    if changes.workplace_community_id is not None:
        out["workplace_community_id"] = rules.validate_optional_id(
            changes.workplace_community_id, "workplace_community_id"
        )
    if changes.skills is not None:
        out["skills"] = catalogue.validate_skill_codes(changes.skills)
    if changes.posts is not None:
        out["posts"] = catalogue.validate_post_codes(changes.posts)
    if changes.languages is not None:
        out["languages"] = rules.validate_languages(changes.languages)
    if changes.service_radius_km is not None:
        out["service_radius_km"] = rules.validate_radius(changes.service_radius_km)
    if changes.home is not None:
        out["home"] = rules.validate_point(changes.home, "home")
    if changes.availability is not None:
        out["availability"] = rules.validate_availability(changes.availability)
    if changes.max_concurrent_tasks is not None:
        out["max_concurrent_tasks"] = rules.validate_max_concurrent_tasks(changes.max_concurrent_tasks)
    return out


def _public_profile(volunteer: Volunteer) -> ev.PublicProfile:
    """The non-personal profile fields as they are now (shared by registered/updated)."""
    return ev.PublicProfile(
        volunteer_id=volunteer.id,
        display_name=volunteer.display_name,
        home_community_id=volunteer.home_community_id,
        workplace_community_id=volunteer.workplace_community_id,
        skills=tuple(volunteer.skills),
        posts=tuple(volunteer.posts),
        service_radius_km=volunteer.service_radius_km,
        max_concurrent_tasks=volunteer.max_concurrent_tasks,
    )


def register(
    volunteer_id: str,
    registration: Registration,
    now: datetime,
    *,
    context: EventContext | None = None,
    existing_for_person: Volunteer | None = None,
) -> Volunteer:
    """A new active volunteer at version 1 with a VolunteerRegistered event.

    Fails with AlreadyExists (field ``person_id``) when the person already has a volunteer
    profile, and InvalidArgument naming the field for bad input.
    """
    person_id = rules.validate_id(registration.person_id, "person_id")
    if existing_for_person is not None:
        raise AlreadyExists(
            f"person {person_id} is already registered as volunteer {existing_for_person.id}", field="person_id"
        )
    home_community_id = rules.validate_id(registration.home_community_id, "home_community_id")
    workplace = rules.validate_optional_id(registration.workplace_community_id, "workplace_community_id")
    volunteer = Volunteer(
        id=volunteer_id,
        person_id=person_id,
        display_name=rules.validate_display_name(registration.display_name),
        phone=rules.validate_phone(registration.phone),
        home_community_id=home_community_id,
        # The same community credits once: a workplace link to one's home community is dropped.
        workplace_community_id="" if workplace == home_community_id else workplace,
        skills=catalogue.validate_skill_codes(registration.skills),
        posts=catalogue.validate_post_codes(registration.posts),
        languages=rules.validate_languages(registration.languages),
        service_radius_km=rules.validate_radius(registration.service_radius_km),
        home=rules.validate_point(registration.home, "home"),
        availability=rules.validate_availability(registration.availability),
        max_concurrent_tasks=rules.validate_max_concurrent_tasks(
            registration.max_concurrent_tasks or DEFAULT_MAX_CONCURRENT_TASKS
        ),
        created_at=now,
        updated_at=now,
    )
    volunteer.pending_events.append(
        ev.VolunteerRegistered(
            profile=_public_profile(volunteer), person_id=person_id, at=now, context=context or EventContext()
        )
    )
    return volunteer


def update(
    volunteer: Volunteer,
    changes: ProfileChanges,
    now: datetime,
    *,
    expected_version: int = 0,
    context: EventContext | None = None,
) -> list[str]:
    """Applies the set fields; returns the names of those that really changed (sorted).

    Nothing changed: no new version, no event. Otherwise one VolunteerUpdated event naming
    the changed fields and carrying the new public values (never the personal ones).
    """
    rules.check_version(volunteer.version, expected_version)
    values = _validated(changes)
    workplace = values.get("workplace_community_id", volunteer.workplace_community_id)
    home = values.get("home_community_id", volunteer.home_community_id)
    if workplace == home:
        values["workplace_community_id"] = ""
    changed = sorted(name for name, value in values.items() if getattr(volunteer, name) != value)
    if not changed:
        return []
    for name in changed:
        setattr(volunteer, name, values[name])
    volunteer.touch(now)
    volunteer.pending_events.append(
        ev.VolunteerUpdated(
            profile=_public_profile(volunteer),
            changed_fields=tuple(changed),
            version=volunteer.version,
            at=now,
            context=context or EventContext(),
        )
    )
    return changed


def suspend(
    volunteer: Volunteer,
    reason: str,
    now: datetime,
    *,
    expected_version: int = 0,
    context: EventContext | None = None,
) -> bool:
    """Suspends an active volunteer (True) or does nothing when already suspended (False)."""
    rules.check_version(volunteer.version, expected_version)
    cleaned = rules.validate_text(reason, "reason", required=True)
    if volunteer.status is VolunteerStatus.SUSPENDED:
        return False
    volunteer.status = VolunteerStatus.SUSPENDED
    volunteer.suspended_at = now
    volunteer.suspension_reason = cleaned
    volunteer.touch(now)
    volunteer.pending_events.append(
        ev.VolunteerSuspended(
            volunteer_id=volunteer.id,
            reason=cleaned,
            version=volunteer.version,
            at=now,
            context=context or EventContext(),
        )
    )
    return True


def reactivate(
    volunteer: Volunteer, now: datetime, *, expected_version: int = 0, context: EventContext | None = None
) -> bool:
    """Reactivates a suspended volunteer (True) or does nothing when already active (False)."""
    rules.check_version(volunteer.version, expected_version)
    if volunteer.status is VolunteerStatus.ACTIVE:
        return False
    volunteer.status = VolunteerStatus.ACTIVE
    volunteer.suspended_at = None
    volunteer.suspension_reason = ""
    volunteer.touch(now)
    volunteer.pending_events.append(
        ev.VolunteerReactivated(
            volunteer_id=volunteer.id, version=volunteer.version, at=now, context=context or EventContext()
        )
    )
    return True


def task_claimed(volunteer: Volunteer, now: datetime) -> None:
    """The requests service says the volunteer claimed a task: one more open task and one
    more recent assignment (fairness). The consumer deduplicates events by ``ce_id``, so this
    runs once per claim. A claim beyond ``max_concurrent_tasks`` is recorded as it happened
    (matching simply stops proposing the volunteer)."""
    volunteer.open_tasks += 1
    volunteer.recent_assignments = volunteer.recent_assignments.plus_one(now.timestamp())
    volunteer.touch(now)


def task_released(volunteer: Volunteer, now: datetime) -> None:
    """A claimed task was released, resolved or cancelled: one open task fewer (never < 0)."""
    volunteer.open_tasks = max(0, volunteer.open_tasks - 1)
    volunteer.touch(now)


def require_active(volunteer: Volunteer, field: str = "volunteer_id") -> None:
    """FailedPrecondition when the volunteer is suspended."""
    if not volunteer.active:
        raise FailedPrecondition(f"volunteer {volunteer.id} is suspended", field=field)


def identity_card(volunteer: Volunteer, teams: Sequence[Team]) -> IdentityCard:
    """The public card. ``teams`` are the volunteer's teams (others are ignored)."""
    badges = tuple(
        sorted(
            (
                (team.id, team.name, team.leader_volunteer_id == volunteer.id)
                for team in teams
                if volunteer.id in team.member_ids
            ),
            key=lambda badge: (not badge[2], badge[1], badge[0]),
        )
    )
    posts = tuple(entry for code in volunteer.posts if (entry := catalogue.post(code)) is not None)
    return IdentityCard(
        volunteer_id=volunteer.id,
        display_name=volunteer.display_name,
        home_community_id=volunteer.home_community_id,
        teams=badges,
        posts=posts,
        active=volunteer.active,
        member_since=volunteer.created_at,
    )


def changes_from_mask(paths: Sequence[str], values: ProfileChanges) -> ProfileChanges:
    """Keeps only the fields named in an update mask (an empty mask keeps every set field)."""
    known = {f.name for f in fields(ProfileChanges)}
    for i, path in enumerate(paths):
        if path not in known:
            raise InvalidArgument(
                f"update_mask.paths[{i}] {path!r} is not an updatable field", field=f"update_mask.paths[{i}]"
            )
    if not paths:
        return values
    return ProfileChanges(**{name: getattr(values, name) if name in paths else None for name in known})
