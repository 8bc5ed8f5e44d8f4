"""Who may read what: staff see their scope (grid, community, street or an ancestor),
residents their own requests and those they follow, volunteers what they handle, operators
everything."""

from __future__ import annotations

from collections.abc import Callable

from linli.common.commands import Actor
from linli.common.errors import Unauthenticated
from linli.common.identity import Identity
from linli.requests.domain.model import Request

GLOBAL_READERS = ("operator", "system", "agency_admin")
STAFF_ROLES = ("dispatcher", "grid_worker", "admin", "liaison")


def reader(actor: Actor) -> Identity:
    """The caller of a query, who must be authenticated to read the ledger."""
    if actor.identity.anonymous:
        raise Unauthenticated("reading the ledger needs an authenticated caller")
    return actor.identity


def reads_everything(identity: Identity) -> bool:
    return identity.has_role(*GLOBAL_READERS) or "" in identity.scopes_for(*STAFF_ROLES)


def may_see_scope(identity: Identity, scope_ids: frozenset[str], owner_person_id: str) -> bool:
    if identity.has_role(*GLOBAL_READERS):
        return True
    scopes = identity.scopes_for(*STAFF_ROLES)
    if "" in scopes or scopes & scope_ids:
        return True
    return bool(owner_person_id) and owner_person_id == identity.subject


def may_see(identity: Identity, request: Request, acts_for: Callable[[Identity], frozenset[str]]) -> bool:
    """``acts_for`` looks up the volunteer ids the identity acts for (assignees it may see);
    it is asked only when nothing else decides, as it may be a call to another service."""
    if may_see_scope(identity, request.place.scope_ids, request.requester.person_id):
        return True
    if identity.subject in request.followers:
        return True
    return request.assignee is not None and request.assignee.id in {identity.subject, *acts_for(identity)}


def may_export_personal_data(identity: Identity, scope_id: str) -> bool:
    return identity.has_role(*GLOBAL_READERS) or bool(
        scope_id and identity.scopes_for("admin", "dispatcher") & {scope_id, ""}
    )
