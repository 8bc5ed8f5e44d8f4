"""Who may do what in the volunteers service.

- ``operator`` and ``system`` act everywhere.
- ``admin`` acts on volunteers and teams of the organisations in its scope: a bare grant
  everywhere, ``admin@org_x`` for org_x and every organisation below it. A volunteer belongs
  to their home and workplace communities, a team to its owning organisation, a ledger entry
  to the community it credits. "Below" is asked of the organizations service (ancestors,
  cached) only when the scope is not the organisation itself.
- A person acts on their own volunteer profile (the caller's subject is its person id).

Reads are open to every caller, but what they show depends on who asks (the full rule is
in the README, "volunteers: who sees what"): the volunteer themself and staff in scope see
the whole profile and ledger; everyone else (anonymous callers included) sees public fields
only: no person id, phone, home, workplace, availability, load or suspension reason, and
ledger entries without the requests, reasons and people behind them. Looking a volunteer up
by person id is for that person and staff. Exact match distances (to volunteers' homes) are
for dispatching roles (``EXACT_DISTANCE_ROLES``); others get 0.5 km bands.

The caller is an argument of every check (handlers take it from their command); nothing
here reads ambient request context.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NoReturn

from linli.common.errors import PermissionDenied, Unauthenticated
from linli.common.identity import Identity
from linli.volunteers.domain.model import Volunteer
from linli.volunteers.service_layer.ports import AncestorLookup

GLOBAL_ROLES = ("operator", "system")
ADMIN_ROLES = ("admin",)
#: Roles that dispatch work to volunteers and so see exact distances in matching, wherever
#: their scope (a match is asked for a place, not for a community).
EXACT_DISTANCE_ROLES = (*GLOBAL_ROLES, *ADMIN_ROLES, "dispatcher", "grid_worker")


class Access:
    def __init__(self, ancestors: AncestorLookup | None = None) -> None:
        self.ancestors = ancestors

    def is_staff_for(self, who: Identity, org_ids: Iterable[str]) -> bool:
        """Operator/system, or an admin whose scope holds one of ``org_ids``."""
        if who.has_role(*GLOBAL_ROLES):
            return True
        scopes = who.scopes_for(*ADMIN_ROLES)
        if not scopes:
            return False
        if "" in scopes:
            return True
        targets = [org for org in org_ids if org]
        if scopes.intersection(targets):
            return True
        if self.ancestors is None:
            return False
        return any(scopes.intersection(self.ancestors(org)) for org in targets)

    def require_staff(self, who: Identity, org_ids: Iterable[str], what: str) -> None:
        if not self.is_staff_for(who, org_ids):
            _refuse(who, what)

    def require_self_or_staff(self, who: Identity, person_id: str, org_ids: Iterable[str], what: str) -> None:
        if not ((person_id and who.subject == person_id) or self.is_staff_for(who, org_ids)):
            _refuse(who, what)

    def require_one_of(self, who: Identity, person_ids: Iterable[str], org_ids: Iterable[str], what: str) -> None:
        """The caller is one of ``person_ids`` (e.g. the volunteer or their team leader) or staff."""
        if not ((who.subject and who.subject in set(person_ids)) or self.is_staff_for(who, org_ids)):
            _refuse(who, what)

    def may_see_exact_distances(self, who: Identity) -> bool:
        return who.has_role(*EXACT_DISTANCE_ROLES)

    def may_look_up_person(self, who: Identity, person_id: str) -> bool:
        """Before the look-up: the person themself, or a caller who may be staff somewhere
        (their scope is checked on the volunteer found)."""
        return (bool(who.subject) and who.subject == person_id) or who.has_role(*GLOBAL_ROLES, *ADMIN_ROLES)

    def refuse(self, who: Identity, what: str) -> NoReturn:
        _refuse(who, what)

    def may_see_personal(self, who: Identity, volunteer: Volunteer) -> bool:
        if who.subject and who.subject == volunteer.person_id:
            return True
        return self.is_staff_for(who, (volunteer.home_community_id, volunteer.workplace_community_id))


def _refuse(who: Identity, what: str) -> NoReturn:
    if who.anonymous:
        raise Unauthenticated(f"{what} needs an authenticated caller")
    raise PermissionDenied(f"{who.subject} may not {what}")
