"""Shared helpers for the volunteers unit tests (pure domain: no brokers, no database)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from linli.volunteers.domain.model import GeoPoint, TimeWindow, Volunteer

#: Monday 3 March 2025, 10:00 in the city (02:00 UTC).
NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)

VolunteerFactory = Callable[..., Volunteer]


def make_volunteer(
    volunteer_id: str = "vol_1",
    *,
    lat: float = 28.6,
    lng: float = 121.4,
    skills: tuple[str, ...] = ("plumbing",),
    radius: float = 5.0,
    availability: tuple[TimeWindow, ...] = (TimeWindow(1, "08:00", "12:00"),),
    home_community_id: str = "org_home",
    workplace_community_id: str = "",
    max_tasks: int = 3,
    open_tasks: int = 0,
) -> Volunteer:
    """A valid active volunteer; keyword arguments change what a test is about."""
    return Volunteer(
        id=volunteer_id,
        person_id=f"person_{volunteer_id}",
        display_name=f"Volunteer {volunteer_id}",
        phone="13800000000",
        home_community_id=home_community_id,
        workplace_community_id=workplace_community_id,
        skills=skills,
        service_radius_km=radius,
        home=GeoPoint(lat, lng),
        availability=availability,
        max_concurrent_tasks=max_tasks,
        open_tasks=open_tasks,
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.fixture
def new_volunteer() -> VolunteerFactory:
    """``make_volunteer`` as a fixture (test modules cannot import conftest)."""
    return make_volunteer
