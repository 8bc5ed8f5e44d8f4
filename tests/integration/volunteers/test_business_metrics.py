"""The volunteers service's business metrics on its /metrics endpoint, against real Kafka and
FerretDB: a registered volunteer counts as active in their home community, and a rated task
credits hours and points to both their communities once, a replayed event crediting nothing."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
from kafka import KafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from linli.v1 import requests_pb2
from tests.integration.volunteers.conftest import RunningVolunteers
from tests.integration.volunteers.support import MONDAY_10, register, timestamp, unique, wait_for
from tests.integration.volunteers.test_volunteers_tasks import S, points, publish, resend, snapshot

#: Communities of this module only, so the series are this test's own.
HOME, WORK = "org_metrics_home", "org_metrics_work"

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(vols: RunningVolunteers) -> Series:
    assert vols.runtime.metrics is not None
    with urllib.request.urlopen(f"http://127.0.0.1:{vols.runtime.metrics.port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("linli_volunteers_")
    }


def value(series: Series, name: str, **labels: str) -> float:
    return series.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture(scope="module")
def consuming(vols: RunningVolunteers) -> Iterator[RunningVolunteers]:
    vols.wait_until_consuming()
    yield vols


def test_active_volunteers_and_credits_on_metrics(consuming: RunningVolunteers, producer: KafkaProducer) -> None:
    vols = consuming
    volunteer = register(vols, home_community_id=HOME, workplace_community_id=WORK)
    registered = scrape(vols)
    assert value(registered, "linli_volunteers_active", community=HOME) == 1
    assert value(registered, "linli_volunteers_active", community=WORK) == 0  # counted at home only
    # primed at 0 with the registration: the dashboards read 0 before the first credit
    assert ("linli_volunteers_hours_credited_total", frozenset({"community": WORK, "kind": "workplace"}.items())) in (
        registered
    )

    request_id = unique("req")
    publish(
        producer,
        "claimed",
        requests_pb2.RequestClaimed(request=snapshot(request_id, S.REQUEST_STATUS_CLAIMED, volunteer.id, 3)),
    )
    resolution = requests_pb2.Resolution(
        text="修好了", hours=1.5, resolved_at=timestamp(MONDAY_10), resolved_by=volunteer.person_id
    )
    publish(
        producer,
        "resolved",
        requests_pb2.RequestResolved(
            request=snapshot(request_id, S.REQUEST_STATUS_RESOLVED, volunteer.id, 5), resolution=resolution
        ),
    )
    rated = publish(
        producer,
        "rated",
        requests_pb2.RequestRated(request=snapshot(request_id, S.REQUEST_STATUS_RATED, volunteer.id, 6), stars=4),
    )
    wait_for(lambda: points(vols, volunteer.id).total_points > 0, what="the rating to credit points")
    resend(producer, rated)  # delivered again: credits nothing
    publish(  # a later event of the same request (same partition): the replay was consumed before it
        producer,
        "closed",
        requests_pb2.RequestClosed(request=snapshot(request_id, S.REQUEST_STATUS_CLOSED, volunteer.id, 7)),
    )
    wait_for(lambda: vols.services.core.directory.volunteers[volunteer.id].open_tasks == 0, what="the task released")
    credited = scrape(vols)

    def moved(name: str, **labels: str) -> float:
        return value(credited, name, **labels) - value(registered, name, **labels)

    # 1.5 h rated 4 stars: (5 + 10 * 1.5) * 1.2 = 24 points from each community
    assert moved("linli_volunteers_hours_credited_total", community=HOME, kind="home") == 1.5
    assert moved("linli_volunteers_hours_credited_total", community=WORK, kind="workplace") == 1.5
    assert moved("linli_volunteers_points_credited_total", community=HOME, kind="home") == 24
    assert moved("linli_volunteers_points_credited_total", community=WORK, kind="workplace") == 24
    labels = {v for (_, pairs) in credited for _, v in pairs}
    assert volunteer.id not in labels and volunteer.person_id not in labels
