"""Who may read what: staff see their scope (grid, community, street or an ancestor),
residents their own requests, volunteers what they handle, operators everything: the full
ledger record. Followers see the requests they follow as the public sees them
(``publication.public_view``: no requester, contact, address, point or history)."""

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
    """Whether the identity may see the request at all (the full record or, for followers,
    the public view). ``acts_for`` looks up the volunteer ids the identity acts for
    (assignees it may see); it is asked only when nothing else decides, as it may be a call
    to another service."""
    return sight(identity, request, acts_for) is not None


#: What a reader sees of a request: the full ledger record, or its public view.
FULL = "full"
PUBLIC = "public"


def sight(identity: Identity, request: Request, acts_for: Callable[[Identity], frozenset[str]]) -> str | None:
    """FULL (staff in scope, the requester, the handler), PUBLIC (a follower), or None."""
    if may_see_scope(identity, request.place.scope_ids, request.requester.person_id):
        return FULL
    if request.assignee is not None and request.assignee.id in {identity.subject, *acts_for(identity)}:
        return FULL
    if identity.subject and identity.subject in request.followers:
        return PUBLIC
    return None


def is_staff(identity: Identity) -> bool:
    """Staff of some scope, or a global reader: may see exact distances between requests."""
    return identity.has_role(*GLOBAL_READERS) or bool(identity.scopes_for(*STAFF_ROLES))


def may_export_personal_data(identity: Identity, scope_id: str) -> bool:
    return identity.has_role(*GLOBAL_READERS) or bool(
        scope_id and identity.scopes_for("admin", "dispatcher") & {scope_id, ""}
    )
