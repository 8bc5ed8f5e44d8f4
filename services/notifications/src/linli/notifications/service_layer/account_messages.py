"""Account messages the gateway asks for (a password reset link), sent at once.

Only the gateway's own identity may ask: a token the gateway's key signed for the subject
``gateway`` (``GATEWAY_ISSUER`` / ``GATEWAY_SUBJECT``; people's tokens carry person ids, and
the gateway never names a person ``gateway``). The message is rendered from the template
catalogue (kinds in ``ACCOUNT_KINDS``) and handed straight to the channel's sender: it is
never stored as a delivery, because its link carries a secret that must live only in the
recipient's mailbox (the gateway keeps just its hash). A failed send is UNAVAILABLE and the
person asks again; there is no retry queue for it on purpose.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from linli.common.commands import Command
from linli.common.errors import FailedPrecondition, InvalidArgument, PermissionDenied, Unavailable
from linli.common.ids import new_id
from linli.notifications.adapters.email import valid_address
from linli.notifications.adapters.sms import PHONE, sms_text
from linli.notifications.domain.model import Channel, Delivery, DeliveryStatus, Message
from linli.notifications.domain.templates import TemplateCatalogue

GATEWAY_ISSUER = "gateway"
GATEWAY_SUBJECT = "gateway"
ACCOUNT_KINDS = frozenset({"account.password_reset"})
CHANNELS = (Channel.EMAIL, Channel.SMS)
MAX_LINK_LENGTH = 2000
ASCII_SMS_TEXT = "Linli password reset (once, 30 min):"


@dataclass(frozen=True, kw_only=True)
class SendAccountMessage(Command):
    """``issuer`` is the issuer of the token the call carried (the entrypoint reads it)."""

    issuer: str
    kind: str
    channel: Channel
    address: str
    language: str = ""
    link: str = ""


def _check(command: SendAccountMessage) -> None:
    identity = command.actor.identity
    if command.issuer != GATEWAY_ISSUER or identity.subject != GATEWAY_SUBJECT:
        raise PermissionDenied("account messages are sent for the gateway only")
    if command.kind not in ACCOUNT_KINDS:
        raise InvalidArgument(f"kind: one of {', '.join(sorted(ACCOUNT_KINDS))}", field="kind")
    if command.channel not in CHANNELS:
        raise InvalidArgument("channel: email or sms", field="channel")
    if command.channel is Channel.EMAIL and not valid_address(command.address):
        raise InvalidArgument("address: not an e-mail address", field="address")
    if command.channel is Channel.SMS and not PHONE.match(command.address):
        raise InvalidArgument("address: not a phone number", field="address")
    if not command.link.startswith(("https://", "http://")) or len(command.link) > MAX_LINK_LENGTH:
        raise InvalidArgument(f"link: an http(s) URL of at most {MAX_LINK_LENGTH} characters", field="link")


def _whole_link(message: Message) -> Message:
    """An SMS must carry the link whole. Chinese text makes the SMS UCS-2, 70 characters, where
    a reset link rarely fits beside any words: then the text is ASCII (160 characters)."""
    if message.link in sms_text(message):
        return message
    return dataclasses.replace(message, title=ASCII_SMS_TEXT, body="")


def send_account_message(
    command: SendAccountMessage, deliveries: Any, templates: TemplateCatalogue, clock: Any
) -> Channel:
    """Renders and sends the message now (see the module docstring); the channel used."""
    _check(command)
    senders: Mapping[Channel, Any] = getattr(deliveries, "senders", {})
    sender = senders.get(command.channel)
    if sender is None:
        raise FailedPrecondition(f"channel: {command.channel.value} is not configured here", field="channel")
    message = templates.render(
        command.kind, command.language or "zh-CN", {}, command.link, html=command.channel is Channel.EMAIL
    )
    if command.channel is Channel.SMS:
        message = _whole_link(message)
    now: datetime = clock()
    delivery_id = new_id("dlv")
    delivery = Delivery(
        id=delivery_id,
        event_id=delivery_id,
        kind=command.kind,
        channel=command.channel,
        recipient_id=GATEWAY_SUBJECT,
        address=command.address,
        message=message,
        created_at=now,
        urgent=True,
        status=DeliveryStatus.PENDING,
    )
    result = sender.send(delivery)
    if not result.ok:
        raise Unavailable(f"the {command.channel.value} message was not sent; ask again later")
    return command.channel
