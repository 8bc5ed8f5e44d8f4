"""Command and query handlers of the requests service.

Each command takes the request's lock (striped by id), changes a deep copy through the
domain, stores it with its events (one document write), then swaps it into the in-memory
ledger. The domain checks the expected version, the transition and the caller's right, so
a refused command changes nothing. Queries read the ledger and filter by what the caller
may see: staff see their scope (grid, community, street or an ancestor), residents their
own requests and those they follow, operators everything.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from linli.common.codec import utc_millis
from linli.common.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from linli.common.identity import Identity, current_identity
from linli.common.ids import idempotent_id, new_id
from linli.common.logs import request_id_var
from linli.requests.adapters.clients import OrganizationsClient, VolunteersClient
from linli.requests.adapters.repository import Repository
from linli.requests.domain import deadlines, dispatch, duplicates, lifecycle, moderation, roundtable, statistics, visits
from linli.requests.domain.catalogue import DEFAULT_CATALOGUE, Catalogue
from linli.requests.domain.model import (
    Assignee,
    Attachment,
    GeoPoint,
    Request,
    RoundTableOutcome,
    RoundTableParty,
    Status,
    TextRedaction,
    Urgency,
    VisitPlan,
)
from linli.requests.domain.state_machine import Caller
from linli.requests.service_layer.ledger import Ledger

log = logging.getLogger(__name__)

T = TypeVar("T")

GLOBAL_READERS = ("operator", "system", "agency_admin")
STAFF_ROLES = ("dispatcher", "grid_worker", "admin", "liaison")
_STRIPES = 64


@dataclass(frozen=True)
class LedgerQuery:
    statuses: tuple[Status, ...] = ()
    categories: tuple[str, ...] = ()
    community_id: str = ""
    grid_id: str = ""
    street_id: str = ""
    scope_id: str = ""
    handler_id: str = ""
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    breached_only: bool = False
    escalated_only: bool = False


class RequestsService:
    def __init__(self, repository: Repository, ledger: Ledger, organizations: OrganizationsClient,
                 volunteers: VolunteersClient, *, catalogue: Catalogue = DEFAULT_CATALOGUE,
                 offer_policy: dispatch.OfferPolicy | None = None,
                 clock: Callable[[], datetime] = utc_millis) -> None:
        self.repository = repository
        self.ledger = ledger
        self.organizations = organizations
        self.volunteers = volunteers
        self.catalogue = catalogue
        self.offer_policy = offer_policy or dispatch.OfferPolicy()
        self.clock = clock
        self._locks = [threading.RLock() for _ in range(_STRIPES)]
        self._plans_lock = threading.RLock()

    def load(self) -> None:
        self.ledger.load(self.repository.load(Request), self.repository.load(VisitPlan))

    # -- plumbing ---------------------------------------------------------------------------
    def _lock(self, request_id: str) -> threading.RLock:
        return self._locks[hash(request_id) % _STRIPES]

    def caller(self) -> Caller:
        identity = current_identity.get()
        return Caller.of(identity, acts_for=self.volunteers.acts_for(identity), trace_id=request_id_var.get())

    def request(self, request_id: str, field: str = "request_id") -> Request:
        if not request_id:
            raise InvalidArgument(f"{field}: is required", field=field)
        found = self.ledger.requests.get(request_id)
        if found is None:
            raise NotFound(f"{field}: request {request_id} does not exist", field=field)
        return found

    def _change(self, request_id: str, change: Callable[[Request, Caller], T]) -> tuple[Request, T]:
        """Runs one domain command on a copy, stores it, then publishes it to the ledger."""
        caller = self.caller()
        with self._lock(request_id):
            current = self.request(request_id)
            working = copy.deepcopy(current)
            result = change(working, caller)
            if working.version == current.version and not working.pending_events:
                return current, result
            self.repository.save(working, current.version)
            self.ledger.put(working)
            return working, result

    def _department_ids(self) -> dict[str, str]:
        return self.organizations.department_ids(list(self.catalogue.departments))

    # -- submit -------------------------------------------------------------------------------
    def submit(self, submission: lifecycle.Submission) -> tuple[Request, list[duplicates.DuplicateSuggestion]]:
        caller = self.caller()
        key = submission.idempotency_key
        if len(key) > 200:
            raise InvalidArgument("idempotency_key: must be at most 200 characters", field="idempotency_key")
        request_id = idempotent_id("req", caller.person_id or "anonymous", key) if key else new_id("req")
        with self._lock(request_id):
            existing = self.ledger.requests.get(request_id)
            if existing is not None:
                return existing, []  # a retry of a submit that succeeded
            self.catalogue.category(submission.category, "category")  # fail fast, before the lookup
            location = submission.point or (submission.address.point if submission.address else None)
            place = self.organizations.place_of(location)
            request = lifecycle.submit(submission, request_id=request_id, place=place, caller=caller,
                                       now=self.clock(), catalogue=self.catalogue)
            self.repository.add(request)
            self.ledger.put(request)
        return request, self.suggest(duplicates.DuplicateProbe.of(request))

    def probe_of(self, request_id: str) -> duplicates.DuplicateProbe:
        return duplicates.DuplicateProbe.of(self.get(request_id))

    def draft_probe(self, category: str, text: str, point: GeoPoint | None) -> duplicates.DuplicateProbe:
        """A probe for a request not submitted yet (the form suggests duplicates as people type)."""
        self.catalogue.category(category, "category")
        place = self.organizations.place_of(point)
        return duplicates.DuplicateProbe(category=category, text=text, at=self.clock(), point=point,
                                         grid_id=place.grid_id)

    def suggest(self, probe: duplicates.DuplicateProbe, limit: int = 0) -> list[duplicates.DuplicateSuggestion]:
        policy = duplicates.DuplicatePolicy(limit=limit) if limit else duplicates.DuplicatePolicy()
        oldest, newest = probe.at - policy.window, probe.at + policy.window
        candidates = [r for r in self.ledger.near(probe.category, probe.point, probe.grid_id, oldest, newest)
                      if r.id != probe.id and oldest <= r.submitted_at <= newest]
        return duplicates.suggest_duplicates(probe, candidates, policy)

    # -- lifecycle ------------------------------------------------------------------------------
    def accept(self, request_id: str, expected_version: int, category: str, urgency: Urgency | None,
               note: str) -> Request:
        return self._change(request_id, lambda r, c: lifecycle.accept(
            r, c, now=self.clock(), category=category, urgency=urgency, note=note, catalogue=self.catalogue,
            expected_version=expected_version))[0]

    def reject(self, request_id: str, expected_version: int, reason: str) -> Request:
        return self._change(request_id, lambda r, c: lifecycle.reject(
            r, c, reason=reason, now=self.clock(), expected_version=expected_version))[0]

    def dispatch(self, request_id: str, expected_version: int, assignee: Assignee, note: str) -> Request:
        return self._change(request_id, lambda r, c: dispatch.dispatch(
            r, c, assignee=assignee, now=self.clock(), note=note, expected_version=expected_version))[0]

    def offer(self, request_id: str, expected_version: int, candidates: Sequence[str], batch_size: int,
              ttl_seconds: int) -> Request:
        if not candidates:
            current = self.request(request_id)
            if current.location is None:
                raise InvalidArgument("candidate_volunteer_ids: the request has no location to match volunteers "
                                      "near; name the candidates", field="candidate_volunteer_ids")
            wanted = max(batch_size or self.offer_policy.batch_size, 1) * 3
            candidates = [c.volunteer_id for c in self.volunteers.match(current.location, current.category, wanted)]
            if not candidates:
                raise NotFound("candidate_volunteer_ids: no active volunteer with the right skills is in reach",
                               field="candidate_volunteer_ids")
        ttl = timedelta(seconds=ttl_seconds) if ttl_seconds else None
        return self._change(request_id, lambda r, c: dispatch.offer_to_volunteers(
            r, c, candidates=candidates, now=self.clock(), batch_size=batch_size, ttl=ttl, policy=self.offer_policy,
            expected_version=expected_version))[0]

    def claim(self, request_id: str, expected_version: int) -> Request:
        return self._change(request_id, lambda r, c: dispatch.claim(
            r, c, now=self.clock(), expected_version=expected_version))[0]

    def decline(self, request_id: str, expected_version: int, reason: str) -> Request:
        return self._change(request_id, lambda r, c: dispatch.decline_offer(
            r, c, now=self.clock(), reason=reason, expected_version=expected_version))[0]

    def start_work(self, request_id: str, expected_version: int, note: str) -> Request:
        return self._change(request_id, lambda r, c: lifecycle.start_work(
            r, c, now=self.clock(), note=note, expected_version=expected_version))[0]

    def resolve(self, request_id: str, expected_version: int, text: str, photos: Sequence[Attachment],
                hours: float) -> Request:
        return self._change(request_id, lambda r, c: lifecycle.resolve(
            r, c, text=text, now=self.clock(), photos=photos, hours=hours, expected_version=expected_version))[0]

    def rate(self, request_id: str, expected_version: int, stars: int, comment: str) -> Request:
        return self._change(request_id, lambda r, c: lifecycle.rate(
            r, c, stars=stars, now=self.clock(), comment=comment, catalogue=self.catalogue,
            expected_version=expected_version))[0]

    def close(self, request_id: str, expected_version: int, note: str) -> Request:
        return self._change(request_id, lambda r, c: lifecycle.close(
            r, c, now=self.clock(), note=note, expected_version=expected_version))[0]

    def reopen(self, request_id: str, expected_version: int, reason: str) -> Request:
        return self._change(request_id, lambda r, c: lifecycle.reopen(
            r, c, reason=reason, now=self.clock(), catalogue=self.catalogue, expected_version=expected_version))[0]

    def cancel(self, request_id: str, expected_version: int, reason: str) -> Request:
        return self._change(request_id, lambda r, c: lifecycle.cancel(
            r, c, reason=reason, now=self.clock(), expected_version=expected_version))[0]

    def transfer(self, request_id: str, expected_version: int, to: Assignee, reason: str) -> Request:
        return self._change(request_id, lambda r, c: lifecycle.transfer(
            r, c, to=to, reason=reason, now=self.clock(), expected_version=expected_version))[0]

    def respond_to_transfer(self, request_id: str, expected_version: int, accept: bool, reason: str) -> Request:
        return self._change(request_id, lambda r, c: lifecycle.respond_to_transfer(
            r, c, accept=accept, now=self.clock(), reason=reason, expected_version=expected_version))[0]

    def escalate(self, request_id: str, expected_version: int, reason: str, department_code: str) -> Request:
        department_ids = self._department_ids()
        return self._change(request_id, lambda r, c: deadlines.escalate(
            r, c, reason=reason, now=self.clock(), department_code=department_code, catalogue=self.catalogue,
            department_ids=department_ids, expected_version=expected_version))[0]

    def acknowledge(self, request_id: str, expected_version: int, note: str) -> Request:
        return self._change(request_id, lambda r, c: deadlines.acknowledge(
            r, c, now=self.clock(), note=note, expected_version=expected_version))[0]

    def follow(self, request_id: str, expected_version: int, unfollow: bool) -> tuple[bool, int]:
        request, _ = self._change(request_id, lambda r, c: lifecycle.follow(
            r, c, now=self.clock(), following=not unfollow, expected_version=expected_version))
        who = current_identity.get().subject
        return who in request.followers, len(request.followers)

    def moderate(self, request_id: str, expected_version: int, hidden: bool | None,
                 redactions: Sequence[TextRedaction], attachment_ids: Sequence[str], reason: str) -> Request:
        return self._change(request_id, lambda r, c: moderation.moderate(
            r, c, reason=reason, now=self.clock(), hidden=hidden, redactions=redactions,
            redact_attachment_ids=attachment_ids, expected_version=expected_version))[0]

    # -- round-table ---------------------------------------------------------------------------
    def start_round_table(self, request_id: str, expected_version: int, topic: str,
                          parties: Sequence[RoundTableParty]) -> Request:
        return self._change(request_id, lambda r, c: roundtable.start_round_table(
            r, c, topic=topic, parties=parties, now=self.clock(), expected_version=expected_version))[0]

    def record_meeting(self, request_id: str, expected_version: int, held_at: datetime, notes: str,
                       attendees: Sequence[str]) -> Request:
        return self._change(request_id, lambda r, c: roundtable.record_meeting(
            r, c, held_at=held_at, notes=notes, attendees=attendees, now=self.clock(),
            expected_version=expected_version))[0]

    def conclude_round_table(self, request_id: str, expected_version: int, outcome: RoundTableOutcome, summary: str,
                             parts: Sequence[roundtable.SplitPart]) -> tuple[Request, list[Request]]:
        # Children first: ids derived from the parent, so a retry after a crash finds them.
        new_ids = [idempotent_id("req", request_id, f"split:{expected_version}:{i}") for i in range(len(parts))]
        parent, created = self._change(request_id, lambda r, c: roundtable.conclude_round_table(
            r, c, outcome=outcome, summary=summary, now=self.clock(), parts=parts, new_ids=new_ids,
            catalogue=self.catalogue, expected_version=expected_version))
        for child in created:
            self._add_if_new(child)
        return parent, [self.ledger.requests[c.id] for c in created]

    def _add_if_new(self, request: Request) -> None:
        with self._lock(request.id):
            if request.id in self.ledger.requests:
                return
            try:
                self.repository.add(request)
            except AlreadyExists:
                stored = self.repository.get(Request, request.id)
                if stored is None:
                    raise
                request = stored
            self.ledger.put(request)

    # -- duplicates ------------------------------------------------------------------------------
    def merge(self, duplicate_id: str, expected_version: int, original_id: str, original_expected_version: int,
              reason: str) -> tuple[Request, Request]:
        if duplicate_id == original_id:
            raise InvalidArgument("original_id: a request cannot be merged into itself", field="original_id")
        caller = self.caller()
        first, second = sorted((duplicate_id, original_id))
        with self._lock(first), self._lock(second):
            duplicate = copy.deepcopy(self.request(duplicate_id, "duplicate_id"))
            original = copy.deepcopy(self.request(original_id, "original_id"))
            duplicate_version, original_version = duplicate.version, original.version
            duplicates.merge(duplicate, original, caller, reason=reason, now=self.clock(),
                             expected_version=expected_version, original_expected_version=original_expected_version)
            # The duplicate's write carries "merged into"; the original's write adds the
            # followers. A crash between them leaves followers to re-follow, nothing lost.
            self.repository.save(duplicate, duplicate_version)
            self.ledger.put(duplicate)
            if original.version != original_version or original.pending_events:
                self.repository.save(original, original_version)
                self.ledger.put(original)
            return self.ledger.requests[duplicate_id], self.ledger.requests[original_id]

    # -- visits ------------------------------------------------------------------------------------
    def schedule_visits(self, draft: visits.VisitPlanDraft, idempotency_key: str) -> VisitPlan:
        caller = self.caller()
        plan_id = (idempotent_id("vpl", caller.person_id, idempotency_key) if idempotency_key
                   else new_id("vpl"))
        with self._plans_lock:
            existing = self.ledger.plans.get(plan_id)
            if existing is not None:
                return existing
            place = self.organizations.place_of(draft.point or (draft.address.point if draft.address else None))
            plan = visits.schedule_visits(draft, plan_id=plan_id, place=place, caller=caller, now=self.clock(),
                                          catalogue=self.catalogue)
            self.repository.add(plan)
            self.ledger.put_plan(plan)
            return plan

    def stop_visit_plan(self, plan_id: str, expected_version: int, reason: str) -> VisitPlan:
        caller = self.caller()
        with self._plans_lock:
            current = self.ledger.plans.get(plan_id)
            if current is None:
                raise NotFound(f"plan_id: visit plan {plan_id} does not exist", field="plan_id")
            plan = copy.deepcopy(current)
            visits.stop_visit_plan(plan, caller, reason=reason, now=self.clock(), expected_version=expected_version)
            if plan.version != current.version:
                self.repository.save(plan, current.version)
                self.ledger.put_plan(plan)
            return self.ledger.plans[plan_id]

    def visit_plans(self, scope_id: str, include_stopped: bool, person_id: str) -> list[VisitPlan]:
        identity = self._reader()
        found = [
            p for p in self.ledger.plans.values()
            if (include_stopped or p.active) and (not person_id or p.resident_person_id == person_id)
            and (not scope_id or scope_id in p.place.scope_ids)
            and self._may_see_scope(identity, p.place.scope_ids, p.resident_person_id)
        ]
        return sorted(found, key=lambda p: (p.starts_at, p.id))

    # -- timers ------------------------------------------------------------------------------------
    def sweep_deadlines(self) -> int:
        """Marks breaches and escalates; returns how many requests changed."""
        now = self.clock()
        due = [r.id for r in self.ledger.open_requests() if (d := deadlines.next_due(r)) is not None and d <= now]
        department_ids = self._department_ids() if due else {}
        return self._system_changes(due, lambda r: deadlines.sweep(
            r, now, catalogue=self.catalogue, department_ids=department_ids, trace_id="timer:deadlines"))

    def expire_offers(self) -> int:
        now = self.clock()
        due = [r.id for r in self.ledger.open_requests()
               if (d := dispatch.next_offer_expiry(r)) is not None and d <= now]
        return self._system_changes(due, lambda r: dispatch.expire_offers(r, now, trace_id="timer:offers"))

    def _system_changes(self, request_ids: Sequence[str], change: Callable[[Request], bool]) -> int:
        changed = 0
        for request_id in request_ids:
            try:
                with self._lock(request_id):
                    current = self.ledger.requests[request_id]
                    working = copy.deepcopy(current)
                    if change(working):
                        self.repository.save(working, current.version)
                        self.ledger.put(working)
                        changed += 1
            except Exception:
                log.exception("timer could not update a request", extra={"request": request_id})
        return changed

    def generate_visits(self) -> int:
        """Creates the requests of every visit slot that is due; returns how many were new."""
        now = self.clock()
        created = 0
        with self._plans_lock:
            for due in visits.due_visits(self.ledger.plans.values(), now):
                plan = self.ledger.plans[due.plan_id]
                request = visits.visit_request(plan, due, request_id=idempotent_id("req", "visit", due.key), now=now,
                                               catalogue=self.catalogue)
                if request.id not in self.ledger.requests:
                    self._add_if_new(request)
                    created += 1
                working = copy.deepcopy(plan)
                if visits.mark_generated(working, due.slot, now):
                    self.repository.save(working, plan.version)
                    self.ledger.put_plan(working)
        return created

    # -- queries -------------------------------------------------------------------------------------
    @staticmethod
    def _reader() -> Identity:
        identity = current_identity.get()
        if identity.anonymous:
            raise Unauthenticated("reading the ledger needs an authenticated caller")
        return identity

    @staticmethod
    def _may_see_scope(identity: Identity, scope_ids: frozenset[str], owner_person_id: str) -> bool:
        if identity.has_role(*GLOBAL_READERS):
            return True
        scopes = identity.scopes_for(*STAFF_ROLES)
        if "" in scopes or scopes & scope_ids:
            return True
        return bool(owner_person_id) and owner_person_id == identity.subject

    def _may_see(self, identity: Identity, request: Request) -> bool:
        if self._may_see_scope(identity, request.place.scope_ids, request.requester.person_id):
            return True
        if identity.subject in request.followers:
            return True
        handler_ids = {identity.subject, *self.volunteers.acts_for(identity)}
        return request.assignee is not None and request.assignee.id in handler_ids

    def get(self, request_id: str) -> Request:
        identity = self._reader()
        request = self.request(request_id)
        if not self._may_see(identity, request):
            raise PermissionDenied(f"{identity.subject} may not see request {request_id}")
        return request

    def _candidates(self, identity: Identity, places: Iterable[str] = ()) -> Iterable[Request]:
        """The requests `identity` might see (`_may_see` decides), placed in every one of
        `places` (scope, community, street or grid ids), from the ledger's indexes rather
        than the whole ledger when they allow."""
        wanted = [self.ledger.by_scope.get(place, set()) for place in places if place]
        if wanted:
            ids = set.intersection(*wanted)
        elif identity.has_role(*GLOBAL_READERS) or "" in identity.scopes_for(*STAFF_ROLES):
            return self.ledger.requests.values()
        else:
            ids = self.ledger.in_scopes(identity.scopes_for(*STAFF_ROLES)) | self.ledger.of_people(
                {identity.subject, *self.volunteers.acts_for(identity)})
        return [self.ledger.requests[i] for i in ids]

    def list_requests(self, query: LedgerQuery) -> list[Request]:
        identity = self._reader()
        candidates = self._candidates(identity, (query.scope_id, query.community_id, query.street_id, query.grid_id))
        found = [r for r in candidates if _matches(r, query) and self._may_see(identity, r)]
        found.sort(key=lambda r: (r.submitted_at, r.id), reverse=True)
        return found

    def _scoped_for_reports(self, scope_id: str) -> list[Request]:
        identity = self._reader()
        return [r for r in self._candidates(identity, (scope_id,)) if self._may_see(identity, r)]

    def get_statistics(self, scope_id: str, period_start: datetime, period_end: datetime,
                   group_by: Sequence[statistics.Dimension], granularity: statistics.Granularity,
                   categories: Sequence[str]) -> statistics.Statistics:
        return statistics.statistics(self._scoped_for_reports(scope_id), period_start=period_start,
                                     period_end=period_end, group_by=group_by, granularity=granularity,
                                     scope_id=scope_id, categories=categories)

    def public_board(self, scope_id: str, period_start: datetime, period_end: datetime,
                     recent_limit: int) -> statistics.PublicBoard:
        """Open to anyone: built from the public view only (no personal data)."""
        placed = ([self.ledger.requests[i] for i in self.ledger.in_scopes([scope_id])] if scope_id
                  else self.ledger.requests.values())
        return statistics.public_board(placed, period_start=period_start,
                                       period_end=period_end, scope_id=scope_id, recent_limit=recent_limit or 20)

    def export_csv(self, scope_id: str, period_start: datetime, period_end: datetime,
                   include_personal: bool) -> Iterator[bytes]:
        identity = self._reader()
        if include_personal and not (identity.has_role(*GLOBAL_READERS)
                                     or (scope_id and identity.scopes_for("admin", "dispatcher") & {scope_id, ""})):
            raise PermissionDenied("include_personal_data: only operators, or admins and dispatchers of the scope, "
                                   "may export personal data")
        chosen = statistics.select(self._scoped_for_reports(scope_id), period_start=period_start,
                                   period_end=period_end, scope_id=scope_id)
        return statistics.ledger_csv_chunks(chosen, include_personal=include_personal)


def _matches(request: Request, query: LedgerQuery) -> bool:
    place = request.place
    return (
        (not query.statuses or request.status in query.statuses)
        and (not query.categories or request.category in query.categories)
        and (not query.community_id or place.community_id == query.community_id)
        and (not query.grid_id or place.grid_id == query.grid_id)
        and (not query.street_id or place.street_id == query.street_id)
        and (not query.scope_id or query.scope_id in place.scope_ids)
        and (not query.handler_id or (request.assignee is not None and request.assignee.id == query.handler_id))
        and (query.submitted_from is None or request.submitted_at >= query.submitted_from)
        and (query.submitted_to is None or request.submitted_at < query.submitted_to)
        and (not query.breached_only or bool(request.breaches))
        and (not query.escalated_only or bool(request.escalations))
    )

