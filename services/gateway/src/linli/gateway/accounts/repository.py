"""Where accounts live: the gateway's own database (`linli_gateway`), every read and write by
`_id` (FerretDB pushes only `{"_id": value}` down to SQLite).

Uniqueness comes from derived ids, not indexes: a login is the document `login:<normalised>`
naming its account, inserted before the account; a refresh token is spent by inserting
`spent:<digest>` (an insert of an existing `_id` fails atomically on every server, where a
read-modify-write on FerretDB could let two concurrent refreshes both win).

`Documents` is the port (MongoDocuments over pymongo, MemoryDocuments for unit tests);
`AccountRepository` converts domain objects to documents and back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any, Protocol

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from linli.common.errors import AlreadyExists, Conflict
from linli.gateway.accounts.domain import Account, ApiKey, Guard, PasswordReset, Session, SessionKind

Document = dict[str, Any]

ACCOUNTS = "accounts"
LOGINS = "logins"
GUARDS = "guards"
SESSIONS = "sessions"
API_KEYS = "api_keys"
PERSONS = "persons"  # person id -> account id (one account per person)
RESETS = "password_resets"  # _id: the SHA-256 of a reset token


class Documents(Protocol):
    def get(self, collection: str, key: str) -> Document | None: ...

    def insert(self, collection: str, document: Document) -> None:
        """Raises AlreadyExists when the `_id` is taken."""

    def put(self, collection: str, document: Document, expected_version: int | None = None) -> None:
        """Writes the whole document; with `expected_version`, Conflict when the stored one differs."""

    def delete(self, collection: str, key: str) -> None: ...

    def all(self, collection: str) -> Iterator[Document]: ...


class MongoDocuments:
    def __init__(self, database: Database[Document]) -> None:
        self.database = database
        self._lock = threading.Lock()  # one process's read-check-write of a versioned document

    def get(self, collection: str, key: str) -> Document | None:
        return self.database[collection].find_one({"_id": key})

    def insert(self, collection: str, document: Document) -> None:
        try:
            self.database[collection].insert_one(document)
        except DuplicateKeyError as exc:
            raise AlreadyExists(f"{collection}: {document['_id']} exists", field="_id") from exc

    def put(self, collection: str, document: Document, expected_version: int | None = None) -> None:
        with self._lock:
            if expected_version is not None:
                current = self.get(collection, document["_id"])
                stored = 0 if current is None else int(current.get("version", 0))
                if stored != expected_version:
                    raise Conflict(f"{collection}: {document['_id']} changed meanwhile", field="version")
            self.database[collection].replace_one({"_id": document["_id"]}, document, upsert=True)

    def delete(self, collection: str, key: str) -> None:
        self.database[collection].delete_one({"_id": key})

    def all(self, collection: str) -> Iterator[Document]:
        yield from self.database[collection].find({})


class MemoryDocuments:
    def __init__(self) -> None:
        self.data: dict[str, dict[str, Document]] = {}
        self._lock = threading.Lock()

    def get(self, collection: str, key: str) -> Document | None:
        found = self.data.get(collection, {}).get(key)
        return dict(found) if found is not None else None

    def insert(self, collection: str, document: Document) -> None:
        with self._lock:
            table = self.data.setdefault(collection, {})
            if document["_id"] in table:
                raise AlreadyExists(f"{collection}: {document['_id']} exists", field="_id")
            table[document["_id"]] = dict(document)

    def put(self, collection: str, document: Document, expected_version: int | None = None) -> None:
        with self._lock:
            table = self.data.setdefault(collection, {})
            if expected_version is not None:
                current = table.get(document["_id"])
                stored = 0 if current is None else int(current.get("version", 0))
                if stored != expected_version:
                    raise Conflict(f"{collection}: {document['_id']} changed meanwhile", field="version")
            table[document["_id"]] = dict(document)

    def delete(self, collection: str, key: str) -> None:
        with self._lock:
            self.data.get(collection, {}).pop(key, None)

    def all(self, collection: str) -> Iterator[Document]:
        yield from [dict(d) for d in self.data.get(collection, {}).values()]


def _utc(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    raise TypeError(f"not a datetime: {value!r}")


def _required_utc(value: Any) -> dt.datetime:
    found = _utc(value)
    if found is None:
        raise TypeError("missing datetime")
    return found


class AccountRepository:
    def __init__(self, documents: Documents) -> None:
        self.documents = documents

    # -- accounts and logins ------------------------------------------------------------------
    def add_account(self, account: Account) -> None:
        """Claims every login and the person id first; AlreadyExists (field `login` or
        `person_id`) when one is taken, and nothing is left behind."""
        claimed: list[tuple[str, str]] = []
        try:
            self.documents.insert(PERSONS, {"_id": account.person_id, "account_id": account.id})
            claimed.append((PERSONS, account.person_id))
        except AlreadyExists:
            raise AlreadyExists("person_id: already has an account", field="person_id") from None
        try:
            for login in account.logins:
                try:
                    self.documents.insert(LOGINS, {"_id": f"login:{login}", "account_id": account.id})
                except AlreadyExists:
                    raise AlreadyExists("login: already taken", field="login") from None
                claimed.append((LOGINS, f"login:{login}"))
            account.version = 1
            self.documents.insert(ACCOUNTS, self._account_document(account))
        except BaseException:
            for collection, key in claimed:
                self.documents.delete(collection, key)
            account.version = 0
            raise

    def save_account(self, account: Account) -> None:
        expected = account.version
        account.version += 1
        try:
            self.documents.put(ACCOUNTS, self._account_document(account), expected_version=expected)
        except BaseException:
            account.version = expected
            raise

    def account(self, account_id: str) -> Account | None:
        found = self.documents.get(ACCOUNTS, account_id)
        return self._account(found) if found else None

    def account_by_login(self, normalised: str) -> Account | None:
        found = self.documents.get(LOGINS, f"login:{normalised}")
        return self.account(str(found["account_id"])) if found else None

    def account_by_person(self, person_id: str) -> Account | None:
        found = self.documents.get(PERSONS, person_id)
        return self.account(str(found["account_id"])) if found else None

    @staticmethod
    def _account_document(account: Account) -> Document:
        return {
            "_id": account.id,
            "person_id": account.person_id,
            "display_name": account.display_name,
            "language": account.language,
            "password_hash": account.password_hash,
            "logins": list(account.logins),
            "disabled": account.disabled,
            "created_at": account.created_at,
            "version": account.version,
            "sessions_not_before": account.sessions_not_before,
        }

    @staticmethod
    def _account(document: Document) -> Account:
        return Account(
            id=document["_id"],
            person_id=document["person_id"],
            display_name=document["display_name"],
            language=document["language"],
            password_hash=document["password_hash"],
            logins=list(document.get("logins") or []),
            disabled=bool(document.get("disabled")),
            created_at=_required_utc(document["created_at"]),
            version=int(document.get("version", 0)),
            sessions_not_before=_utc(document.get("sessions_not_before")),
        )

    # -- password resets ----------------------------------------------------------------------
    def add_reset(self, reset: PasswordReset) -> None:
        self.documents.insert(RESETS, {**dataclasses.asdict(reset), "_id": reset.id})

    def reset(self, reset_id: str) -> PasswordReset | None:
        found = self.documents.get(RESETS, reset_id)
        if found is None:
            return None
        return PasswordReset(
            id=found["_id"],
            account_id=found["account_id"],
            created_at=_required_utc(found["created_at"]),
            expires_at=_required_utc(found["expires_at"]),
            used_at=_utc(found.get("used_at")),
        )

    def spend_reset(self, reset: PasswordReset, now: dt.datetime) -> bool:
        """Marks a reset token used, atomically: True for the first caller only."""
        try:
            self.documents.insert(RESETS, {"_id": f"spent:{reset.id}"})
        except AlreadyExists:
            return False
        reset.used_at = now
        self.documents.put(RESETS, {**dataclasses.asdict(reset), "_id": reset.id})
        return True

    def take_slot(self, key: str, limit: int, now: dt.datetime) -> bool:
        """Takes one of `limit` numbered slots under `key` (inserts of unique ids: atomic);
        False when every slot is taken."""
        for number in range(limit):
            try:
                self.documents.insert(RESETS, {"_id": f"{key}:{number}", "at": now})
            except AlreadyExists:
                continue
            return True
        return False

    # -- guards -------------------------------------------------------------------------------
    def guard(self, key: str) -> Guard:
        found = self.documents.get(GUARDS, key)
        if found is None:
            return Guard(id=key)
        return Guard(
            id=key,
            failures=int(found.get("failures", 0)),
            lockouts=int(found.get("lockouts", 0)),
            last_failure=_utc(found.get("last_failure")),
            locked_until=_utc(found.get("locked_until")),
            version=int(found.get("version", 0)),
        )

    def save_guard(self, guard: Guard) -> None:
        """Last writer wins: a failure counted twice or lost under a race is harmless."""
        guard.version += 1
        self.documents.put(GUARDS, {**dataclasses.asdict(guard), "_id": guard.id})

    # -- sessions -----------------------------------------------------------------------------
    def add_session(self, session: Session) -> None:
        session.version = 1
        self.documents.insert(SESSIONS, self._session_document(session))

    def save_session(self, session: Session) -> None:
        session.version += 1
        self.documents.put(SESSIONS, self._session_document(session))

    def session(self, session_id: str) -> Session | None:
        found = self.documents.get(SESSIONS, session_id)
        if found is None:
            return None
        return Session(
            id=found["_id"],
            kind=SessionKind(found["kind"]),
            account_id=found["account_id"],
            family=found["family"],
            created_at=_required_utc(found["created_at"]),
            expires_at=_required_utc(found["expires_at"]),
            used_at=_utc(found.get("used_at")),
            revoked_at=_utc(found.get("revoked_at")),
            version=int(found.get("version", 0)),
        )

    def spend(self, session_id: str) -> bool:
        """Marks a refresh token spent, atomically: True for the first caller only."""
        try:
            self.documents.insert(SESSIONS, {"_id": f"spent:{session_id}"})
        except AlreadyExists:
            return False
        return True

    def revoke_family(self, family: str, now: dt.datetime) -> None:
        """Revokes every token of a family (stored as one document naming it revoked)."""
        self.documents.put(SESSIONS, {"_id": f"family:{family}", "revoked_at": now})

    def family_revoked(self, family: str) -> bool:
        return self.documents.get(SESSIONS, f"family:{family}") is not None

    @staticmethod
    def _session_document(session: Session) -> Document:
        return {
            "_id": session.id,
            "kind": str(session.kind),
            "account_id": session.account_id,
            "family": session.family,
            "created_at": session.created_at,
            "expires_at": session.expires_at,
            "used_at": session.used_at,
            "revoked_at": session.revoked_at,
            "version": session.version,
        }

    # -- API keys -----------------------------------------------------------------------------
    def add_api_key(self, key: ApiKey) -> None:
        key.version = 1
        self.documents.insert(API_KEYS, self._key_document(key))

    def save_api_key(self, key: ApiKey) -> None:
        expected = key.version
        key.version += 1
        self.documents.put(API_KEYS, self._key_document(key), expected_version=expected)

    def api_key(self, key_id: str) -> ApiKey | None:
        found = self.documents.get(API_KEYS, key_id)
        return self._key(found) if found else None

    def api_keys(self, organization_id: str = "") -> list[ApiKey]:
        """A scan: keys are few and listed rarely."""
        keys = [self._key(d) for d in self.documents.all(API_KEYS)]
        return sorted(
            (k for k in keys if not organization_id or k.organization_id == organization_id),
            key=lambda k: (k.created_at, k.id),
        )

    @staticmethod
    def _key_document(key: ApiKey) -> Document:
        return {
            "_id": key.id,
            "name": key.name,
            "organization_id": key.organization_id,
            "roles": list(key.roles),
            "secret_digest": key.secret_digest,
            "rate_limit": key.rate_limit,
            "created_by": key.created_by,
            "created_at": key.created_at,
            "revoked_at": key.revoked_at,
            "revoked_by": key.revoked_by,
            "version": key.version,
        }

    @staticmethod
    def _key(document: Document) -> ApiKey:
        return ApiKey(
            id=document["_id"],
            name=document["name"],
            organization_id=document["organization_id"],
            roles=tuple(document.get("roles") or ()),
            secret_digest=document["secret_digest"],
            rate_limit=document["rate_limit"],
            created_by=document.get("created_by", ""),
            created_at=_required_utc(document["created_at"]),
            revoked_at=_utc(document.get("revoked_at")),
            revoked_by=document.get("revoked_by", ""),
            version=int(document.get("version", 0)),
        )
