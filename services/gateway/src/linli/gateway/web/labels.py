"""Names shown for the services' enum values and codes, in the page's language."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from linli.gateway.web import backend
from linli.v1 import requests_pb2 as rq

STATUS: dict[int, object] = {
    rq.REQUEST_STATUS_SUBMITTED: _l("Submitted"),
    rq.REQUEST_STATUS_ACCEPTED: _l("Accepted"),
    rq.REQUEST_STATUS_REJECTED: _l("Rejected"),
    rq.REQUEST_STATUS_DISPATCHED: _l("Dispatched"),
    rq.REQUEST_STATUS_OFFERED: _l("Offered to volunteers"),
    rq.REQUEST_STATUS_CLAIMED: _l("Claimed"),
    rq.REQUEST_STATUS_IN_PROGRESS: _l("In progress"),
    rq.REQUEST_STATUS_RESOLVED: _l("Resolved"),
    rq.REQUEST_STATUS_RATED: _l("Rated"),
    rq.REQUEST_STATUS_CLOSED: _l("Closed"),
    rq.REQUEST_STATUS_REOPENED: _l("Reopened"),
    rq.REQUEST_STATUS_CANCELLED: _l("Cancelled"),
    rq.REQUEST_STATUS_DELIBERATING: _l("Round-table"),
    rq.REQUEST_STATUS_MERGED: _l("Merged"),
}
URGENCY: dict[int, object] = {
    rq.URGENCY_LOW: _l("Low"),
    rq.URGENCY_NORMAL: _l("Normal"),
    rq.URGENCY_URGENT: _l("Urgent"),
}
ASSIGNEE_KIND: dict[int, object] = {
    rq.ASSIGNEE_KIND_VOLUNTEER: _l("Volunteer"),
    rq.ASSIGNEE_KIND_TEAM: _l("Team"),
    rq.ASSIGNEE_KIND_UNIT: _l("Co-building unit"),
    rq.ASSIGNEE_KIND_DEPARTMENT: _l("Department"),
    rq.ASSIGNEE_KIND_STAFF: _l("Staff member"),
}
ACTION = {
    "submit": _l("submitted"),
    "accept": _l("accepted"),
    "reject": _l("rejected"),
    "dispatch": _l("dispatched"),
    "offer": _l("offered to volunteers"),
    "claim": _l("claimed"),
    "decline_offer": _l("declined the offer"),
    "expire_offers": _l("offers expired"),
    "exhaust_offers": _l("nobody claimed the offers"),
    "start_work": _l("started work"),
    "resolve": _l("resolved"),
    "rate": _l("rated"),
    "close": _l("closed"),
    "reopen": _l("reopened"),
    "cancel": _l("cancelled"),
    "transfer": _l("asked for a transfer"),
    "accept_transfer": _l("accepted the transfer"),
    "refuse_transfer": _l("refused the transfer"),
    "mark_breach": _l("deadline breached"),
    "escalate": _l("escalated"),
    "acknowledge_escalation": _l("acknowledged the escalation"),
    "start_round_table": _l("started a round-table"),
    "record_meeting": _l("recorded a meeting"),
    "conclude_resolve": _l("concluded the round-table"),
    "conclude_split": _l("split into new requests"),
    "merge": _l("merged"),
    "absorb_duplicate": _l("took in a duplicate"),
    "moderate": _l("moderated"),
}
ROLE = {
    "requester": _l("resident"),
    "resident": _l("resident"),
    "volunteer": _l("volunteer"),
    "handler": _l("handler"),
    "transfer_receiver": _l("transfer receiver"),
    "liaison": _l("department liaison"),
    "grid_worker": _l("grid worker"),
    "dispatcher": _l("dispatcher"),
    "admin": _l("organisation admin"),
    "operator": _l("operator"),
    "system": _l("system"),
}


def status(value: int) -> str:
    return str(STATUS.get(value, "-"))


def urgency(value: int) -> str:
    return str(URGENCY.get(value, "-"))


def assignee_kind(value: int) -> str:
    return str(ASSIGNEE_KIND.get(value, "-"))


def action(value: str) -> str:
    return str(ACTION.get(value, value.replace("_", " ")))


def role(value: str) -> str:
    return str(ROLE.get(value, value.replace("_", " ")))


def is_chinese() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "zh"


def localized(text: object) -> str:
    """A ``LocalizedText`` (zh, en) in the page's language, falling back to the other one."""
    zh = str(getattr(text, "zh", "") or "")
    en = str(getattr(text, "en", "") or "")
    return (zh or en) if is_chinese() else (en or zh)


def category(code: str) -> str:
    try:
        found = backend.catalogue().name_of(code)
    except Exception:  # the catalogue is out of reach: show the code itself
        return code
    if found is None:  # an unknown code
        return code
    return found.pick("zh" if is_chinese() else "en")
