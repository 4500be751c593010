"""调解案件 · validation."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import ValidationError
from app.models import (
    CaseMediator,
    CaseParty,
    CaseRoom,
    CaseSource,
    DisputeType,
    MediationCase,
    MediationForm,
    PartyKind,
    PartyRole,
    Role,
    User,
    ViolenceRisk,
)
from app.services.rooms.mediation.common import _text, parse_amount
from app.services.rooms.mediation.inputs import CaseInput, PartyInput
from app.services.validation import (
    age_on,
    id_number_info,
    normalize_ethnicity,
    validate_id_number,
    validate_name,
    validate_phone,
)


def _clean_party(i: int, p: PartyInput, problems: dict[str, str]) -> PartyInput:
    key = f"parties[{i}]."
    who = f"第 {i + 1} 位当事人"
    try:
        role, kind = PartyRole(p.role), PartyKind(p.kind)
    except ValueError:
        problems[key + "role"] = f"请选择{who}的身份（申请人、被申请人或第三人）"
        role, kind = PartyRole.THIRD, PartyKind.PERSON
    name = (p.name or "").strip()
    if not name:
        problems[key + "name"] = f"请填写{who}的姓名或名称"
    elif kind == PartyKind.PERSON:
        try:
            name = validate_name(name, key + "name", 30, f"{who}的姓名")
        except ValidationError as err:
            problems.update(err.fields)
    else:
        name = _text(problems, key + "name", name, f"{who}的名称", max_len=64)
    id_number = ""
    if p.id_number.strip():
        try:
            id_number = validate_id_number(p.id_number)
        except ValidationError as err:
            problems[key + "id_number"] = f"{who}：{err.fields['id_number']}"
    phones = []
    for attr, label in (("phone", "电话"), ("agent_phone", "代理人电话")):
        value = getattr(p, attr)
        try:
            phones.append(validate_phone(value) if value.strip() else "")
        except ValidationError as err:
            problems[key + attr] = f"{who}的{label}：{err.fields['phone']}"
            phones.append("")
    sex, age = p.sex, p.age
    if age is not None and not 0 <= age <= 130:
        problems[key + "age"] = f"{who}的年龄不合理，请核对"
    if sex not in ("", "男", "女"):
        problems[key + "sex"] = f"{who}的性别请填“男”或“女”"
    elif kind == PartyKind.PERSON and len(id_number) == 18:
        # 性别 and 年龄 follow from the number (GB 11643): filled in, or a contradiction refused.
        born, id_sex = id_number_info(id_number)
        id_age = age_on(born, clock.today())
        if sex and sex != id_sex:
            problems[key + "sex"] = (
                f"{who}的性别填的是“{sex}”，但身份证号第17位表示{id_sex}性，请核对性别或身份证号"
            )
        if age is not None and age not in (id_age, id_age - 1) and key + "age" not in problems:
            problems[key + "age"] = (
                f"{who}的年龄填的是 {age} 岁，但身份证号中的出生日期是 "
                f"{born:%Y-%m-%d}（{id_age} 岁），请核对年龄或身份证号"
            )
        sex, age = id_sex, id_age
    ethnicity = normalize_ethnicity(p.ethnicity)
    if ethnicity is None:
        problems[key + "ethnicity"] = (
            f"{who}的民族“{p.ethnicity}”不是56个民族之一，请从列表中选择（如 汉族、畲族）"
        )
        ethnicity = ""

    def t(attr, label, max_len):
        return _text(problems, key + attr, getattr(p, attr), f"{who}的{label}", max_len=max_len)

    return PartyInput(
        role=role,
        name=name,
        kind=kind,
        sex=sex,
        ethnicity=ethnicity,
        age=age,
        occupation=t("occupation", "职业", 64),
        workplace=t("workplace", "工作单位", 64),
        representative_title=t("representative_title", "法定代表人的职务", 32),
        id_number=id_number,
        phone=phones[0],
        address=t("address", "住址或单位地址", 120),
        representative=t("representative", "法定代表人或负责人", 64),
        agent_name=t("agent_name", "代理人", 64),
        agent_kind=t("agent_kind", "代理类型", 16),
        agent_phone=phones[1],
    )


def _clean_case(session: Session, data: CaseInput) -> tuple[CaseInput, int | None]:
    problems: dict[str, str] = {}
    try:
        room = CaseRoom(data.room)
        dispute = DisputeType(data.dispute_type)
        source = CaseSource(data.source)
        form = MediationForm(data.form)
    except ValueError:
        raise ValidationError("请选择调解室、纠纷类型、案件来源和调解形式") from None
    facts = _text(problems, "facts", data.facts, "纠纷简要情况", required=True, max_len=5000)
    requests = _text(problems, "requests", data.requests, "申请事项", max_len=3000)
    title = _text(problems, "title", data.title, "案件名称", max_len=120)
    referred_by = _text(problems, "referred_by", data.referred_by, "移送单位", max_len=64)
    if source == CaseSource.REFERRED and not referred_by:
        problems["referred_by"] = "委托移送的案件请填写移送单位（如派出所、人民法院）"
    if not data.parties:
        problems["parties"] = "请至少填写一位当事人"
    parties = [_clean_party(i, p, problems) for i, p in enumerate(data.parties)]
    roles = {p.role for p in parties}
    if parties and PartyRole.APPLICANT not in roles:
        problems.setdefault("parties", "请至少有一位申请人（主动调解时，填纠纷一方为申请人）")
    mediators = list(dict.fromkeys(data.mediator_ids))
    if not mediators:
        problems["mediators"] = "请指定主调解员"
    for uid in mediators:
        u = session.get(User, uid)
        if (
            u is None
            or not u.active
            or u.role not in (Role.MEDIATOR, Role.DIRECTOR, Role.DEPUTY_DIRECTOR)
        ):
            problems["mediators"] = "调解员只能从在岗的调解员（或主任）中选择"
    try:
        amount = parse_amount(data.amount)
    except ValidationError as err:
        problems.update(err.fields)
        amount = None
    relationship = _text(
        problems, "relationship", data.relationship, "当事人之间的关系", max_len=64
    )
    risk = None
    if room == CaseRoom.FAMILY:
        risk = ViolenceRisk(data.violence_risk or ViolenceRisk.NONE)
        if not relationship:
            problems["relationship"] = "家事案件请填写当事人之间的关系（如夫妻、父子、兄妹）"
    if problems:
        raise ValidationError(problems)
    return (
        CaseInput(
            room=room,
            dispute_type=dispute,
            facts=facts,
            parties=parties,
            mediator_ids=mediators,
            source=source,
            referred_by=referred_by,
            form=form,
            title=title,
            requests=requests,
            amount=None,
            relationship=relationship,
            violence_risk=risk,
        ),
        amount,
    )


def default_title(parties: list[PartyInput], dispute: DisputeType) -> str:
    first = {r: [p.name for p in parties if p.role == r] for r in PartyRole}
    a = "、".join(first[PartyRole.APPLICANT][:2])
    b = "、".join(first[PartyRole.RESPONDENT][:2])
    who = f"{a}与{b}" if b else a
    return f"{who}{dispute.label}纠纷"[:120]


def _fill(c: MediationCase, data: CaseInput, amount: int | None) -> None:
    c.dispute_type, c.form, c.source = data.dispute_type, data.form, data.source
    c.referred_by = data.referred_by
    c.facts, c.requests, c.amount_cents = data.facts, data.requests, amount
    c.title = data.title or default_title(data.parties, data.dispute_type)
    if c.room == CaseRoom.FAMILY:
        c.relationship_text, c.violence_risk = data.relationship, data.violence_risk
    else:
        c.relationship_text = data.relationship or None
    c.parties.clear()
    for i, p in enumerate(data.parties):
        c.parties.append(
            CaseParty(
                position=i,
                role=p.role,
                kind=p.kind,
                name=p.name,
                sex=p.sex,
                ethnicity=p.ethnicity,
                age=p.age,
                occupation=p.occupation,
                workplace=p.workplace,
                id_number=p.id_number,
                phone=p.phone,
                address=p.address,
                representative=p.representative,
                representative_title=p.representative_title,
                agent_name=p.agent_name,
                agent_kind=p.agent_kind,
                agent_phone=p.agent_phone,
            )
        )
    c.mediators.clear()
    for i, uid in enumerate(data.mediator_ids):
        c.mediators.append(CaseMediator(user_id=uid, is_lead=i == 0))
