"""信息报送: 情况报告, 专报, 简报 and 突发事件报告 (首报/续报/终报), and 呈报 of a matter.

- Each report is numbered per year and kind ("简报〔2027〕第12期") when it is created, from the
  numbering service's counter (``next_seq``: a locked row, so two writers on PostgreSQL never
  take the same number, and a failed save uses none). Each terminal keeps its own series; a
  terminal other than the center's own "A" puts its code in the number ("简报〔2027〕B第3期"),
  so reports brought in by exchange bundles never collide with the center's.
- A draft can be edited; the director (or deputy) signs it (签发), which freezes it and puts
  the signer on the printed page (GB/T 9704, the layout of the minutes).
- 突发事件报告 belong to a 突发事件 of the duty log: one 首报, then 续报, then one 终报; a signed
  首报 takes the event off the red banner.
- 呈报: a matter is sent up to a named higher body with a reason, linked to a report; the
  matter's timeline shows it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import (
    DutyLogEntry,
    EventKind,
    Matter,
    MatterEscalation,
    ReportAttachment,
    ReportKind,
    ReportStage,
    UpwardReport,
)
from app.models.base import now
from app.services.center.settings import load_settings
from app.services.context import Actor
from app.services.reception import timeline
from app.services.reception.attachments import checked_file, in_database, store_blob, store_file
from app.services.reception.numbering import next_seq
from app.services.security import audit
from app.services.security.permissions import Action, require
from app.services.validation import validate_text

URGENCIES = ("", "特急", "加急")
SECRECIES = ("", "秘密", "机密")


@dataclass
class ReportInput:
    kind: ReportKind
    title: str
    body: str = ""
    stage: ReportStage | None = None
    attachments: str = ""
    recipient: str = ""
    copy_no: str = ""
    secrecy: str = ""
    urgency: str = ""
    distribution: str = ""
    duty_entry_id: uuid.UUID | None = None


@dataclass(frozen=True)
class ReportRow:
    id: uuid.UUID
    number: str
    kind: ReportKind
    stage: ReportStage | None
    title: str
    created_at: datetime
    signed_at: datetime | None
    signer: str

    @property
    def kind_text(self) -> str:
        return f"{self.kind.label}（{self.stage.label}）" if self.stage else self.kind.label

    @property
    def status(self) -> str:
        return "已签发" if self.signed_at else "草稿"


COUNTER_PREFIX = "RPT-"  # the numbering counters' prefix, + the kind (migration 0024)
CENTER_TERMINAL = "A"  # the center's own terminal code (the settings' default)


def number_for(kind: ReportKind, year: int, seq: int, terminal: str = CENTER_TERMINAL) -> str:
    code = "" if terminal == CENTER_TERMINAL else terminal
    return f"{kind.label}〔{year}〕{code}第{seq}期"


def _clean(data: ReportInput) -> ReportInput:
    problems: dict[str, str] = {}

    def text(key: str, label: str, required: bool = False, max_len: int = 20000) -> str:
        try:
            return validate_text(getattr(data, key), key, label, required=required, max_len=max_len)
        except ValidationError as err:
            problems.update(err.fields)
            return ""

    title = text("title", "标题", True, 120)
    body = text("body", "正文")
    attachments = text("attachments", "附件", max_len=2000)
    recipient = text("recipient", "主送机关", max_len=120)
    copy_no = text("copy_no", "份号", max_len=8)
    distribution = text("distribution", "抄送", max_len=255)
    if copy_no and not copy_no.isdigit():
        problems["copy_no"] = "份号应为数字，如 000001"
    if data.secrecy not in SECRECIES:
        problems["secrecy"] = "密级只能是 秘密 或 机密（不涉密请留空）"
    if data.urgency not in URGENCIES:
        problems["urgency"] = "紧急程度只能是 特急 或 加急（一般请留空）"
    if data.kind == ReportKind.EMERGENCY:
        if data.stage is None:
            problems["stage"] = "突发事件报告请选择首报、续报或终报"
        if data.duty_entry_id is None:
            problems["duty_entry"] = "突发事件报告请选择对应的突发事件"
    elif data.stage is not None or data.duty_entry_id is not None:
        problems["stage"] = "只有突发事件报告才分首报、续报、终报"
    if problems:
        raise ValidationError(problems)
    return ReportInput(
        data.kind,
        title,
        body,
        data.stage,
        attachments,
        recipient,
        copy_no.zfill(6) if copy_no else "",
        data.secrecy,
        data.urgency,
        distribution,
        data.duty_entry_id,
    )


def _stage_check(session: Session, data: ReportInput, report_id: uuid.UUID | None) -> None:
    """首报 once per event; 续报 and 终报 only after a signed 首报; nothing after 终报."""
    if data.kind != ReportKind.EMERGENCY:
        return
    entry = session.get(DutyLogEntry, data.duty_entry_id)
    if entry is None or entry.emergency_level is None:
        raise ValidationError({"duty_entry": "所选值班记录不是突发事件，请先标记为突发事件"})
    others = [
        r
        for r in session.scalars(
            select(UpwardReport).where(UpwardReport.duty_entry_id == data.duty_entry_id)
        )
        if r.id != report_id
    ]
    stages = {r.stage for r in others}
    if ReportStage.FINAL in stages:
        raise ValidationError({"stage": "该突发事件已有终报，不能再报"})
    if data.stage == ReportStage.FIRST and ReportStage.FIRST in stages:
        raise ValidationError({"stage": "该突发事件已有首报，请选择续报或终报"})
    if data.stage != ReportStage.FIRST and not any(
        r.stage == ReportStage.FIRST and r.signed_at for r in others
    ):
        raise ValidationError({"stage": "请先签发该突发事件的首报，再写续报或终报"})


def _get(session: Session, report_id: uuid.UUID) -> UpwardReport:
    r = session.get(UpwardReport, report_id)
    if r is None:
        raise NotFound("找不到该报告，请刷新列表。")
    return r


def _fill(r: UpwardReport, data: ReportInput) -> None:
    for key in (
        "title",
        "body",
        "stage",
        "attachments",
        "recipient",
        "copy_no",
        "secrecy",
        "urgency",
        "distribution",
        "duty_entry_id",
    ):
        setattr(r, key, getattr(data, key))
    r.updated_at = now()


def _row(r: UpwardReport) -> ReportRow:
    return ReportRow(r.id, r.number, r.kind, r.stage, r.title, r.created_at, r.signed_at, r.signer)


@write_op(Change.REPORTS)
def create_report(session: Session, actor: Actor, data: ReportInput) -> ReportRow:
    require(actor, Action.WRITE_REPORTS)
    data = _clean(data)
    _stage_check(session, data, None)
    year = now().year
    terminal = load_settings(session).terminal
    seq = next_seq(session, COUNTER_PREFIX + data.kind.value, year, terminal)
    r = UpwardReport(
        kind=data.kind,
        year=year,
        terminal=terminal,
        seq=seq,
        number=number_for(data.kind, year, seq, terminal),
        created_by=actor.user_id,
        created_at=now(),
    )
    _fill(r, data)
    session.add(r)
    session.flush()
    audit.record(
        session, actor, "report_create", object_type="report", object_id=r.id, reason=r.number
    )
    return _row(r)


@write_op(Change.REPORTS)
def save_report(
    session: Session, actor: Actor, report_id: uuid.UUID, data: ReportInput
) -> ReportRow:
    require(actor, Action.WRITE_REPORTS)
    r = _get(session, report_id)
    if r.signed_at is not None:
        raise ValidationError("已签发的报告不能修改。")
    if data.kind != r.kind:
        raise ValidationError({"kind": "报告种类在编号后不能更改，请另起一份"})
    data = _clean(data)
    _stage_check(session, data, r.id)
    _fill(r, data)
    session.flush()
    audit.record(session, actor, "report_save", object_type="report", object_id=r.id)
    return _row(r)


@write_op(Change.REPORTS, Change.DUTY)  # a signed 首报 takes the event off the banner
def sign_report(session: Session, actor: Actor, report_id: uuid.UUID) -> ReportRow:
    """签发: the director (or deputy) approves; the report is frozen from now on."""
    require(actor, Action.SIGN_REPORTS)
    r = _get(session, report_id)
    if r.signed_at is not None:
        raise ValidationError("这份报告已经签发过了。")
    if not r.body.strip():
        raise ValidationError({"body": "正文为空，不能签发"})
    r.signed_at = now()
    r.signed_by = actor.user_id
    r.signer = actor.display_name
    session.flush()
    audit.record(
        session, actor, "report_sign", object_type="report", object_id=r.id, reason=r.number
    )
    return _row(r)


@read_op
def report_input(session: Session, actor: Actor, report_id: uuid.UUID) -> ReportInput:
    require(actor, Action.WRITE_REPORTS)
    r = _get(session, report_id)
    return ReportInput(
        r.kind,
        r.title,
        r.body,
        r.stage,
        r.attachments,
        r.recipient,
        r.copy_no,
        r.secrecy,
        r.urgency,
        r.distribution,
        r.duty_entry_id,
    )


@read_op
def list_reports(
    session: Session,
    actor: Actor,
    query: str = "",
    kind: ReportKind | None = None,
    year: int | None = None,
) -> list[ReportRow]:
    """Reports, newest first; ``query`` searches the number, the title and the body."""
    require(actor, Action.WRITE_REPORTS)
    stmt = select(UpwardReport)
    if kind is not None:
        stmt = stmt.where(UpwardReport.kind == kind)
    if year is not None:
        stmt = stmt.where(UpwardReport.year == year)
    for word in query.split():
        like = f"%{word}%"
        stmt = stmt.where(
            or_(
                UpwardReport.number.like(like),
                UpwardReport.title.like(like),
                UpwardReport.body.like(like),
            )
        )
    stmt = stmt.order_by(UpwardReport.created_at.desc(), UpwardReport.seq.desc())
    return [_row(r) for r in session.scalars(stmt)]


@read_op
def find_report(session: Session, actor: Actor, number: str) -> uuid.UUID:
    require(actor, Action.WRITE_REPORTS)
    rid = session.scalar(select(UpwardReport.id).where(UpwardReport.number == number.strip()))
    if rid is None:
        raise NotFound(f"没有编号为“{number}”的报告（编号如：简报〔2027〕第1期）。")
    return rid


@read_op
def figures_text(session: Session, actor: Actor, since: date, until: date) -> str:
    """The period's figures from the statistics services, as a draft paragraph to edit (the
    same figures as the meetings' situation draft)."""
    require(actor, Action.WRITE_REPORTS)
    from app.services.meetings.meetings import figures_draft

    text = figures_draft(session, actor, since, until).as_text()
    return "\n".join(line for line in text.splitlines() if not line.startswith("研判意见"))


