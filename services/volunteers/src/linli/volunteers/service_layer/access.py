"""Who may do what in the volunteers service.

- ``operator`` and ``system`` act everywhere.
- ``admin`` acts on volunteers and teams of the organisations in its scope: a bare grant
  everywhere, ``admin@org_x`` for org_x and every organisation below it. A volunteer belongs
  to their home and workplace communities, a team to its owning organisation, a ledger entry
  to the community it credits. "Below" is asked of the organizations service (ancestors,
  cached) only when the scope is not the organisation itself.
- A person acts on their own volunteer profile (the caller's subject is its person id).

Reads are open to callers inside the cluster (the gateway decides what a person may see),
except personal data (phone, home location): only the volunteer themself and staff in scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NoReturn

from linli.common.errors import PermissionDenied, Unauthenticated
from linli.common.identity import Identity, current_identity
from linli.volunteers.adapters.organizations import AncestorLookup
from linli.volunteers.domain.model import Volunteer

GLOBAL_ROLES = ("operator", "system")
ADMIN_ROLES = ("admin",)


class Access:
    def __init__(self, ancestors: AncestorLookup | None = None) -> None:
        self.ancestors = ancestors

    @staticmethod
    def caller() -> Identity:
        return current_identity.get()

    def is_staff_for(self, org_ids: Iterable[str], who: Identity | None = None) -> bool:
        """Operator/system, or an admin whose scope holds one of ``org_ids``."""
        who = who or self.caller()
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

    def require_staff(self, org_ids: Iterable[str], what: str) -> None:
        who = self.caller()
        if self.is_staff_for(org_ids, who):
            return
        self._refuse(who, what)

    def require_self_or_staff(self, person_id: str, org_ids: Iterable[str], what: str) -> None:
        who = self.caller()
        if (person_id and who.subject == person_id) or self.is_staff_for(org_ids, who):
            return
        self._refuse(who, what)

    def require_one_of(self, person_ids: Iterable[str], org_ids: Iterable[str], what: str) -> None:
        """The caller is one of ``person_ids`` (e.g. the volunteer or their team leader) or staff."""
        who = self.caller()
        if (who.subject and who.subject in set(person_ids)) or self.is_staff_for(org_ids, who):
            return
        self._refuse(who, what)

    def may_see_personal(self, volunteer: Volunteer) -> bool:
        who = self.caller()
        if who.subject and who.subject == volunteer.person_id:
            return True
        return self.is_staff_for((volunteer.home_community_id, volunteer.workplace_community_id), who)

    @staticmethod
    def _refuse(who: Identity, what: str) -> NoReturn:
        if who.anonymous:
            raise Unauthenticated(f"{what} needs an authenticated caller")
        raise PermissionDenied(f"{who.subject} may not {what}")
