"""The domain's enums as protobuf enums (``linli/v1/requests.proto``): their value names in
the JSON mapping (``REQUEST_STATUS_SUBMITTED``) and, from a message, their numbers.

The ``.proto`` is the one source of the numbers: they are read from the generated
descriptors, never repeated here. A domain member ``X`` of an enum with prefix ``P`` is the
protobuf value ``P_X``; ``P_UNSPECIFIED`` (0) has no domain member.
"""

from __future__ import annotations

import enum
from typing import Final, TypeVar

from linli.requests.domain.model import (
    AssigneeKind,
    AttachmentKind,
    Channel,
    DeadlineKind,
    EscalationTrigger,
    OfferStatus,
    PartyKind,
    RedactableField,
    ResidentGroup,
    RoundTableOutcome,
    Status,
    Urgency,
    VisitCadence,
)
from linli.requests.domain.statistics import Dimension, Granularity
from linli.v1 import requests_pb2

E = TypeVar("E", bound=enum.Enum)

#: Domain enum -> (protobuf enum, value-name prefix).
PROTO_ENUMS: Final[dict[type[enum.Enum], tuple[str, str]]] = {
    Status: ("RequestStatus", "REQUEST_STATUS"),
    Urgency: ("Urgency", "URGENCY"),
    Channel: ("Channel", "CHANNEL"),
    ResidentGroup: ("ResidentGroup", "RESIDENT_GROUP"),
    AttachmentKind: ("AttachmentKind", "ATTACHMENT_KIND"),
    AssigneeKind: ("AssigneeKind", "ASSIGNEE_KIND"),
    OfferStatus: ("OfferStatus", "OFFER_STATUS"),
    DeadlineKind: ("DeadlineKind", "DEADLINE_KIND"),
    EscalationTrigger: ("EscalationTrigger", "ESCALATION_TRIGGER"),
    RoundTableOutcome: ("RoundTableOutcome", "ROUND_TABLE_OUTCOME"),
    PartyKind: ("PartyKind", "PARTY_KIND"),
    RedactableField: ("RedactableField", "REDACTABLE_FIELD"),
    VisitCadence: ("VisitCadence", "VISIT_CADENCE"),
    Dimension: ("StatisticsDimension", "STATISTICS_DIMENSION"),
    Granularity: ("PeriodGranularity", "PERIOD_GRANULARITY"),
}

_NAMES: Final[dict[enum.Enum, str]] = {
    member: f"{prefix}_{member.name}" for kind, (_, prefix) in PROTO_ENUMS.items() for member in kind
}


def wire_name(value: enum.Enum) -> str:
    """The protobuf value name, as the JSON mapping writes it."""
    return _NAMES[value]


def from_number(kind: type[E], number: int) -> E:
    """The domain member of a protobuf enum number (ValueError when there is none)."""
    proto, prefix = PROTO_ENUMS[kind]
    found = requests_pb2.DESCRIPTOR.enum_types_by_name[proto].values_by_number.get(number)
    name = found.name.removeprefix(f"{prefix}_") if found is not None else ""
    try:
        return kind[name]
    except KeyError:
        raise ValueError(f"{number} is not a {kind.__name__}") from None