# --- attachments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFile:
    id: uuid.UUID
    file_name: str
    size: int
    added_at: datetime


def _files(session: Session, report_id: uuid.UUID) -> list[ReportAttachment]:
    return list(
        session.scalars(
            select(ReportAttachment)
            .where(ReportAttachment.report_id == report_id)
            .order_by(ReportAttachment.added_at, ReportAttachment.file_name)
        )
    )


@read_op
def report_files(session: Session, actor: Actor, report_id: uuid.UUID) -> list[ReportFile]:
    require(actor, Action.WRITE_REPORTS)
    return [ReportFile(a.id, a.file_name, a.size, a.added_at) for a in _files(session, report_id)]


@write_op(Change.REPORTS)
def add_report_file(
    session: Session, actor: Actor, report_id: uuid.UUID, source: Path, folder: Path
) -> ReportFile:
    """A file kept with a draft report (the attachment store of matters, by content hash)."""
    require(actor, Action.WRITE_REPORTS)
    r = _get(session, report_id)
    if r.signed_at is not None:
        raise ValidationError("已签发的报告不能再添加附件。")
    sha, size = store_file(Path(source), folder)
    if in_database(session):  # on a shared server every terminal opens it
        store_blob(session, sha, Path(folder, sha[:2], sha).read_bytes())
    a = ReportAttachment(
        report_id=r.id,
        file_name=Path(source).name[:255],
        sha256=sha,
        size=size,
        added_by=actor.user_id,
        added_at=now(),
    )
    session.add(a)
    session.flush()
    audit.record(
        session,
        actor,
        "report_attachment_add",
        object_type="report",
        object_id=r.id,
        reason=f"{a.file_name} {sha}",
    )
    return ReportFile(a.id, a.file_name, a.size, a.added_at)


