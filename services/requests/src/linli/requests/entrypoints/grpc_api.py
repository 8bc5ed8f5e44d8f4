"""gRPC servicer of linli.v1.RequestService: translates messages, calls the service layer.

Errors raised below (domain and kit errors) are mapped to status codes by the kit's
interceptor; nothing here catches them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TypeAlias

import grpc

from linli.common.errors import InvalidArgument
from linli.common.paging import paginate
from linli.requests.domain import lifecycle, roundtable, statistics, visits, wire
from linli.requests.domain.model import (
    Channel,
    Requester,
    ResidentGroup,
    RoundTableOutcome,
    Status,
    Urgency,
    VisitCadence,
)
from linli.requests.entrypoints import convert
from linli.requests.service_layer.service import LedgerQuery, RequestsService
from linli.v1 import common_pb2, requests_pb2_grpc
from linli.v1 import requests_pb2 as pb

Context: TypeAlias = grpc.ServicerContext


def _period(request: pb.GetStatisticsRequest | pb.GetPublicBoardRequest | pb.ExportLedgerCsvRequest
            ) -> tuple[datetime, datetime]:
    start = convert.required_timestamp(request, "period_start")
    end = convert.required_timestamp(request, "period_end")
    if end <= start:
        raise InvalidArgument("period_end: must be after period_start", field="period_end")
    return start, end


class RequestServicer(requests_pb2_grpc.RequestServiceServicer):
    def __init__(self, service: RequestsService) -> None:
        self.service = service

    def SubmitRequest(self, request: pb.SubmitRequestRequest, context: Context) -> pb.SubmitRequestResponse:
        submission = lifecycle.Submission(
            category=request.category, title=request.title, description=request.description,
            address=convert.address(request), point=convert.point(request),
            requester=Requester(person_id=request.requester_person_id,
                                contact=convert.contact(request, "anonymous_contact")),
            resident_group=convert.enum_in(ResidentGroup, request.resident_group, "resident_group"),
            urgency=convert.enum_in(Urgency, request.urgency, "urgency"),
            attachments=convert.attachments(request.attachments),
            channel=convert.enum_in(Channel, request.channel, "channel") or Channel.WEB,
            idempotency_key=request.idempotency_key)
        created, suggestions = self.service.submit(submission)
        return pb.SubmitRequestResponse(
            request=convert.request_out(created),
            suggested_duplicates=[convert.parse(wire.duplicate_suggestion(s), pb.DuplicateSuggestion())
                                  for s in suggestions])

    def GetRequest(self, request: pb.GetRequestRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.get(request.request_id))

    def ListRequests(self, request: pb.ListRequestsRequest, context: Context) -> pb.ListRequestsResponse:
        query = LedgerQuery(
            statuses=convert.enums_in(Status, request.statuses, "statuses"), categories=tuple(request.categories),
            community_id=request.community_id, grid_id=request.grid_id, street_id=request.street_id,
            scope_id=request.scope_id, handler_id=request.handler_id,
            submitted_from=convert.timestamp(request, "submitted_from"),
            submitted_to=convert.timestamp(request, "submitted_to"),
            breached_only=request.breached_only, escalated_only=request.escalated_only)
        found = self.service.list_requests(query)
        page, token, total = paginate(found, request.page.page_size, request.page.page_token)
        return pb.ListRequestsResponse(requests=[convert.request_out(r) for r in page],
                                       page=common_pb2.PageInfo(next_page_token=token, total_size=total))

    def AcceptRequest(self, request: pb.AcceptRequestRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.accept(
            request.request_id, request.expected_version, request.category,
            convert.enum_in(Urgency, request.urgency, "urgency"), request.note))

    def RejectRequest(self, request: pb.RejectRequestRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.reject(request.request_id, request.expected_version, request.reason))

    def DispatchRequest(self, request: pb.DispatchRequestRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.dispatch(
            request.request_id, request.expected_version, convert.assignee(request, "assignee"), request.note))

    def OfferToVolunteers(self, request: pb.OfferToVolunteersRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.offer(
            request.request_id, request.expected_version, list(request.candidate_volunteer_ids), request.offer_count,
            request.offer_ttl_seconds))

    def ClaimRequest(self, request: pb.ClaimRequestRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.claim(request.request_id, request.expected_version))

    def DeclineOffer(self, request: pb.DeclineOfferRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.decline(request.request_id, request.expected_version, request.reason))

    def StartWork(self, request: pb.StartWorkRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.start_work(request.request_id, request.expected_version,
                                                           request.note))

    def ResolveRequest(self, request: pb.ResolveRequestRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.resolve(
            request.request_id, request.expected_version, request.result_text,
            convert.attachments(request.photos, "photos"), request.hours))

    def RateRequest(self, request: pb.RateRequestRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.rate(request.request_id, request.expected_version, request.stars,
                                                     request.comment))

    def CloseRequest(self, request: pb.CloseRequestRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.close(request.request_id, request.expected_version, request.note))

    def ReopenRequest(self, request: pb.ReopenRequestRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.reopen(request.request_id, request.expected_version, request.reason))

    def CancelRequest(self, request: pb.CancelRequestRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.cancel(request.request_id, request.expected_version, request.reason))

    def TransferRequest(self, request: pb.TransferRequestRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.transfer(
            request.request_id, request.expected_version, convert.assignee(request, "to"), request.reason))

    def RespondToTransfer(self, request: pb.RespondToTransferRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.respond_to_transfer(
            request.request_id, request.expected_version, request.accept, request.reason))

    def EscalateRequest(self, request: pb.EscalateRequestRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.escalate(
            request.request_id, request.expected_version, request.reason, request.department_code))

    def AcknowledgeEscalation(self, request: pb.AcknowledgeEscalationRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.acknowledge(request.request_id, request.expected_version,
                                                            request.note))

    def StartRoundTable(self, request: pb.StartRoundTableRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.start_round_table(
            request.request_id, request.expected_version, request.topic, convert.parties(request.parties)))

    def RecordMeeting(self, request: pb.RecordMeetingRequest, context: Context) -> pb.Request:
        return convert.request_out(self.service.record_meeting(
            request.request_id, request.expected_version, convert.required_timestamp(request, "held_at"),
            request.notes, list(request.attendees)))

    def ConcludeRoundTable(self, request: pb.ConcludeRoundTableRequest,
                           context: Context) -> pb.ConcludeRoundTableResponse:
        parts = [roundtable.SplitPart(category=p.category, title=p.title, description=p.description,
                                      urgency=convert.enum_in(Urgency, p.urgency, f"parts[{i}].urgency"))
                 for i, p in enumerate(request.parts)]
        parent, created = self.service.conclude_round_table(
            request.request_id, request.expected_version,
            convert.required_enum(RoundTableOutcome, request.outcome, "outcome"), request.summary, parts)
        return pb.ConcludeRoundTableResponse(request=convert.request_out(parent),
                                             created=[convert.request_out(c) for c in created])

    def ScheduleVisits(self, request: pb.ScheduleVisitsRequest, context: Context) -> pb.VisitPlan:
        draft = visits.VisitPlanDraft(
            resident_group=convert.required_enum(ResidentGroup, request.resident_group, "resident_group"),
            resident_person_id=request.resident_person_id,
            starts_at=convert.required_timestamp(request, "starts_at"),
            cadence=convert.enum_in(VisitCadence, request.cadence, "cadence"), interval=request.interval or 1,
            ends_at=convert.timestamp(request, "ends_at"), category=request.category or "care_visit",
            title=request.title, description=request.description, address=convert.address(request),
            point=convert.point(request))
        return convert.plan_out(self.service.schedule_visits(draft, request.idempotency_key))

    def ListVisitPlans(self, request: pb.ListVisitPlansRequest, context: Context) -> pb.ListVisitPlansResponse:
        group = convert.enum_in(ResidentGroup, request.resident_group, "resident_group")
        found = [p for p in self.service.visit_plans(request.scope_id, request.include_stopped,
                                                     request.resident_person_id)
                 if group is None or p.resident_group is group]
        page, token, total = paginate(found, request.page.page_size, request.page.page_token)
        return pb.ListVisitPlansResponse(plans=[convert.plan_out(p) for p in page],
                                         page=common_pb2.PageInfo(next_page_token=token, total_size=total))

    def StopVisitPlan(self, request: pb.StopVisitPlanRequest, context: Context) -> pb.VisitPlan:
        return convert.plan_out(self.service.stop_visit_plan(request.plan_id, request.expected_version,
                                                             request.reason))

    def SuggestDuplicates(self, request: pb.SuggestDuplicatesRequest,
                          context: Context) -> pb.SuggestDuplicatesResponse:
        if request.request_id:
            probe = self.service.probe_of(request.request_id)
        else:
            given_address = convert.address(request)
            location = convert.point(request) or (given_address.point if given_address else None)
            probe = self.service.draft_probe(request.category, f"{request.title} {request.description}", location)
        found = self.service.suggest(probe, request.limit)
        return pb.SuggestDuplicatesResponse(
            suggestions=[convert.parse(wire.duplicate_suggestion(s), pb.DuplicateSuggestion()) for s in found])

    def MergeRequest(self, request: pb.MergeRequestRequest, context: Context) -> pb.MergeRequestResponse:
        duplicate, original = self.service.merge(request.duplicate_id, request.expected_version, request.original_id,
                                                 request.original_expected_version, request.reason)
        return pb.MergeRequestResponse(duplicate=convert.request_out(duplicate),
                                       original=convert.request_out(original))

    def FollowRequest(self, request: pb.FollowRequestRequest, context: Context) -> pb.FollowRequestResponse:
        following, count = self.service.follow(request.request_id, request.expected_version, request.unfollow)
        return pb.FollowRequestResponse(following=following, follower_count=count)

    def ModerateRequest(self, request: pb.ModerateRequestRequest, context: Context) -> pb.Request:
        hidden = {0: None, 1: True, 2: False}.get(request.visibility)
        if request.visibility not in (0, 1, 2):
            raise InvalidArgument(f"visibility: unknown value {request.visibility}", field="visibility")
        return convert.request_out(self.service.moderate(
            request.request_id, request.expected_version, hidden, convert.redactions(request.redactions),
            list(request.redact_attachment_ids), request.reason))

    def GetStatistics(self, request: pb.GetStatisticsRequest, context: Context) -> pb.Statistics:
        start, end = _period(request)
        result = self.service.get_statistics(
            request.scope_id, start, end, convert.enums_in(statistics.Dimension, request.group_by, "group_by"),
            convert.enum_in(statistics.Granularity, request.granularity, "granularity") or statistics.Granularity.MONTH,
            list(request.categories))
        return convert.parse(wire.statistics(result), pb.Statistics())

    def GetPublicBoard(self, request: pb.GetPublicBoardRequest, context: Context) -> pb.PublicBoard:
        start, end = _period(request)
        board = self.service.public_board(request.scope_id, start, end, request.recent_limit)
        return convert.parse(wire.public_board(board), pb.PublicBoard())

    def ExportLedgerCsv(self, request: pb.ExportLedgerCsvRequest, context: Context) -> Iterator[pb.CsvChunk]:
        start, end = _period(request)
        chunks = list(self.service.export_csv(request.scope_id, start, end, request.include_personal_data))
        for i, chunk in enumerate(chunks):
            yield pb.CsvChunk(data=chunk, last=i == len(chunks) - 1)
        if not chunks:
            yield pb.CsvChunk(data=b"", last=True)

