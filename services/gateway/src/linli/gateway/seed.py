"""`python -m linli.gateway.seed`: demo accounts for every role, and an agency's API key.

The accounts belong to the people the other seeds use (organizations' role grants, the
volunteers seed's `person-vol-*`, the requests seed's residents, grid workers, dispatchers and
liaisons), so signing in as one shows that person's ledger. Roles are not stored here: they
come from organizations. The few grants the other seeds only claim in their tokens (a grid
worker, the district-level `person-jj-dispatcher`, departments' liaisons) are granted here
through organizations' `GrantRole`, signed with the key in `LINLI_SIGNING_KEY_FILE` (the
local "ops" key under `make run`). The operator is `person-operator` (listed in the gateway's
`LINLI_OPERATOR_PERSON_IDS`).

Every demo account has the password `LINLI_DEMO_PASSWORD` (default `linli-demo-2026`); the
agency's key is derived from `LINLI_DEMO_API_KEY_SECRET` so the printed key stays valid from
one `make run` to the next. Running the seed again changes nothing (existing logins and the
key are kept as they are). Demo credentials: never for a public deployment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import os
import sys

import grpc

from linli.common import tokens
from linli.common.errors import AlreadyExists
from linli.common.logs import configure_logging
from linli.gateway import auth
from linli.gateway.accounts.domain import ApiKey, api_key_roles, digest
from linli.gateway.config import GatewayConfig
from linli.v1 import organizations_pb2, organizations_pb2_grpc

log = logging.getLogger(__name__)

DEFAULT_PASSWORD = "linli-demo-2026"
DEFAULT_KEY_SECRET = "demo-agency-key-local-only-0001"
R = organizations_pb2.OrganizationRole


@dataclasses.dataclass(frozen=True)
class Demo:
    role: str
    login: str
    person_id: str
    display_name: str
    language: str = "zh-CN"


DEMO_ACCOUNTS = (
    Demo("resident", "resident1@linli.local", "demo-resident-1", "Demo Resident 1", "en"),
    Demo("resident", "13800000002", "demo-resident-2", "居民二号"),
    Demo("volunteer", "volunteer1@linli.local", "person-vol-00001", "志愿者一号"),
    Demo("grid worker (JJ-BY-C1)", "gridworker@linli.local", "person-jj-by-c1-grid-worker", "网格员 东山社区"),
    Demo("community dispatcher (JJ-BY-C1)", "dispatcher@linli.local", "person-jj-by-c1-dispatcher", "东山社区调度员"),
    Demo("district dispatcher (JJ)", "jj-dispatch@linli.local", "person-jj-dispatcher", "JJ Dispatcher", "en"),
    Demo("district dispatcher (JJ)", "district-dispatch@linli.local", "person-district-dispatcher", "区调度员"),
    Demo("organisation admin (JJ-BY-C1)", "admin@linli.local", "person-jj-by-c1-admin", "东山社区管理员"),
    Demo("organisation admin (JJ)", "district-admin@linli.local", "person-district-admin", "区管理员"),
    Demo("department liaison (JJ-POLICE)", "police@linli.local", "person-jj-police-liaison", "公安分局联络员"),
    Demo("unit liaison (JJ-HOUSING)", "housing@linli.local", "person-jj-housing-liaison", "住建局联络员"),
    Demo("operator", "operator@linli.local", "person-operator", "Platform Operator", "en"),
)

#: (person, organisation code, role): grants the other seeds rely on without making them.
GRANTS = (
    ("person-jj-by-c1-grid-worker", "JJ-BY-C1", R.ORGANIZATION_ROLE_GRID_WORKER),
    ("person-jj-dispatcher", "JJ", R.ORGANIZATION_ROLE_DISPATCHER),
    ("person-jj-police-liaison", "JJ-POLICE", R.ORGANIZATION_ROLE_LIAISON),
    ("person-jj-housing-liaison", "JJ-HOUSING", R.ORGANIZATION_ROLE_LIAISON),
)

AGENCY = ("Jiaojiang 12345 hotline (demo)", "JJ", ["agency", "open311_client"])


def demo_key_id(secret: str) -> str:
    return hashlib.sha256(f"linli-demo-agency:{secret}".encode()).hexdigest()[:16]


def grant_roles(stub: organizations_pb2_grpc.OrganizationServiceStub) -> dict[str, str]:
    """Makes the GRANTS (idempotent); returns organisation ids by code."""
    codes = {code for _, code, _ in GRANTS} | {AGENCY[1]}
    org_ids = {
        code: stub.GetOrganization(organizations_pb2.GetOrganizationRequest(code=code), timeout=10).id for code in codes
    }
    metadata = tokens.ops_metadata("seed", "operator")
    for person, code, role in GRANTS:
        stub.GrantRole(
            organizations_pb2.GrantRoleRequest(
                idempotency_key=f"seed:{person}:{role}", person_id=person, organization_id=org_ids[code], role=role
            ),
            metadata=metadata,
            timeout=10,
        )
    return org_ids


def seed_accounts(state: auth.Auth, password: str) -> int:
    created = 0
    for demo in DEMO_ACCOUNTS:
        try:
            state.accounts.register(
                login=demo.login,
                password=password,
                display_name=demo.display_name,
                language=demo.language,
                person_id=demo.person_id,
            )
            created += 1
        except AlreadyExists:
            pass
    return created


def seed_api_key(state: auth.Auth, organization_id: str, secret: str) -> str:
    key_id = demo_key_id(secret)
    if state.accounts.api_key(key_id) is None:
        name, _, roles = AGENCY
        key = ApiKey(
            id=key_id,
            name=name,
            organization_id=organization_id,
            roles=api_key_roles(organization_id, roles),
            secret_digest=digest(secret),
            rate_limit=state.settings.api_key_rate_limit,
            created_by="seed",
            created_at=dt.datetime.now(dt.UTC),
        )
        state.accounts.restore_api_key(key)
    return f"lk_{key_id}_{secret}"


def main() -> int:
    config = GatewayConfig.from_env()
    configure_logging("gateway-seed", config.log_level)
    password = os.environ.get("LINLI_DEMO_PASSWORD", DEFAULT_PASSWORD)
    secret = os.environ.get("LINLI_DEMO_API_KEY_SECRET", DEFAULT_KEY_SECRET)
    state = auth.build(config)
    with grpc.insecure_channel(config.organizations_addr) as channel:
        grpc.channel_ready_future(channel).result(timeout=30)
        org_ids = grant_roles(organizations_pb2_grpc.OrganizationServiceStub(channel))
    created = seed_accounts(state, password)
    key = seed_api_key(state, org_ids[AGENCY[1]], secret)
    log.info("demo accounts seeded", extra={"new_accounts": created})
    print(f"Demo accounts (password for all: {password}):")
    for demo in DEMO_ACCOUNTS:
        print(f"  {demo.role:<34} {demo.login:<32} person {demo.person_id}")
    print(f"  {'agency API key (X-Api-Key)':<34} {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