@write_op(Change.REPORTS)
def remove_report_file(session: Session, actor: Actor, attachment_id: uuid.UUID) -> None:
    """Take a file off a draft report (the stored copy stays: others may share its content)."""
    require(actor, Action.WRITE_REPORTS)
    a = session.get(ReportAttachment, attachment_id)
    if a is None:
        raise NotFound("找不到该附件，请刷新。")
    if _get(session, a.report_id).signed_at is not None:
        raise ValidationError("已签发的报告不能移除附件。")
    session.delete(a)
    audit.record(
        session,
        actor,
        "report_attachment_remove",
        object_type="report",
        object_id=a.report_id,
        reason=a.file_name,
    )


@write_op()
def report_file_path(
    session: Session, actor: Actor, attachment_id: uuid.UUID, folder: Path
) -> Path:
    """The stored file, checked against its hash, to open."""
    require(actor, Action.WRITE_REPORTS)
    a = session.get(ReportAttachment, attachment_id)
    if a is None:
        raise NotFound("找不到该附件。")
    path = checked_file(folder, a.sha256, a.file_name, session)
    audit.record(
        session, actor, "report_attachment_open", object_type="report", object_id=a.report_id
    )
    return path


@write_op(Change.REPORTS)
def save_report_with_files(
    session: Session,
    actor: Actor,
    report_id: uuid.UUID | None,
    data: ReportInput,
    add: list[Path],
    remove: list[uuid.UUID],
    folder: Path,
) -> ReportRow:
    """The report form's 确定: the report created or saved, and its files added and removed,
    in one transaction (a refused file saves nothing)."""
    if report_id is None:
        row = create_report(session, actor, data)
    else:
        row = save_report(session, actor, report_id, data)
    for attachment_id in remove:
        remove_report_file(session, actor, attachment_id)
    for path in add:
        add_report_file(session, actor, row.id, path, folder)
    return row


