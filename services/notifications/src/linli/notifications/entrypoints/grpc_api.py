"""gRPC servicer of linli.v1.NotificationService: reads the caller once per call, translates
the request into a command, runs it on the bus and translates the result.

Errors raised below (domain and kit errors) are mapped to status codes, with the field in
trailing metadata, by the kit's interceptor; nothing here catches them.

StreamInbox sends the entries after the resume point, then the live ones from the inbox hub;
it returns when the client cancels, when the hub closes (the server stops: the runtime closes
the hub before draining, so open streams end at once instead of holding the drain), or when
the client fell too far behind (it reconnects with the last entry it saw).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeAlias

import grpc
import jwt

from linli.common.commands import Actor
from linli.common.identity import current_call
from linli.common.messagebus import MessageBus
from linli.common.tokens import issuer_of
from linli.notifications.domain.model import Channel
from linli.notifications.entrypoints import convert
from linli.notifications.service_layer import account_messages
from linli.notifications.service_layer import commands as c
from linli.notifications.service_layer.handlers import InboxPage, InboxStream, MarkResult, Page, SubscriptionWithSecret
from linli.v1 import common_pb2, notifications_pb2_grpc
from linli.v1 import notifications_pb2 as pb

Context: TypeAlias = grpc.ServicerContext

#: How often an idle stream looks whether its client is still there.
STREAM_POLL_SECONDS = 1.0


def _info(page: Page | InboxPage) -> common_pb2.PageInfo:
    return common_pb2.PageInfo(next_page_token=page.next_page_token, total_size=page.total_size)


def _mark(result: MarkResult) -> pb.MarkReadResponse:
    return pb.MarkReadResponse(marked=result.marked, unread_count=result.unread_count)


class NotificationServicer(notifications_pb2_grpc.NotificationServiceServicer):
    def __init__(self, bus: MessageBus, poll_seconds: float = STREAM_POLL_SECONDS) -> None:
        self.bus = bus
        self.poll_seconds = poll_seconds

    # -- inbox ---------------------------------------------------------------------------------
    def ListInbox(self, request: pb.ListInboxRequest, context: Context) -> pb.ListInboxResponse:
        page: InboxPage = self.bus.handle(
            c.ListInbox(
                actor=Actor.current(),
                page_size=request.page.page_size,
                page_token=request.page.page_token,
                unread_only=request.unread_only,
            )
        )
        return pb.ListInboxResponse(
            entries=[convert.inbox_entry(e) for e in page.entries], page=_info(page), unread_count=page.unread_count
        )

    def GetUnreadCount(self, request: pb.GetUnreadCountRequest, context: Context) -> pb.UnreadCount:
        return pb.UnreadCount(unread_count=self.bus.handle(c.GetUnreadCount(actor=Actor.current())))

    def MarkRead(self, request: pb.MarkReadRequest, context: Context) -> pb.MarkReadResponse:
        return _mark(self.bus.handle(c.MarkRead(actor=Actor.current(), entry_ids=tuple(request.entry_ids))))

    def MarkAllRead(self, request: pb.MarkAllReadRequest, context: Context) -> pb.MarkReadResponse:
        return _mark(self.bus.handle(c.MarkAllRead(actor=Actor.current())))

    def StreamInbox(self, request: pb.StreamInboxRequest, context: Context) -> Iterator[pb.InboxEntry]:
        stream: InboxStream = self.bus.handle(
            c.StreamInbox(actor=Actor.current(), after_entry_id=request.after_entry_id)
        )
        live = stream.live
        try:
            for entry in stream.backlog:
                yield convert.inbox_entry(entry)
            while context.is_active():
                entry = live.next(self.poll_seconds)
                if entry is None:
                    if live.closed:
                        return
                    continue
                if entry.id not in stream.seen:
                    yield convert.inbox_entry(entry)
        finally:
            live.close()

    # -- preferences -------------------------------------------------------------------------------
    def GetPreferences(self, request: pb.GetPreferencesRequest, context: Context) -> pb.Preferences:
        return convert.preferences(
            self.bus.handle(c.GetPreferences(actor=Actor.current(), person_id=request.person_id))
        )

    def UpdatePreferences(self, request: pb.UpdatePreferencesRequest, context: Context) -> pb.Preferences:
        actor = Actor.current()
        return convert.preferences(
            self.bus.handle(
                c.UpdatePreferences(
                    actor=actor,
                    person_id=request.person_id,
                    expected_version=request.expected_version,
                    language=request.language,
                    email=request.email,
                    phone=request.phone,
                    quiet_hours=convert.quiet_hours(request),
                    kinds=convert.kind_preferences(request.kinds),
                )
            )
        )

    # -- subscriptions ----------------------------------------------------------------------------------
    def CreateSubscription(
        self, request: pb.CreateSubscriptionRequest, context: Context
    ) -> pb.CreateSubscriptionResponse:
        made: SubscriptionWithSecret = self.bus.handle(
            c.CreateSubscription(
                actor=Actor.current(),
                agency_id=request.agency_id,
                name=request.name,
                url=request.url,
                event_types=tuple(request.event_types),
                area_org_id=request.area_org_id,
                idempotency_key=request.idempotency_key,
            )
        )
        return pb.CreateSubscriptionResponse(subscription=convert.subscription(made.view), secret=made.secret)

    def GetSubscription(self, request: pb.GetSubscriptionRequest, context: Context) -> pb.Subscription:
        return convert.subscription(
            self.bus.handle(c.GetSubscription(actor=Actor.current(), subscription_id=request.subscription_id))
        )

    def ListSubscriptions(self, request: pb.ListSubscriptionsRequest, context: Context) -> pb.ListSubscriptionsResponse:
        page: Page = self.bus.handle(
            c.ListSubscriptions(
                actor=Actor.current(),
                agency_id=request.agency_id,
                page_size=request.page.page_size,
                page_token=request.page.page_token,
            )
        )
        return pb.ListSubscriptionsResponse(
            subscriptions=[convert.subscription(v) for v in page.items], page=_info(page)
        )

    def UpdateSubscription(self, request: pb.UpdateSubscriptionRequest, context: Context) -> pb.Subscription:
        return convert.subscription(
            self.bus.handle(
                c.UpdateSubscription(
                    actor=Actor.current(),
                    subscription_id=request.subscription_id,
                    expected_version=request.expected_version,
                    name=request.name,
                    url=request.url,
                    event_types=tuple(request.event_types),
                    area_org_id=request.area_org_id,
                    active=request.active,
                )
            )
        )

    def DeleteSubscription(self, request: pb.DeleteSubscriptionRequest, context: Context) -> pb.Subscription:
        return convert.subscription(
            self.bus.handle(
                c.DeleteSubscription(
                    actor=Actor.current(),
                    subscription_id=request.subscription_id,
                    expected_version=request.expected_version,
                )
            )
        )

    def RotateSubscriptionSecret(
        self, request: pb.RotateSubscriptionSecretRequest, context: Context
    ) -> pb.RotateSubscriptionSecretResponse:
        made: SubscriptionWithSecret = self.bus.handle(
            c.RotateSubscriptionSecret(
                actor=Actor.current(),
                subscription_id=request.subscription_id,
                expected_version=request.expected_version,
                overlap_seconds=request.overlap_seconds,
            )
        )
        return pb.RotateSubscriptionSecretResponse(subscription=convert.subscription(made.view), secret=made.secret)

    def SendTestDelivery(self, request: pb.SendTestDeliveryRequest, context: Context) -> pb.Delivery:
        return convert.delivery(
            self.bus.handle(c.SendTestDelivery(actor=Actor.current(), subscription_id=request.subscription_id))
        )

    # -- accounts (the gateway only) -----------------------------------------------------------------------
    def SendAccountMessage(
        self, request: pb.SendAccountMessageRequest, context: Context
    ) -> pb.SendAccountMessageResponse:
        served = current_call.get()
        sent: Channel = self.bus.handle(
            account_messages.SendAccountMessage(
                actor=Actor.current(),
                issuer=_issuer(served.token) if served is not None and served.token else "",
                kind=request.kind,
                channel=convert.channel(request.channel, "channel"),
                address=request.address,
                language=request.language,
                link=request.link,
            )
        )
        return pb.SendAccountMessageResponse(channel=convert.CHANNEL_NUMBER[sent])  # type: ignore[arg-type]

    # -- operations ----------------------------------------------------------------------------------------
    def ListDeadLetters(self, request: pb.ListDeadLettersRequest, context: Context) -> pb.ListDeadLettersResponse:
        page: Page = self.bus.handle(
            c.ListDeadLetters(
                actor=Actor.current(),
                channel=convert.optional_channel(request.channel, "channel"),
                recipient_id=request.recipient_id,
                page_size=request.page.page_size,
                page_token=request.page.page_token,
            )
        )
        return pb.ListDeadLettersResponse(deliveries=[convert.delivery(d) for d in page.items], page=_info(page))

    def ReplayDeadLetter(self, request: pb.ReplayDeadLetterRequest, context: Context) -> pb.Delivery:
        return convert.delivery(
            self.bus.handle(c.ReplayDeadLetter(actor=Actor.current(), delivery_id=request.delivery_id))
        )

    def ListNotificationKinds(
        self, request: pb.ListNotificationKindsRequest, context: Context
    ) -> pb.ListNotificationKindsResponse:
        kinds = self.bus.handle(c.ListNotificationKinds(actor=Actor.current()))
        return pb.ListNotificationKindsResponse(kinds=[convert.notification_kind(k) for k in kinds])


def _issuer(token: str) -> str:
    """The issuer of a token the identity interceptor already verified (it checked that the
    key id's issuer is the token's ``iss``)."""
    try:
        return issuer_of(str(jwt.get_unverified_header(token).get("kid", "")))
    except jwt.PyJWTError:
        return ""
