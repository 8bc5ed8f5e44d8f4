"""Delivering a password reset: the link goes out through the notifications service's
`SendAccountMessage` (e-mail when the account has an address, else SMS), called as the
gateway's own identity (`GATEWAY`, the only caller that RPC accepts).

`start_reset` does the work in a thread of its own and returns at once, so the answer to
`POST /auth/password-reset` takes the same time whether the login has an account, is
throttled or is unknown. The link is built from the configured public address
(`LINLI_PUBLIC_BASE_URL`), never from the request's Host header, which a caller could set to
their own site to receive someone else's token.
"""

from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import quote

from flask import current_app

from linli.gateway import auth
from linli.gateway import clients as gw_clients
from linli.gateway.accounts.service import AccountService, ResetMessage
from linli.v1 import notifications_pb2 as nt

log = logging.getLogger(__name__)

#: The identity the gateway calls as for its own messages (people's ids never take this form).
GATEWAY = auth.Person(id="gateway")
RESET_PAGE = "/password-reset"
RESET_KIND = "account.password_reset"
_CHANNELS = {"email": nt.NOTIFICATION_CHANNEL_EMAIL, "sms": nt.NOTIFICATION_CHANNEL_SMS}


def reset_link(base_url: str, secret: str) -> str:
    return f"{base_url.rstrip('/')}{RESET_PAGE}?token={quote(secret, safe='')}"


def _deliver(accounts: AccountService, login: str, base_url: str, send: Any, metadata: list[tuple[str, str]]) -> None:
    try:
        found: ResetMessage | None = accounts.request_reset(login)
        if found is None:
            return
        send(
            nt.SendAccountMessageRequest(
                kind=RESET_KIND,
                channel=_CHANNELS[found.channel],
                address=found.address,
                language=found.account.language,
                link=reset_link(base_url, found.secret),
            ),
            metadata=metadata,
            timeout=15,
        )
        log.info("password reset sent", extra={"account": found.account.id, "channel": found.channel})
    except Exception:  # a thread of its own: nobody else would see the failure
        log.exception("password reset not sent")


def start_reset(login: str) -> threading.Thread:
    """Looks the login up and sends the link, in the background (see the module docstring)."""
    state = auth.current_auth()
    config = current_app.extensions["linli_config"]
    metadata = gw_clients.metadata_for(GATEWAY)
    send = gw_clients.current().notifications.SendAccountMessage
    worker = threading.Thread(
        target=_deliver, args=(state.accounts, login, config.base_url, send, metadata), daemon=True
    )
    worker.start()
    return worker