# --- 呈报 ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationRow:
    matter_id: uuid.UUID
    matter_number: str
    body: str
    reason: str
    report_number: str
    at: datetime


@write_op(Change.REPORTS, Change.MATTERS)
def escalate_matter(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    body: str,
    reason: str,
    report_id: uuid.UUID,
) -> None:
    """呈报 a matter to a named higher body, with the reason and the report it goes with."""
    require(actor, Action.WRITE_REPORTS)
    matter = session.get(Matter, matter_id)
    if matter is None:
        raise NotFound("找不到该事项，请刷新列表。")
    problems: dict[str, str] = {}
    try:
        body = validate_text(body, "body", "呈报机关", required=True, max_len=64)
    except ValidationError as err:
        problems.update(err.fields)
    try:
        reason = validate_text(reason, "reason", "呈报理由", required=True, max_len=2000)
    except ValidationError as err:
        problems.update(err.fields)
    if problems:
        raise ValidationError(problems)
    report = _get(session, report_id)
    at = now()
    session.add(
        MatterEscalation(
            matter_id=matter.id,
            body=body,
            reason=reason,
            report_id=report.id,
            at=at,
            by_user_id=actor.user_id,
        )
    )
    timeline.record(
        session,
        actor,
        matter,
        EventKind.ESCALATED,
        f"呈报{body}（{report.number}）：{reason}",
        audit_event="matter_escalate",
        at=at,
        reason=report.number,
    )


@read_op
def escalations(session: Session, actor: Actor, report_id: uuid.UUID) -> list[EscalationRow]:
    require(actor, Action.WRITE_REPORTS)
    report = _get(session, report_id)
    return [
        EscalationRow(m.id, m.number, e.body, e.reason, report.number, e.at)
        for e, m in session.execute(
            select(MatterEscalation, Matter)
            .join(Matter, Matter.id == MatterEscalation.matter_id)
            .where(MatterEscalation.report_id == report_id)
            .order_by(MatterEscalation.at)
        )
    ]


# --- printing ---------------------------------------------------------------------------------


@read_op
def report_data(session: Session, actor: Actor, report_id: uuid.UUID):
    from app.reports.upward import UpwardData

    require(actor, Action.WRITE_REPORTS)
    r = _get(session, report_id)
    s = load_settings(session)
    return UpwardData(
        center_name=s.center_name,
        kind=r.kind.label,
        stage=r.stage.label if r.stage else "",
        number=r.number,
        title=r.title,
        body=r.body,
        attachments=_attachment_lines(r, _files(session, r.id)),
        recipient=r.recipient,
        copy_no=r.copy_no,
        secrecy=r.secrecy,
        urgency=r.urgency,
        signer=r.signer,
        signed_on=r.signed_at.date() if r.signed_at else None,
        distribution=r.distribution,
    )


def _attachment_lines(r: UpwardReport, files: list[ReportAttachment]) -> list[str]:
    """附件说明: the lines typed, then each file kept with the report that they do not name
    already (by its name without the extension)."""
    lines = [a.strip() for a in r.attachments.splitlines() if a.strip()]
    for f in files:
        stem = Path(f.file_name).stem
        if not any(stem in line for line in lines):
            lines.append(stem)
    return lines


@write_op()
def report_pdf(session: Session, actor: Actor, report_id: uuid.UUID) -> tuple[str, bytes]:
    from app.reports.upward import render_upward

    data = report_data(session, actor, report_id)
    pdf = render_upward(data)
    audit.record(session, actor, "report_print", object_type="report", object_id=report_id)
    return data.number, pdf


@write_op(Change.REPORTS, Change.MATTERS)
def escalate_by_number(
    session: Session, actor: Actor, number: str, body: str, reason: str, report_id: uuid.UUID
) -> uuid.UUID:
    """呈报 the matter with this 受理编号 (as typed on the form)."""
    from app.services.reception.detail import find_matter_id

    if not number.strip():
        raise ValidationError({"matter": "请填写要呈报事项的受理编号"})
    try:
        matter_id = find_matter_id(session, actor, number)
    except NotFound as exc:
        raise ValidationError({"matter": exc.message}) from exc
    escalate_matter(session, actor, matter_id, body, reason, report_id)
    return matter_id
