"""调解案件 · input."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from app.models import (
    AgreementKind,
    AgreementStatus,
    CaseRoom,
    CaseSource,
    CaseStatus,
    DisputeType,
    FollowUpMethod,
    MediationForm,
    PartyKind,
    PartyRole,
    Performance,
    Satisfaction,
    ViolenceRisk,
)


@dataclass
class PartyInput:
    role: PartyRole
    name: str
    kind: PartyKind = PartyKind.PERSON
    sex: str = ""
    ethnicity: str = ""
    age: int | None = None
    occupation: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    representative: str = ""
    agent_name: str = ""
    agent_kind: str = ""  # 委托代理人 / 法定代理人
    agent_phone: str = ""
    workplace: str = ""  # 工作单位 of a person
    representative_title: str = ""  # 职务 of an organisation's 法定代表人 / 负责人


@dataclass
class CaseInput:
    room: CaseRoom
    dispute_type: DisputeType
    facts: str
    parties: list[PartyInput]
    mediator_ids: list[uuid.UUID] = field(default_factory=list)  # the first one leads
    source: CaseSource = CaseSource.APPLIED
    referred_by: str = ""
    form: MediationForm = MediationForm.PEOPLE
    title: str = ""
    requests: str = ""
    amount: str | Decimal | None = None  # 争议金额 in yuan
    relationship: str = ""  # family room
    violence_risk: ViolenceRisk | None = None  # family room


@dataclass
class StatementInput:
    speaker: str
    text: str


@dataclass
class RecordInput:
    at: datetime
    place: str = ""
    attendees: str = ""
    recorder: str = ""
    rights_told: bool = False
    facts_checked: str = ""
    risks_warned: str = ""
    result: str = ""
    next_step: str = ""
    statements: list[StatementInput] = field(default_factory=list)


@dataclass
class AgreementInput:
    kind: AgreementKind
    facts: str
    terms: list[str]
    performance_method: str = ""
    performance_deadline: date | None = None


@dataclass
class FollowUpInput:
    done_on: date
    method: FollowUpMethod
    visited: str
    performance: Performance
    satisfaction: Satisfaction | None = None
    lawsuit: bool = False
    escalation: str = ""
    measures: str = ""


@dataclass
class MinorInput:
    name: str
    sex: str = ""
    age: int | None = None
    relation: str = ""
    note: str = ""


@dataclass(frozen=True)
class CaseRef:
    id: uuid.UUID
    number: str
    status: CaseStatus


@dataclass(frozen=True)
class AgreementRef:
    id: uuid.UUID
    number: str
    version: int
    status: AgreementStatus
