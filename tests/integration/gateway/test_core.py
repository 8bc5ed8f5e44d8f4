"""The gateway's core over HTTP: problem documents for unknown routes, wrong methods and bad
input, X-Request-Id, /healthz, /readyz, /metrics, the OpenAPI 3.1 document and its local docs
page, and rate limits counted in the shared MongoDB storage (429 with Retry-After)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import requests
from pymongo import MongoClient

from linli.gateway.app import create_app
from linli.gateway.config import GatewayConfig
from tests.integration.gateway.conftest import Platform
from tests.support.gateway import start_gateway
from tests.support.infra import free_port

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://linli.dev/problems/")
    assert body["title"]
    assert "Traceback" not in response.text
    assert response.headers["X-Request-Id"]
    return body


def test_unknown_route_is_a_404_problem(gateway: Platform) -> None:
    body = assert_problem(requests.get(f"{gateway.url}/api/v1/no-such-thing", timeout=10), 404)
    assert body["instance"] == "/api/v1/no-such-thing"
    assert body["request_id"]


def test_wrong_method_is_a_405_problem(gateway: Platform) -> None:
    response = requests.post(f"{gateway.url}/healthz", timeout=10)
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_malformed_json_is_a_400_problem(gateway: Platform) -> None:
    spec = requests.get(f"{gateway.url}/api/v1/openapi.json", timeout=10).json()
    posts = [path for path, item in spec["paths"].items() if "post" in item and "{" not in path]
    if not posts:
        pytest.skip("no API routes taking a body are registered yet")
    path = "/api/v1/requests" if "/api/v1/requests" in posts else posts[0]
    response = requests.post(
        f"{gateway.url}{path}", data="{not json", headers={"Content-Type": "application/json"}, timeout=10
    )
    assert response.status_code in (400, 401)
    assert_problem(response, response.status_code)


def test_invalid_fields_are_named(gateway: Platform) -> None:
    """An invalid body is a 400 problem naming the field (401 first when the route needs a person)."""
    spec = requests.get(f"{gateway.url}/api/v1/openapi.json", timeout=10).json()
    if "post" not in spec["paths"].get("/api/v1/requests", {}):
        pytest.skip("POST /api/v1/requests is not registered yet")
    response = requests.post(
        f"{gateway.url}/api/v1/requests",
        json={"title": 12345, "category": ["not", "a", "code"]},
        headers={"Idempotency-Key": uuid.uuid4().hex},
        timeout=10,
    )
    assert response.status_code in (400, 401), response.text
    body = assert_problem(response, response.status_code)
    if response.status_code == 400:
        assert body["field"]


def test_request_id_is_echoed_generated_and_logged(gateway: Platform) -> None:
    mine = f"test-{uuid.uuid4().hex}"
    response = requests.get(f"{gateway.url}/healthz", headers={"X-Request-Id": mine}, timeout=10)
    assert response.headers["X-Request-Id"] == mine
    generated = requests.get(f"{gateway.url}/healthz", timeout=10).headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    insane = requests.get(f"{gateway.url}/healthz", headers={"X-Request-Id": "a b<script>"}, timeout=10)
    assert insane.headers["X-Request-Id"] != "a b<script>"
    assert re.fullmatch(r"[0-9a-f]{32}", insane.headers["X-Request-Id"])
    problem = requests.get(f"{gateway.url}/nowhere", headers={"X-Request-Id": mine}, timeout=10)
    assert problem.json()["request_id"] == mine
    assert f'"request_id": "{mine}"' in gateway.gateway.logs()


def test_healthz(gateway: Platform) -> None:
    response = requests.get(f"{gateway.url}/healthz", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_when_every_dependency_serves(gateway: Platform) -> None:
    response = requests.get(f"{gateway.url}/readyz", timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {
        "mongo": "up",
        "notifications": "up",
        "organizations": "up",
        "requests": "up",
        "volunteers": "up",
    }


def _config(gateway: Platform, **overrides: Any) -> GatewayConfig:
    values: dict[str, Any] = {
        "mongo_uri": gateway.infra.mongo_uri,
        "mongo_db": f"test_gateway_core_{uuid.uuid4().hex[:6]}",
        "organizations_addr": gateway.organizations.address,
        "volunteers_addr": gateway.volunteers.address,
        "requests_addr": gateway.requests.address,
        "notifications_addr": gateway.notifications.address,
        "readiness_timeout_seconds": 0.5,
    }
    values.update(overrides)
    return GatewayConfig.from_env({key: value for key, value in gateway.gateway.env.items() if "KEY" in key}, **values)


def test_readyz_lists_what_is_down(gateway: Platform) -> None:
    app = create_app(_config(gateway, requests_addr=f"127.0.0.1:{free_port()}"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith(PROBLEM)
    body = response.get_json()
    assert body["down"] == ["requests"]
    assert body["checks"]["organizations"] == "up"
    assert "requests" in body["detail"]


def test_metrics_count_requests_by_route_template_and_status(gateway: Platform) -> None:
    requests.get(f"{gateway.url}/healthz", timeout=10)
    requests.get(f"{gateway.url}/no/such/route", timeout=10)
    text = requests.get(f"{gateway.url}/metrics", timeout=10).text
    assert re.search(r'linli_gateway_http_requests_total\{method="GET",route="/healthz",status="200"\} \d', text)
    assert re.search(r'linli_gateway_http_requests_total\{method="GET",route="<unmatched>",status="404"\} \d', text)
    assert 'linli_gateway_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/healthz"}' in text
    assert "/no/such/route" not in text


def test_openapi_document_is_3_1_and_docs_are_local(gateway: Platform) -> None:
    spec = requests.get(f"{gateway.url}/api/v1/openapi.json", timeout=10).json()
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    assert all(path.startswith("/api/v1/") for path in spec["paths"])
    docs = requests.get(f"{gateway.url}/api/v1/docs", timeout=10)
    assert docs.status_code == 200
    assert docs.headers["Content-Type"].startswith("text/html")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", docs.text)
    assert "default-src 'self'" in docs.headers["Content-Security-Policy"]


def test_rate_limit_is_a_429_problem_with_retry_after_counted_in_mongodb(gateway: Platform) -> None:
    # A gateway process of its own with a small limit: Flask-Limiter keeps one limiter per
    # process, so an in-process app would share it with every other app the run built.
    limited_gateway = start_gateway(gateway.infra, gateway.services, LINLI_RATE_LIMIT_DEFAULT="3/minute")
    try:
        url = f"{limited_gateway.url}/api/v1/openapi.json"
        answers = [requests.get(url, timeout=10) for _ in range(4)]
        assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
        limited = answers[-1]
        assert limited.headers["Content-Type"].startswith(PROBLEM)
        assert int(limited.headers["Retry-After"]) >= 1
        assert limited.json()["status"] == 429
        # health is exempt
        assert all(requests.get(f"{limited_gateway.url}/healthz", timeout=10).status_code == 200 for _ in range(5))
        # the counts live in the shared MongoDB storage (every replica sees them), per caller
        mongo: MongoClient[dict[str, Any]] = MongoClient(gateway.infra.mongo_uri)
        try:
            database = mongo[limited_gateway.env["LINLI_MONGO_DB"]]
            stored = [doc for name in database.list_collection_names() for doc in database[name].find({})]
            assert any("ip:127.0.0.1" in str(doc.get("_id", "")) for doc in stored), stored
        finally:
            mongo.close()
    finally:
        limited_gateway.stop()
