"""The requests service's business metrics on its /metrics endpoint, against real FerretDB and
Kafka: a request submitted, offered, claimed, resolved and rated moves exactly its series,
labelled by category and community, and a refused command moves none."""

from __future__ import annotations

import urllib.request

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from linli.v1 import requests_pb2 as pb
from tests.integration.requests.conftest import RunningRequests
from tests.integration.requests.test_requests_api import RESIDENT, dispatcher, submit
from tests.support.identity import who

#: A category no other test in this package submits, so the deltas are this test's own.
CATEGORY = "tutoring"

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(running: RunningRequests) -> Series:
    assert running.runtime.metrics is not None
    url = f"http://127.0.0.1:{running.runtime.metrics.port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("linli_requests_")
    }


def value(series: Series, name: str, **labels: str) -> float:
    return series.get((name, frozenset(labels.items())), 0.0)


def test_a_submitted_resolved_and_rated_request_moves_its_series(
    requests_service: RunningRequests, city: dict[str, str]
) -> None:
    place = {"category": CATEGORY, "community": city["JJ-BY-C1"]}
    before = scrape(requests_service)
    stub = requests_service.stub
    request = submit(requests_service, category=CATEGORY, title="数学辅导", description="初二数学").request
    assert request.community_id == place["community"]
    request = stub.AcceptRequest(
        pb.AcceptRequestRequest(request_id=request.id, expected_version=request.version),
        metadata=dispatcher(city),
        timeout=5,
    )
    request = stub.OfferToVolunteers(
        pb.OfferToVolunteersRequest(
            request_id=request.id,
            expected_version=request.version,
            candidate_volunteer_ids=["tutor-a", "tutor-b"],
            offer_count=2,
        ),
        metadata=dispatcher(city),
        timeout=5,
    )
    tutor = who("tutor-a", "resident")
    stub.ClaimRequest(pb.ClaimRequestRequest(request_id=request.id), metadata=tutor, timeout=5)
    late_claim = who("tutor-b", "resident")
    with pytest.raises(grpc.RpcError):  # refused: nothing stored, nothing counted
        stub.ClaimRequest(pb.ClaimRequestRequest(request_id=request.id), metadata=late_claim, timeout=5)
    stub.StartWork(pb.StartWorkRequest(request_id=request.id), metadata=tutor, timeout=5)
    stub.ResolveRequest(
        pb.ResolveRequestRequest(request_id=request.id, result_text="讲完了", hours=2), metadata=tutor, timeout=5
    )
    rated = stub.RateRequest(pb.RateRequestRequest(request_id=request.id, stars=4), metadata=RESIDENT, timeout=5)
    assert rated.status == pb.REQUEST_STATUS_RATED
    after = scrape(requests_service)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **place, **labels) - value(before, name, **place, **labels)

    assert moved("linli_requests_submitted_total") == 1
    assert moved("linli_requests_offers_total") == 2
    assert moved("linli_requests_claims_total") == 1
    assert moved("linli_requests_resolved_total", deadline="met") == 1
    assert moved("linli_requests_resolved_total", deadline="missed") == 0
    assert moved("linli_requests_rating_stars_count") == 1
    assert moved("linli_requests_rating_stars_sum") == 4
    assert moved("linli_requests_rating_stars_bucket", le="3.0") == 0
    assert moved("linli_requests_rating_stars_bucket", le="4.0") == 1
    assert moved("linli_requests_reopened_total", automatic="true") == 0
    # primed at zero with the pair's first event: the dashboards read 0, not "no data"
    assert ("linli_requests_deadline_breaches_total", frozenset({**place, "deadline": "resolve"}.items())) in after
    assert value(after, "linli_requests_current", status="rated", **place) >= 1
    labels = {v for (_, pairs) in after for _, v in pairs}
    assert request.id not in labels and "tutor-a" not in labels and "resident-1" not in labels
