"""gRPC servicer of linli.v1.RequestService: reads the caller once, translates the message
into a command, sends it through the bus and translates the result.

Errors raised below (domain and kit errors) are mapped to status codes by the kit's
interceptor; nothing here catches them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TypeAlias

import grpc

from linli.common import validation
from linli.common.commands import Actor, Command
from linli.common.errors import InvalidArgument
from linli.common.messagebus import MessageBus
from linli.common.paging import paginate
from linli.requests.domain import lifecycle, roundtable, rules, statistics, visits
from linli.requests.domain.model import (
    Channel,
    Request,
    Requester,
    ResidentGroup,
    RoundTableOutcome,
    Status,
    Urgency,
    VisitCadence,
    VisitPlan,
)
from linli.requests.domain.publication import PublicRequest
from linli.requests.entrypoints import convert, ledger_csv
from linli.requests.service_layer import commands as c
from linli.v1 import common_pb2, requests_pb2_grpc
from linli.v1 import requests_pb2 as pb

Context: TypeAlias = grpc.ServicerContext


def _period(
    request: pb.GetStatisticsRequest | pb.GetPublicBoardRequest | pb.ExportLedgerCsvRequest,
) -> tuple[datetime, datetime]:
    start = convert.required_timestamp(request, "period_start")
    end = convert.required_timestamp(request, "period_end")
    if end <= start:
        raise InvalidArgument("period_end: must be after period_start", field="period_end")
    return start, end


class RequestServicer(requests_pb2_grpc.RequestServiceServicer):
    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus

    def _request(self, command: Command) -> pb.Request:
        """Runs a command whose result is one request."""
        found: Request = self.bus.handle(command)
        return convert.request_out(found)

    def _plan(self, command: Command) -> pb.VisitPlan:
        found: VisitPlan = self.bus.handle(command)
        return convert.plan_out(found)

    def SubmitRequest(self, request: pb.SubmitRequestRequest, context: Context) -> pb.SubmitRequestResponse:
        actor = Actor.current()
        submission = lifecycle.Submission(
            category=request.category,
            title=request.title,
            description=request.description,
            address=convert.address(request),
            point=convert.point(request),
            requester=Requester(
                person_id=request.requester_person_id, contact=convert.contact(request, "anonymous_contact")
            ),
            resident_group=convert.enum_in(ResidentGroup, request.resident_group, "resident_group"),
            urgency=convert.enum_in(Urgency, request.urgency, "urgency"),
            attachments=convert.attachments(request.attachments),
            channel=convert.enum_in(Channel, request.channel, "channel") or Channel.WEB,
            idempotency_key=request.idempotency_key,
        )
        created, suggestions = self.bus.handle(
            c.SubmitRequest(actor=actor, submission=submission, client_token=request.client_token)
        )
        return pb.SubmitRequestResponse(
            request=convert.request_out(created), suggested_duplicates=[convert.suggestion_out(s) for s in suggestions]
        )

    def GetRequest(self, request: pb.GetRequestRequest, context: Context) -> pb.Request:
        found: Request | PublicRequest = self.bus.handle(
            c.GetRequest(actor=Actor.current(), request_id=request.request_id)
        )
        return convert.seen_request_out(found)

    def ListRequests(self, request: pb.ListRequestsRequest, context: Context) -> pb.ListRequestsResponse:
        actor = Actor.current()
        query = c.ListRequests(
            actor=actor,
            statuses=convert.enums_in(Status, request.statuses, "statuses"),
            categories=tuple(request.categories),
            community_id=request.community_id,
            grid_id=request.grid_id,
            street_id=request.street_id,
            scope_id=request.scope_id,
            handler_id=request.handler_id,
            submitted_from=convert.timestamp(request, "submitted_from"),
            submitted_to=convert.timestamp(request, "submitted_to"),
            breached_only=request.breached_only,
            escalated_only=request.escalated_only,
        )
        found: list[Request | PublicRequest] = self.bus.handle(query)
        page, token, total = paginate(found, request.page.page_size, request.page.page_token)
        return pb.ListRequestsResponse(
            requests=[convert.seen_request_out(r) for r in page],
            page=common_pb2.PageInfo(next_page_token=token, total_size=total),
        )

    def AcceptRequest(self, request: pb.AcceptRequestRequest, context: Context) -> pb.Request:
        actor = Actor.current()
        return self._request(
            c.AcceptRequest(
                actor=actor,
                request_id=request.request_id,
                expected_version=request.expected_version,
                category=request.category,
                urgency=convert.enum_in(Urgency, request.urgency, "urgency"),
                note=request.note,
            )
        )

    def RejectRequest(self, request: pb.RejectRequestRequest, context: Context) -> pb.Request:
        return self._request(
            c.RejectRequest(
                actor=Actor.current(),
                request_id=request.request_id,
                expected_version=request.expected_version,
                reason=request.reason,
            )
        )

    def DispatchRequest(self, request: pb.DispatchRequestRequest, context: Context) -> pb.Request:
        actor = Actor.current()
        return self._request(
            c.DispatchRequest(
                actor=actor,
                request_id=request.request_id,
                expected_version=request.expected_version,
                assignee=convert.assignee(request, "assignee"),
                note=request.note,
            )
        )

    def OfferToVolunteers(self, request: pb.OfferToVolunteersRequest, context: Context) -> pb.Request:
        return self._request(
            c.OfferToVolunteers(
                actor=Actor.current(),
                request_id=request.request_id,
                expected_version=request.expected_version,
                candidates=tuple(request.candidate_volunteer_ids),
                batch_size=request.offer_count,
                ttl_seconds=request.offer_ttl_seconds,
            )
        )

    def ClaimRequest(self, request: pb.ClaimRequestRequest, context: Context) -> pb.Request:
        return self._request(
            c.ClaimRequest(
                actor=Actor.current(), request_id=request.request_id, expected_version=request.expected_version
            )
        )

    def DeclineOffer(self, request: pb.DeclineOfferRequest, context: Context) -> pb.Request:
        return self._request(
            c.DeclineOffer(
                actor=Actor.current(),
                request_id=request.request_id,
                expected_version=request.expected_version,
                reason=request.reason,
            )
        )

    def StartWork(self, request: pb.StartWorkRequest, context: Context) -> pb.Request:
        return self._request(
            c.StartWork(
                actor=Actor.current(),
                request_id=request.request_id,
                expected_version=request.expected_version,
                note=request.note,
            )
        )

    def ResolveRequest(self, request: pb.ResolveRequestRequest, context: Context) -> pb.Request:
        actor = Actor.current()
        return self._request(
            c.ResolveRequest(
                actor=actor,
                request_id=request.request_id,
                expected_version=request.expected_version,
                text=request.result_text,
                photos=convert.attachments(request.photos, "photos"),
                hours=request.hours,
            )
        )

    def RateRequest(self, request: pb.RateRequestRequest, context: Context) -> pb.Request:
        return self._request(
            c.RateRequest(
                actor=Actor.current(),
                request_id=request.request_id,
                expected_version=request.expected_version,
                stars=request.stars,
                comment=request.comment,
            )
        )

    def CloseRequest(self, request: pb.CloseRequestRequest, context: Context) -> pb.Request:
        return self._request(
            c.CloseRequest(
                actor=Actor.current(),
                request_id=request.request_id,
                expected_version=request.expected_version,
                note=request.note,
            )
        )

    def ReopenRequest(self, request: pb.ReopenRequestRequest, context: Context) -> pb.Request:
        return self._request(
            c.ReopenRequest(
                actor=Actor.current(),
                request_id=request.request_id,
                expected_version=request.expected_version,
                reason=request.reason,
            )
        )

    def CancelRequest(self, request: pb.CancelRequestRequest, context: Context) -> pb.Request:
        return self._request(
            c.CancelRequest(
                actor=Actor.current(),
                request_id=request.request_id,
                expected_version=request.expected_version,
                reason=request.reason,
            )
        )

    def TransferRequest(self, request: pb.TransferRequestRequest, context: Context) -> pb.Request:
        actor = Actor.current()
        return self._request(
            c.TransferRequest(
                actor=actor,
                request_id=request.request_id,
                expected_version=request.expected_version,
                to=convert.assignee(request, "to"),
                reason=request.reason,
            )
        )

    def RespondToTransfer(self, request: pb.RespondToTransferRequest, context: Context) -> pb.Request:
        return self._request(
            c.RespondToTransfer(
                actor=Actor.current(),
                request_id=request.request_id,
                expected_version=request.expected_version,
                accept=request.accept,
                reason=request.reason,
            )
        )

    def EscalateRequest(self, request: pb.EscalateRequestRequest, context: Context) -> pb.Request:
        return self._request(
            c.EscalateRequest(
                actor=Actor.current(),
                request_id=request.request_id,
                expected_version=request.expected_version,
                reason=request.reason,
                department_code=request.department_code,
            )
        )

    def AcknowledgeEscalation(self, request: pb.AcknowledgeEscalationRequest, context: Context) -> pb.Request:
        return self._request(
            c.AcknowledgeEscalation(
                actor=Actor.current(),
                request_id=request.request_id,
                expected_version=request.expected_version,
                note=request.note,
            )
        )

    def StartRoundTable(self, request: pb.StartRoundTableRequest, context: Context) -> pb.Request:
        actor = Actor.current()
        return self._request(
            c.StartRoundTable(
                actor=actor,
                request_id=request.request_id,
                expected_version=request.expected_version,
                topic=request.topic,
                parties=convert.parties(request.parties),
            )
        )

    def RecordMeeting(self, request: pb.RecordMeetingRequest, context: Context) -> pb.Request:
        actor = Actor.current()
        return self._request(
            c.RecordMeeting(
                actor=actor,
                request_id=request.request_id,
                expected_version=request.expected_version,
                held_at=convert.required_timestamp(request, "held_at"),
                notes=request.notes,
                attendees=tuple(request.attendees),
            )
        )

    def ConcludeRoundTable(
        self, request: pb.ConcludeRoundTableRequest, context: Context
    ) -> pb.ConcludeRoundTableResponse:
        actor = Actor.current()
        parts = tuple(
            roundtable.SplitPart(
                category=p.category,
                title=p.title,
                description=p.description,
                urgency=convert.enum_in(Urgency, p.urgency, f"parts[{i}].urgency"),
            )
            for i, p in enumerate(request.parts)
        )
        parent, created = self.bus.handle(
            c.ConcludeRoundTable(
                actor=actor,
                request_id=request.request_id,
                expected_version=request.expected_version,
                outcome=convert.required_enum(RoundTableOutcome, request.outcome, "outcome"),
                summary=request.summary,
                parts=parts,
            )
        )
        return pb.ConcludeRoundTableResponse(
            request=convert.request_out(parent), created=[convert.request_out(child) for child in created]
        )

    def ScheduleVisits(self, request: pb.ScheduleVisitsRequest, context: Context) -> pb.VisitPlan:
        actor = Actor.current()
        draft = visits.VisitPlanDraft(
            resident_group=convert.required_enum(ResidentGroup, request.resident_group, "resident_group"),
            resident_person_id=request.resident_person_id,
            starts_at=convert.required_timestamp(request, "starts_at"),
            cadence=convert.enum_in(VisitCadence, request.cadence, "cadence"),
            interval=request.interval or 1,
            ends_at=convert.timestamp(request, "ends_at"),
            category=request.category or "care_visit",
            title=request.title,
            description=request.description,
            address=convert.address(request),
            point=convert.point(request),
        )
        return self._plan(c.ScheduleVisits(actor=actor, draft=draft, idempotency_key=request.idempotency_key))

    def ListVisitPlans(self, request: pb.ListVisitPlansRequest, context: Context) -> pb.ListVisitPlansResponse:
        actor = Actor.current()
        group = convert.enum_in(ResidentGroup, request.resident_group, "resident_group")
        found: list[VisitPlan] = self.bus.handle(
            c.ListVisitPlans(
                actor=actor,
                scope_id=request.scope_id,
                include_stopped=request.include_stopped,
                resident_person_id=request.resident_person_id,
                resident_group=group,
            )
        )
        page, token, total = paginate(found, request.page.page_size, request.page.page_token)
        return pb.ListVisitPlansResponse(
            plans=[convert.plan_out(p) for p in page], page=common_pb2.PageInfo(next_page_token=token, total_size=total)
        )

    def StopVisitPlan(self, request: pb.StopVisitPlanRequest, context: Context) -> pb.VisitPlan:
        return self._plan(
            c.StopVisitPlan(
                actor=Actor.current(),
                plan_id=request.plan_id,
                expected_version=request.expected_version,
                reason=request.reason,
            )
        )

    def SuggestDuplicates(self, request: pb.SuggestDuplicatesRequest, context: Context) -> pb.SuggestDuplicatesResponse:
        actor = Actor.current()
        if request.request_id:
            query = c.SuggestDuplicates(actor=actor, request_id=request.request_id, limit=request.limit)
        else:
            # Capped before any work (a megabyte of text must not reach the tokenizer).
            title = validation.text(request.title, "title", max_length=rules.TITLE_MAX_LENGTH)
            description = validation.text(request.description, "description", max_length=rules.DESCRIPTION_MAX_LENGTH)
            given_address = convert.address(request)
            location = convert.point(request) or (given_address.point if given_address else None)
            query = c.SuggestDuplicates(
                actor=actor,
                category=request.category,
                text=f"{title} {description}",
                point=location,
                limit=request.limit,
            )
        found = self.bus.handle(query)
        return pb.SuggestDuplicatesResponse(suggestions=[convert.suggestion_out(s) for s in found])

    def MergeRequest(self, request: pb.MergeRequestRequest, context: Context) -> pb.MergeRequestResponse:
        duplicate, original = self.bus.handle(
            c.MergeRequests(
                actor=Actor.current(),
                duplicate_id=request.duplicate_id,
                expected_version=request.expected_version,
                original_id=request.original_id,
                original_expected_version=request.original_expected_version,
                reason=request.reason,
            )
        )
        return pb.MergeRequestResponse(duplicate=convert.request_out(duplicate), original=convert.request_out(original))

    def FollowRequest(self, request: pb.FollowRequestRequest, context: Context) -> pb.FollowRequestResponse:
        following, count = self.bus.handle(
            c.FollowRequest(
                actor=Actor.current(),
                request_id=request.request_id,
                expected_version=request.expected_version,
                unfollow=request.unfollow,
            )
        )
        return pb.FollowRequestResponse(following=following, follower_count=count)

    def ModerateRequest(self, request: pb.ModerateRequestRequest, context: Context) -> pb.Request:
        actor = Actor.current()
        hidden = {0: None, 1: True, 2: False}.get(request.visibility)
        if request.visibility not in (0, 1, 2):
            raise InvalidArgument(f"visibility: unknown value {request.visibility}", field="visibility")
        return self._request(
            c.ModerateRequest(
                actor=actor,
                request_id=request.request_id,
                expected_version=request.expected_version,
                hidden=hidden,
                redactions=convert.redactions(request.redactions),
                attachment_ids=tuple(request.redact_attachment_ids),
                reason=request.reason,
                approve=request.approve_publication,
            )
        )

    def ListPendingPublications(
        self, request: pb.ListPendingPublicationsRequest, context: Context
    ) -> pb.ListPendingPublicationsResponse:
        found = self.bus.handle(c.ListPendingPublications(actor=Actor.current(), scope_id=request.scope_id))
        page, token, total = paginate(found, request.page.page_size, request.page.page_token)
        return pb.ListPendingPublicationsResponse(
            items=[convert.pending_publication_out(r, fields) for r, fields in page],
            page=common_pb2.PageInfo(next_page_token=token, total_size=total),
        )

    def GetStatistics(self, request: pb.GetStatisticsRequest, context: Context) -> pb.Statistics:
        actor = Actor.current()
        start, end = _period(request)
        result = self.bus.handle(
            c.GetStatistics(
                actor=actor,
                scope_id=request.scope_id,
                period_start=start,
                period_end=end,
                group_by=convert.enums_in(statistics.Dimension, request.group_by, "group_by"),
                granularity=convert.enum_in(statistics.Granularity, request.granularity, "granularity")
                or statistics.Granularity.MONTH,
                categories=tuple(request.categories),
            )
        )
        return convert.statistics_out(result)

    def GetPublicBoard(self, request: pb.GetPublicBoardRequest, context: Context) -> pb.PublicBoard:
        actor = Actor.current()
        start, end = _period(request)
        board = self.bus.handle(
            c.GetPublicBoard(
                actor=actor,
                scope_id=request.scope_id,
                period_start=start,
                period_end=end,
                recent_limit=request.recent_limit,
            )
        )
        return convert.public_board_out(board)

    def ListCategories(self, request: pb.ListCategoriesRequest, context: Context) -> pb.ListCategoriesResponse:
        catalogue = self.bus.handle(c.ListCategories(actor=Actor.current(), include_retired=request.include_retired))
        return convert.categories_out(catalogue)

    def ListPublicRequests(
        self, request: pb.ListPublicRequestsRequest, context: Context
    ) -> pb.ListPublicRequestsResponse:
        query = c.ListPublicRequests(
            actor=Actor.current(),
            scope_id=request.scope_id,
            categories=tuple(request.categories),
            statuses=convert.enums_in(Status, request.statuses, "statuses"),
            submitted_from=convert.timestamp(request, "submitted_from"),
            submitted_to=convert.timestamp(request, "submitted_to"),
            request_ids=tuple(request.request_ids),
        )
        found: list[PublicRequest] = self.bus.handle(query)
        page, token, total = paginate(found, request.page.page_size, request.page.page_token)
        return pb.ListPublicRequestsResponse(
            requests=[convert.public_request_out(r) for r in page],
            page=common_pb2.PageInfo(next_page_token=token, total_size=total),
        )

    def GetPublicRequest(self, request: pb.GetPublicRequestRequest, context: Context) -> pb.PublicRequest:
        found: PublicRequest = self.bus.handle(c.GetPublicRequest(actor=Actor.current(), request_id=request.request_id))
        return convert.public_request_out(found)

    def ExportLedgerCsv(self, request: pb.ExportLedgerCsvRequest, context: Context) -> Iterator[pb.CsvChunk]:
        actor = Actor.current()
        start, end = _period(request)
        chosen = self.bus.handle(
            c.ExportLedgerCsv(
                actor=actor,
                scope_id=request.scope_id,
                period_start=start,
                period_end=end,
                include_personal=request.include_personal_data,
            )
        )
        chunks = list(ledger_csv.ledger_csv_chunks(chosen, include_personal=request.include_personal_data))
        for i, chunk in enumerate(chunks):
            yield pb.CsvChunk(data=chunk, last=i == len(chunks) - 1)
        if not chunks:
            yield pb.CsvChunk(data=b"", last=True)
