"""`python -m linli.notifications.seed`: demo preferences and (when configured) one demo
agency webhook subscription, through the gRPC API.

The people are the demo accounts the other seeds use (the district's admin and dispatcher, a
community dispatcher, demo residents): some read English, one has quiet hours, one wants the
daily digest instead of each offer. Preferences are written whole with ``expected_version``
0, so running the seed again leaves the same choices.

``LINLI_SEED_WEBHOOK_URL`` (empty by default: none is made) names a local receiver for a demo
agency subscription of ``LINLI_SEED_WEBHOOK_AGENCY`` (default ``demo-agency``) to every
request event; the service must allow it (``LINLI_WEBHOOK_ALLOW_HTTP``,
``LINLI_WEBHOOK_ALLOWED_CIDRS``). Its idempotency key is fixed, so it is made once. Its
secret is not logged: rotate it through the API (RotateSubscriptionSecret) to get one.
"""

from __future__ import annotations

import logging
import os
import sys

import grpc

from linli.common import tokens
from linli.common.logs import configure_logging
from linli.v1 import notifications_pb2 as pb
from linli.v1 import notifications_pb2_grpc

log = logging.getLogger(__name__)


def seed_identity() -> list[tuple[str, str]]:
    """The seed calls as an operator, signed with the ops key (LINLI_SIGNING_KEY_FILE)."""
    return tokens.ops_metadata("seed", "operator")


INBOX, EMAIL, SMS = pb.NOTIFICATION_CHANNEL_INBOX, pb.NOTIFICATION_CHANNEL_EMAIL, pb.NOTIFICATION_CHANNEL_SMS

#: person id -> (language, e-mail, phone, quiet hours, per-kind choices)
DEMO_PREFERENCES: dict[str, tuple[str, str, str, tuple[str, str] | None, list[pb.KindPreference]]] = {
    "person-district-admin": ("zh-CN", "district-admin@linli.local", "", None, []),
    "person-district-dispatcher": ("zh-CN", "district-dispatch@linli.local", "13800000001", ("22:00", "07:00"), []),
    "person-jj-dispatcher": ("en", "jj-dispatch@linli.local", "", ("23:00", "06:30"), []),
    "demo-resident-1": ("en", "resident1@linli.local", "", None, []),
    "demo-resident-2": ("zh-CN", "", "13800000002", ("21:30", "07:30"), []),
    "demo-resident-3": ("zh-CN", "", "", None, []),
}
#: Kinds whose choices the seed sets when the routing rules have them.
DIGEST_KIND = "offer.made"


def seed_preferences(stub: notifications_pb2_grpc.NotificationServiceStub, kinds: set[str]) -> int:
    written = 0
    for person, (language, email, phone, quiet, choices) in DEMO_PREFERENCES.items():
        wanted = list(choices)
        if person == "demo-resident-3" and DIGEST_KIND in kinds:
            wanted.append(pb.KindPreference(kind=DIGEST_KIND, channels=[INBOX], digest=True))
        stub.UpdatePreferences(
            pb.UpdatePreferencesRequest(
                person_id=person,
                language=language,
                email=email,
                phone=phone,
                quiet_hours=pb.QuietHours(start=quiet[0], end=quiet[1]) if quiet else None,
                kinds=wanted,
            ),
            metadata=seed_identity(),
            timeout=10,
        )
        written += 1
    return written


def seed_subscription(stub: notifications_pb2_grpc.NotificationServiceStub, url: str, agency: str) -> None:
    made = stub.CreateSubscription(
        pb.CreateSubscriptionRequest(
            agency_id=agency,
            name="Demo agency feed",
            url=url,
            event_types=["org.linli.request.*"],
            idempotency_key="seed:demo-agency-webhook",
        ),
        metadata=seed_identity(),
        timeout=10,
    )
    log.info("demo webhook subscription", extra={"subscription_id": made.subscription.id, "url": url})


def main() -> int:
    configure_logging("notifications-seed", os.environ.get("LINLI_LOG_LEVEL", "INFO"))
    target = os.environ.get("LINLI_NOTIFICATIONS_ADDR", "127.0.0.1:50054")
    webhook_url = os.environ.get("LINLI_SEED_WEBHOOK_URL", "")
    with grpc.insecure_channel(target) as channel:
        grpc.channel_ready_future(channel).result(timeout=30)
        stub = notifications_pb2_grpc.NotificationServiceStub(channel)
        kinds = {k.kind for k in stub.ListNotificationKinds(pb.ListNotificationKindsRequest(), timeout=10).kinds}
        written = seed_preferences(stub, kinds)
        if webhook_url:
            seed_subscription(stub, webhook_url, os.environ.get("LINLI_SEED_WEBHOOK_AGENCY", "demo-agency"))
    log.info("demo notification preferences seeded", extra={"people": written, "target": target})
    return 0


if __name__ == "__main__":
    sys.exit(main())
