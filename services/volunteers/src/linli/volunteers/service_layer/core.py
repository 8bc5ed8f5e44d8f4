"""What every handler of the volunteers service shares: the repository, the directory, the
clock, the access rules and the one write lock.

Every command runs under the lock: read the aggregate from the directory, change a deep copy
through the domain functions, store it with its events (one document write each), and only
then swap the copy into the directory (and the MatchIndex). Queries read the directory
without the lock (its objects are never mutated in place). One process owns the database
(see linli.common.mongo on FerretDB): the lock plus the version check on every write keep the
directory and the database in step.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from linli.common.codec import utc_millis
from linli.common.errors import InvalidArgument, NotFound
from linli.common.identity import current_identity
from linli.common.ids import idempotent_id, new_id
from linli.common.logs import request_id_var
from linli.volunteers.adapters.repository import Repository
from linli.volunteers.domain.events import EventContext
from linli.volunteers.domain.model import Team, Volunteer
from linli.volunteers.service_layer.access import Access
from linli.volunteers.service_layer.directory import Directory

IDEMPOTENCY_KEY_MAX_LENGTH = 200


class Core:
    def __init__(self, repository: Repository, directory: Directory, access: Access | None = None,
                 clock: Callable[[], datetime] = utc_millis) -> None:
        self.repository = repository
        self.directory = directory
        self.access = access or Access()
        self.clock = clock
        self.lock = threading.RLock()

    @staticmethod
    def context() -> EventContext:
        """The caller, as recorded in event headers."""
        who = current_identity.get()
        role = next((g.role for g in who.grants), "")
        return EventContext(actor_person_id=who.subject, actor_role=role, request_id=request_id_var.get())

    def new_id(self, prefix: str, idempotency_key: str) -> str:
        """A fresh id, or the id derived from the caller and their idempotency key."""
        if idempotency_key:
            if len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH:
                raise InvalidArgument(f"idempotency_key must be at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters",
                                      field="idempotency_key")
            return idempotent_id(prefix, current_identity.get().subject, idempotency_key)
        return new_id(prefix)

    def volunteer(self, volunteer_id: str, field: str = "id") -> Volunteer:
        if not volunteer_id:
            raise InvalidArgument(f"{field} is required", field=field)
        found = self.directory.volunteers.get(volunteer_id)
        if found is None:
            raise NotFound(f"volunteer {volunteer_id} does not exist", field=field)
        return found

    def team(self, team_id: str, field: str = "id") -> Team:
        if not team_id:
            raise InvalidArgument(f"{field} is required", field=field)
        found = self.directory.teams.get(team_id)
        if found is None:
            raise NotFound(f"team {team_id} does not exist", field=field)
        return found

    def store_volunteer(self, volunteer: Volunteer, stored_version: int, *, reindex: bool) -> None:
        """Writes a changed copy (version-checked), then swaps it into the directory and,
        when matching-relevant fields changed, into the MatchIndex. Call under the lock."""
        self.repository.save(volunteer, stored_version)
        self.directory.put_volunteer(volunteer)
        if reindex:
            self.directory.index_volunteer(volunteer)
