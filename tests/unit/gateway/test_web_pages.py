"""The web pages rendered over fake service answers: every page in both languages, labels
for every input, CSRF refusal, problem details as readable messages, the deadline board's
rows and the volunteer's open offers. (The browser tests drive the real platform.)"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from google.protobuf.timestamp_pb2 import Timestamp

from linli.common import errors
from linli.gateway.auth import Person
from linli.gateway.web import backend, bp, i18n, views
from linli.requests.domain.catalogue import DEFAULT_CATALOGUE
from linli.requests.entrypoints.convert import categories_out
from linli.v1 import common_pb2 as cm
from linli.v1 import notifications_pb2 as nt
from linli.v1 import organizations_pb2 as og
from linli.v1 import requests_pb2 as rq
from linli.v1 import volunteers_pb2 as vl

NOW = datetime.now(UTC)


def stamp(moment: datetime) -> Timestamp:
    made = Timestamp()
    made.FromDatetime(moment)
    return made


def a_request(rid: str = "req_1", status: rq.RequestStatus = rq.REQUEST_STATUS_RESOLVED, **fields: Any) -> rq.Request:
    made = rq.Request(
        id=rid,
        category="repairs",
        title="Leaking pipe <b>",
        description="Water on the stairs",
        status=status,
        urgency=rq.URGENCY_NORMAL,
        requester=rq.Requester(person_id="person-resident"),
        submitted_at=stamp(NOW - timedelta(hours=3)),
        accept_by=stamp(NOW - timedelta(hours=1)),
        resolve_by=stamp(NOW + timedelta(hours=2)),
        version=4,
        history=[
            rq.HistoryEntry(
                action="submit",
                actor=cm.Actor(role="requester"),
                to_status=rq.REQUEST_STATUS_SUBMITTED,
                time=stamp(NOW),
            )
        ],
        **fields,
    )
    return made


ORG = og.Organization(id="org_c1", name=cm.LocalizedText(zh="东山社区", en="Dongshan Community"), code="C1")
METRICS = rq.Metrics(received=10, solved=9, closure_rate=0.9, on_time_rate=0.8, mean_rating=4.5, satisfied_share=0.75)
PUBLIC = rq.PublicRequest(
    id="req_9", category="parking", title="Parking lines", status=rq.REQUEST_STATUS_RATED, rating_stars=4, on_time=True
)


def answers() -> dict[str, Any]:
    return {
        "ListSubtree": og.ListSubtreeResponse(organizations=[ORG]),
        "GetPublicBoard": rq.PublicBoard(
            overall=METRICS,
            recent_results=[PUBLIC],
            categories=[rq.StatisticsBucket(key=["parking"], metrics=METRICS)],
        ),
        "ListCategories": categories_out(DEFAULT_CATALOGUE),
        "GetOrganization": ORG,
        "GetAncestors": og.GetAncestorsResponse(ancestors=[ORG]),
        "ListChildren": og.ListChildrenResponse(organizations=[ORG]),
        "ListGrids": og.ListGridsResponse(
            grids=[og.Grid(id="g1", name=cm.LocalizedText(zh="一网格"), households_count=400)]
        ),
        "ListStations": og.ListStationsResponse(
            stations=[og.Station(id="s1", name=cm.LocalizedText(en="Living room"))]
        ),
        "ListStationEvents": og.ListStationEventsResponse(
            events=[og.StationEvent(id="e1", title=cm.LocalizedText(zh="集市"), capacity=30, signup_count=3)]
        ),
        "ListTeams": vl.ListTeamsResponse(teams=[vl.Team(id="t1", name="Repairs team", member_ids=["v1", "v2"])]),
        "GetRequest": a_request(),
        "ListRequests": rq.ListRequestsResponse(
            requests=[a_request("req_1", rq.REQUEST_STATUS_ACCEPTED), a_request("req_2", rq.REQUEST_STATUS_CLAIMED)]
        ),
        "SuggestDuplicates": rq.SuggestDuplicatesResponse(
            suggestions=[
                rq.DuplicateSuggestion(
                    request_id="req_7", status=rq.REQUEST_STATUS_ACCEPTED, distance_band="<100 m", score=0.8
                )
            ]
        ),
        "ListPendingPublications": rq.ListPendingPublicationsResponse(
            items=[rq.PendingPublication(request=a_request(), preview=PUBLIC)]
        ),
        "GetVolunteer": vl.Volunteer(id="vol_1", person_id="person-resident", display_name="Li Wei"),
        "GetPointsBalance": vl.PointsBalance(volunteer_id="vol_1", total_points=25, service_hours=2.0),
        "ListLedgerEntries": vl.ListLedgerEntriesResponse(entries=[vl.LedgerEntry(id="l1", hours=2, points=25)]),
        "ListInbox": nt.ListInboxResponse(
            entries=[
                nt.InboxEntry(
                    id="i1", kind="offer.made", subject_id="req_5", title="Help wanted", created_at=stamp(NOW)
                ),
                nt.InboxEntry(
                    id="i2", kind="request.resolved", subject_id="req_1", title="Resolved", created_at=stamp(NOW)
                ),
            ],
            unread_count=2,
        ),
    }


class Fake:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.fail: dict[str, errors.LinliError] = {}
        self.answers = answers()

    def __call__(self, service: str, method: str, message: Any, **_kwargs: Any) -> Any:
        self.calls.append((method, message))
        if method in self.fail:
            raise self.fail[method]
        return self.answers.get(method, rq.Request(id="req_1"))


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Fake:
    made = Fake()
    monkeypatch.setattr(backend, "rpc", made)
    return made


@pytest.fixture
def who(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    def sign_in(*roles: str) -> None:
        person = (
            Person(id="person-resident", display_name="Li Wei", roles=("resident", *roles)) if roles != ("-",) else None
        )
        monkeypatch.setattr(backend, "person", lambda: person)

    sign_in("volunteer", "dispatcher@org_c1", "admin@org_c1")
    return sign_in


@pytest.fixture
def client(fake: Fake, who: Callable[..., None]) -> Iterator[FlaskClient]:
    app = Flask("linli.gateway")
    app.config.update(SECRET_KEY="test", TESTING=True)
    app.register_blueprint(bp)
    with app.test_client() as made:
        yield made


class Page(HTMLParser):
    """Collects what the accessibility checks need."""

    def __init__(self) -> None:
        super().__init__()
        self.html_lang = ""
        self.fields: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.landmarks: set[str] = set()
        self.forms_posting: list[bool] = []
        self._in_post_form = False
        self._form_has_token = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.html_lang = a.get("lang", "")
        if tag in ("main", "header", "footer", "nav"):
            self.landmarks.add(tag)
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append(a)
        if tag == "form" and a.get("method") == "post":
            self._in_post_form, self._form_has_token = True, False
        if tag == "input" and a.get("name") == "csrf_token" and a.get("value"):
            self._form_has_token = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_post_form:
            self.forms_posting.append(self._form_has_token)
            self._in_post_form = False


PAGES = [
    "/",
    "/signin",
    "/board",
    "/board/org_c1",
    "/requests/new",
    "/requests",
    "/requests/req_1",
    "/volunteer",
    "/inbox",
    "/ledger",
    "/deadlines",
    "/moderation",
    "/admin?org=org_c1",
]


@pytest.mark.parametrize("locale", ["zh_Hans_CN", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_accessibly_in_both_languages(client: FlaskClient, path: str, locale: str) -> None:
    client.get(f"/lang/{locale}")
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    page = Page()
    page.feed(response.text)
    assert page.html_lang == i18n.LANGUAGES[locale][0]
    assert {"main", "header", "footer", "nav"} <= page.landmarks
    unlabelled = [f for f in page.fields if f.get("id") not in page.label_for and not f.get("aria-label")]
    assert not unlabelled, unlabelled
    assert all(page.forms_posting), "every POST form carries the CSRF token"
    assert "<b>" not in response.text  # escaped
    assert "https://" not in re.sub(r'href="https?://[^"]*"', "", response.text)  # nothing loaded from outside
    if locale == "zh_Hans_CN":
        assert "邻里" in response.text and "Skip to content" not in response.text
    else:
        assert "Skip to content" in response.text


def test_every_marked_text_has_a_chinese_translation() -> None:
    chinese = i18n.catalogue_messages("zh_Hans_CN")
    english = i18n.catalogue_messages("en")
    marked = i18n.extract_messages()
    assert len(marked) > 100
    assert [t for t in marked if not chinese.get(t)] == []
    assert set(marked) <= set(english)


def test_the_language_follows_the_browser_until_switched(client: FlaskClient) -> None:
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert 'lang="zh-Hans-CN"' in client.get("/", headers={"Accept-Language": "zh-CN"}).text
    client.get("/lang/en?next=/board")
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "zh-CN"}).text


def test_the_language_switch_only_redirects_within_the_site(client: FlaskClient) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        assert client.get(f"/lang/en?next={target}").headers["Location"] == "/"
    assert client.get("/lang/en?next=/board").headers["Location"] == "/board"


def test_a_post_without_the_session_token_is_refused(client: FlaskClient, fake: Fake) -> None:
    client.get("/requests/req_1")
    response = client.post("/requests/req_1/rate", data={"stars": "5"})
    assert response.status_code == 400
    assert not any(method == "RateRequest" for method, _ in fake.calls)


def token(client: FlaskClient, path: str = "/requests/req_1") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def test_rating_sends_the_stars_and_the_version(client: FlaskClient, fake: Fake) -> None:
    response = client.post(
        "/requests/req_1/rate", data={"csrf_token": token(client), "stars": "4", "comment": "good", "version": "4"}
    )
    assert response.status_code == 302
    sent = next(message for method, message in fake.calls if method == "RateRequest")
    assert (sent.stars, sent.comment, sent.expected_version) == (4, "good", 4)


def test_a_service_problem_becomes_a_message_in_the_page_language(client: FlaskClient, fake: Fake) -> None:
    fake.fail["ClaimRequest"] = errors.FailedPrecondition("request req_1 is not offered to you")
    client.get("/lang/zh_Hans_CN")
    csrf = token(client)
    page = client.post("/requests/req_1/claim", data={"csrf_token": csrf}, follow_redirects=True).text
    assert "当前状态下无法进行此操作: request req_1 is not offered to you" in page
    client.get("/lang/en")
    page = client.post("/requests/req_1/claim", data={"csrf_token": csrf}, follow_redirects=True).text
    assert "That is not possible in the current state: request req_1 is not offered to you" in page


def test_a_missing_request_is_a_404_page(client: FlaskClient, fake: Fake) -> None:
    fake.fail["GetRequest"] = errors.NotFound("request req_x not found")
    response = client.get("/requests/req_x")
    assert response.status_code == 404
    assert "req_x" in response.text


def test_submitting_shows_likely_duplicates_first(client: FlaskClient, fake: Fake) -> None:
    csrf = token(client, "/requests/new")
    form = {
        "csrf_token": csrf,
        "category": "repairs",
        "title": "Pipe",
        "address": "1 Road",
        "lat": "28.6",
        "lng": "121.4",
    }
    checked = client.post("/requests/new", data={**form, "step": "check"})
    assert checked.status_code == 200 and "req_7" in checked.text and "&lt;100 m" in checked.text
    assert not any(method == "SubmitRequest" for method, _ in fake.calls)
    fake.answers["SubmitRequest"] = rq.SubmitRequestResponse(request=a_request("req_new"))
    submitted = client.post("/requests/new", data={**form, "step": "submit", "key": "k1"})
    assert submitted.headers["Location"].endswith("/requests/req_new")
    sent = next(message for method, message in fake.calls if method == "SubmitRequest")
    assert (sent.idempotency_key, sent.point.lat, sent.address.text) == ("k1", 28.6, "1 Road")


def test_a_bad_pin_is_named_without_calling_the_service(client: FlaskClient, fake: Fake) -> None:
    csrf = token(client, "/requests/new")
    response = client.post(
        "/requests/new",
        data={"csrf_token": csrf, "category": "repairs", "title": "x", "lat": "north", "step": "submit"},
    )
    assert response.status_code == 400
    assert not any(method == "SubmitRequest" for method, _ in fake.calls)


def test_visitors_are_sent_to_sign_in(client: FlaskClient, who: Callable[..., None]) -> None:
    who("-")
    response = client.get("/requests/new")
    assert response.status_code == 302 and "/signin?next=/requests/new" in response.headers["Location"]
    assert client.get("/board").status_code == 200


def test_staff_pages_are_refused_to_residents(client: FlaskClient, who: Callable[..., None]) -> None:
    who("volunteer")
    assert client.get("/ledger").status_code == 403
    assert client.get("/admin").status_code == 403


def test_the_deadline_board_splits_breached_from_due_soon() -> None:
    breached = a_request("late", rq.REQUEST_STATUS_SUBMITTED)  # accept_by an hour ago
    due = a_request("soon", rq.REQUEST_STATUS_CLAIMED)  # resolve_by in two hours
    later = a_request(
        "later",
        rq.REQUEST_STATUS_CLAIMED,
    )
    later.resolve_by.CopyFrom(stamp(NOW + timedelta(days=3)))
    flagged = a_request("flagged", rq.REQUEST_STATUS_IN_PROGRESS, breaches=[rq.Breach(kind=rq.DEADLINE_KIND_RESOLVE)])
    done = a_request("done", rq.REQUEST_STATUS_RESOLVED, breaches=[rq.Breach(kind=rq.DEADLINE_KIND_RESOLVE)])
    late, soon = views.deadline_rows([breached, due, later, flagged, done], NOW, timedelta(hours=24))
    assert [r.id for r in late] == ["late", "flagged"] or {r.id for r in late} == {"late", "flagged"}
    assert [r.id for r in soon] == ["soon"]


def test_open_offers_leave_out_withdrawn_and_expired_ones() -> None:
    def entry(kind: str, subject: str, minute: int) -> nt.InboxEntry:
        return nt.InboxEntry(
            id=f"{kind}{subject}", kind=kind, subject_id=subject, created_at=stamp(NOW + timedelta(minutes=minute))
        )

    entries = [entry("offer.made", "a", 0), entry("offer.made", "b", 1), entry("offer.withdrawn", "a", 2)]
    assert [e.subject_id for e in views.open_offers(entries)] == ["b"]


def test_the_inbox_stream_needs_a_person(client: FlaskClient, who: Callable[..., None]) -> None:
    who("-")
    response = client.get("/inbox/stream")
    assert response.status_code == 401 and response.mimetype == "text/event-stream"


def test_pages_forbid_outside_resources(client: FlaskClient) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
