"""文书: the documents a matter has produced, listed on the matter and printed again.

A matter's documents follow from what is stored about it: the 受理回执 from its registration,
the 受理告知书 of a 信访 matter from its 分流交办 (accepted and forwarded), the 不予受理告知书
from its 不予受理 step, a 延期办理告知书 from each 延期 step, a 督办单 from each supervision
order. Each is rendered from those stored rows as they stood when the document was made — the
reason and the dates written on the step, the order as issued — never from the matter's state
today, so a reprint is the same paper as the first print (docs/DOMAIN.md §4).

Every print — here, the receipt at the window, the 督办单 at issue — is recorded on the matter's
timeline (``timeline.record_print``: "打印…", again "补打…") with its audit row, and the prints
are counted from there; an archived matter's timeline is closed, so there a print is only
audited (and not counted).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import NotFound, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import (
    Category,
    Channel,
    EventKind,
    Matter,
    MatterEvent,
    PetitionReview,
    SupervisionOrder,
)
from app.models.enums import LabelledEnum, ReviewKind
from app.reports.contents import (
    REPORT_FOR_DOCUMENT,
    NoticeData,
    Printable,
    format_date_cn,
    received_text,
    rendered_here,
)
from app.services.center.settings import CenterSettings, load_settings
from app.services.context import Actor
from app.services.reception import receipts, supervision, timeline
from app.services.reception.detail import MatterDetail, matter_detail
from app.services.security.permissions import Action, require


class DocKind(LabelledEnum):
    RECEIPT = ("receipt", "受理回执")
    ACCEPTANCE = ("acceptance", "受理告知书")
    REJECTION = ("rejection", "不予受理告知书")
    EXTENSION = ("extension", "延期办理告知书")
    SUPERVISION = ("supervision", "督办单")
    OPINION = ("opinion", "处理意见书")  # a 信访 matter's 办结 (or the answer from above)
    REVIEW = ("review", "复查/复核意见书")  # each decided PetitionReview
    COMPLETION = ("completion", "办结报告")  # a 上级交办 matter's report to the higher body


@dataclass(frozen=True)
class MatterDocument:
    """One document of a matter: ``key`` names it to ``document_pdf``."""

    key: str  # "receipt", "rejection:<event id>", "supervision:<order id>" …
    kind: DocKind
    title: str  # 受理回执, 督办单 BSDB2026-A-001, 延期办理告知书 …
    made_at: datetime  # when the step it comes from was taken
    about: str  # a short line: where it went, the reason, the new deadline …
    prints: int  # how many times it has been printed (the prints on its timeline)
    last_printed: datetime | None

    @property
    def printed_text(self) -> str:
        if not self.prints:
            return "未打印"
        return f"已打印 {self.prints} 次（最近 {self.last_printed:%Y-%m-%d %H:%M}）"


@read_op
def is_xinfang(session: Session, m: Matter) -> bool:
    """A 信访 matter: its category is marked 信访 in 中心资料 (``Category.is_xinfang``)."""
    return bool(session.get(Category, m.category_id).is_xinfang)


def _load(session: Session, matter_id: uuid.UUID) -> Matter:
    m = session.get(Matter, matter_id)
    if m is None:
        raise NotFound("找不到该事项，请刷新列表。")
    return m


def _short(text: str, n: int = 30) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _sources(
    session: Session, m: Matter, kind: DocKind | None = None
) -> list[tuple[str, DocKind, str, datetime, str]]:
    """(key, kind, title, made at, about) of every document the matter's records give (of
    ``kind`` only, when given: the others' records are not read)."""

    def wanted(k: DocKind) -> bool:
        return kind is None or kind == k

    events = receipts.events_of(m)
    out = []
    if wanted(DocKind.RECEIPT):
        registered = next((e for e in events if e.kind == EventKind.REGISTERED), None)
        unit, _handler, _deadline, answered = receipts.as_registered(session, m)
        about = "当场解答" if answered else (f"交{unit}办理" if unit else "待分流")
        made = registered.at if registered else m.received_at
        out.append(("receipt", DocKind.RECEIPT, "受理回执", made, about))
    routed = next((e for e in events if e.kind == EventKind.ROUTED), None)
    if wanted(DocKind.ACCEPTANCE) and routed is not None and is_xinfang(session, m):
        unit, _h = receipts.routed_to(routed.note)
        out.append(
            (
                f"acceptance:{routed.id}",
                DocKind.ACCEPTANCE,
                "受理告知书",
                routed.at,
                f"受理并转交{unit or '承办单位'}办理",
            )
        )
    for e in events:
        if e.kind == EventKind.REJECTED and wanted(DocKind.REJECTION):
            reason, _where = _rejection(e.note)
            title = "不予受理告知书"
            out.append((f"rejection:{e.id}", DocKind.REJECTION, title, e.at, _short(reason)))
    extensions = [e for e in events if e.kind == EventKind.EXTENDED and wanted(DocKind.EXTENSION)]
    for i, e in enumerate(extensions, 1):
        _old, new, _reason = receipts.extension_dates(e.note)
        title = "延期办理告知书" + (f"（第{i}次）" if len(extensions) > 1 else "")
        about = f"延至 {new:%Y-%m-%d}" if new else _short(e.note or "")
        out.append((f"extension:{e.id}", DocKind.EXTENSION, title, e.at, about))
    for e in events:
        if (
            e.kind in (EventKind.COMPLETED, EventKind.UPPER_RESULT)
            and wanted(DocKind.OPINION)
            and is_xinfang(session, m)
        ):
            out.append((f"opinion:{e.id}", DocKind.OPINION, "处理意见书", e.at, _short(e.note)))
        if (
            e.kind in (EventKind.COMPLETED, EventKind.UPPER_RESULT)
            and wanted(DocKind.COMPLETION)
            and m.channel == Channel.SUPERIOR
        ):
            out.append(
                (f"completion:{e.id}", DocKind.COMPLETION, "办结报告", e.at, m.superior_ref or "")
            )
    if wanted(DocKind.REVIEW):
        for r in session.scalars(
            select(PetitionReview)
            .where(PetitionReview.matter_id == m.id, PetitionReview.decided_at.is_not(None))
            .order_by(PetitionReview.requested_on)
        ):
            title = f"{r.kind.label}意见书"
            out.append((f"review:{r.id}", DocKind.REVIEW, title, r.decided_at, _short(r.opinion)))
    if wanted(DocKind.SUPERVISION):
        for o in session.scalars(
            select(SupervisionOrder)
            .where(SupervisionOrder.matter_id == m.id)
            .order_by(SupervisionOrder.issued_at)
        ):
            about = f"回复期限 {o.reply_by:%Y-%m-%d}" + ("，已回复" if o.reply is not None else "")
            title = supervision.order_title(o)
            out.append((f"supervision:{o.id}", DocKind.SUPERVISION, title, o.issued_at, about))
    return out


def _rejection(note: str | None) -> tuple[str, str]:
    """(reason, where to go) of a 不予受理 step ("理由；已告知：途径")."""
    note = note or ""
    reason, _sep, where = note.rpartition("；已告知：")
    return (reason, where) if reason else (note, "")


@read_op
def list_documents(
    session: Session, actor: Actor, matter_id: uuid.UUID, kind: DocKind | None = None
) -> list[MatterDocument]:
    """The documents ``matter_id`` has produced (of ``kind`` only, when given), in the order
    they were made."""
    require(actor, Action.VIEW_MATTERS)
    m = _load(session, matter_id)
    docs = _sources(session, m, kind)
    prints = {title: timeline.printed_before(m, title) for _key, _kind, title, *_ in docs}
    return sorted(
        (
            MatterDocument(
                key,
                kind,
                title,
                at,
                about,
                len(prints[title]),
                max(prints[title], default=None),
            )
            for key, kind, title, at, about in docs
        ),
        key=lambda d: d.made_at,
    )


# --- the notices ---------------------------------------------------------------------------


def _addressee(d) -> str:
    names = "、".join(p.name for p in d.persons)
    return names or "来访群众"


def _notice_base(session: Session, actor: Actor, m: Matter):
    d = matter_detail(session, actor, m.id, masked=True)
    s = load_settings(session)
    return d, s


def _notice(
    d: MatterDetail,
    s: CenterSettings,
    title: str,
    rows: list[tuple[str, str]],
    text: list[str],
    on: date,
    stub: list[tuple[str, str]],
) -> NoticeData:
    """A notice to the person(s) of matter ``d``, from the center: its stub (what the file
    keeps) starts with the 受理编号 and the person(s), then ``stub``."""
    return NoticeData(
        center_name=s.center_name,
        title=title,
        number=d.number,
        addressee=_addressee(d),
        rows=rows,
        text=text,
        issued_on=on,
        center_phone=s.center_phone or None,
        stub_rows=[("受理编号", d.number), ("群众", _addressee(d)), *stub],
    )


def _acceptance(session: Session, actor: Actor, m: Matter, event: MatterEvent) -> NoticeData:
    d, s = _notice_base(session, actor, m)
    unit, handler = receipts.routed_to(event.note)
    unit = unit or "承办单位"
    category = session.get(Category, m.category_id)
    deadline = receipts.deadline_before_extension(m, since=event.at)
    limit = f"{category.limit_days}日" if category.limit_days else "规定期限"
    rows = [
        ("受理时间", received_text(d.received_at, d.channel.label)),
        ("事项类别", d.category),
        ("反映事项", d.summary),
        ("受理日期", format_date_cn(event.at.date())),
        ("转交办理", unit + (f"（承办人：{handler}）" if handler else "")),
        (
            "办理程序",
            f"自受理之日起{limit}内办结，办理期限至{format_date_cn(deadline)}；"
            "情况复杂的，经批准可以适当延长，延长期限不超过30日，并告知延期理由。"
            "办结后书面答复。",
        ),
        ("首问责任人", d.receptionist),
        ("进度查询", receipts.query_hint(session, m) + f"（受理编号 {d.number}）"),
    ]
    text = [
        f"你（你们）于{format_date_cn(d.received_at)}以{d.channel.label}方式反映的事项，"
        f"本中心已于{format_date_cn(event.at.date())}依照《信访工作条例》受理，"
        f"并转交{unit}办理。现将有关事项告知如下。",
        "对书面答复的处理意见不服的，可以自收到书面答复之日起30日内请求原办理机关的"
        "上一级机关复查。",
    ]
    return _notice(
        d,
        s,
        "受理告知书",
        rows,
        text,
        event.at.date(),
        [
            ("受理日期", format_date_cn(event.at.date())),
            ("转交办理", unit),
            ("办理期限", format_date_cn(deadline)),
        ],
    )


def _rejection_notice(session: Session, actor: Actor, m: Matter, event: MatterEvent) -> NoticeData:
    d, s = _notice_base(session, actor, m)
    reason, where = _rejection(event.note)
    on = event.at.date()
    rows = [
        ("受理时间", received_text(d.received_at, d.channel.label)),
        ("事项类别", d.category),
        ("反映事项", d.summary),
        ("不予受理的理由", reason),
        ("办理途径", where or "—"),
        ("首问责任人", d.receptionist),
    ]
    text = [
        f"你（你们）于{format_date_cn(d.received_at)}以{d.channel.label}方式反映的事项，"
        f"经审查，本中心于{format_date_cn(on)}决定不予受理，理由见下表。",
        "你（你们）可以按下表所列途径反映或者办理。",
    ]
    return _notice(
        d,
        s,
        "不予受理告知书",
        rows,
        text,
        on,
        [
            ("决定日期", format_date_cn(on)),
            ("告知途径", where or "—"),
        ],
    )


def _extension_notice(session: Session, actor: Actor, m: Matter, event: MatterEvent) -> NoticeData:
    d, s = _notice_base(session, actor, m)
    old, new, reason = receipts.extension_dates(event.note)
    unit = ""
    for e in receipts.events_of(m):  # the unit handling it when the deadline was moved
        if e.at > event.at:
            break
        if e.kind == EventKind.ROUTED:
            unit, _h = receipts.routed_to(e.note)
    on = event.at.date()
    rows = [
        ("受理时间", received_text(d.received_at, d.channel.label)),
        ("事项类别", d.category),
        ("反映事项", d.summary),
        ("承办单位", unit or "—"),
        ("原办理期限", format_date_cn(old) if old else "—"),
        ("延长至", format_date_cn(new) if new else "—"),
        ("延期理由", reason or "—"),
    ]
    moved = (
        f"办理期限由{format_date_cn(old)}延长至{format_date_cn(new)}"
        if old and new
        else "办理期限延长"
    )
    text = [
        f"你（你们）于{format_date_cn(d.received_at)}以{d.channel.label}方式反映的事项，"
        f"因情况复杂需要延期办理，经本中心批准，{moved}。",
        "我们将在延长的期限内办结，并向你（你们）反馈办理结果。",
    ]
    return _notice(
        d,
        s,
        "延期办理告知书",
        rows,
        text,
        on,
        [
            ("原办理期限", format_date_cn(old) if old else "—"),
            ("延长至", format_date_cn(new) if new else "—"),
        ],
    )


def _opinion_notice(session: Session, actor: Actor, m: Matter, event: MatterEvent) -> NoticeData:
    """处理意见书: the written answer to a 信访 matter (its 办理结果 as recorded on 办结)."""
    d, s = _notice_base(session, actor, m)
    on = event.at.date()
    result = event.note or m.result or ""
    if event.kind == EventKind.UPPER_RESULT:
        result = result.partition("收到反馈：")[2] or result
    rows = [
        ("受理时间", received_text(d.received_at, d.channel.label)),
        ("事项类别", d.category),
        ("反映事项", d.summary),
        ("办理单位", d.unit or "本中心"),
        ("处理意见", result),
        ("出具日期", format_date_cn(on)),
    ]
    text = [
        f"你（你们）于{format_date_cn(d.received_at)}以{d.channel.label}方式反映的事项，"
        "经调查核实，现提出处理意见如下。",
        "对本处理意见不服的，可以自收到本意见书之日起30日内请求原办理机关的上一级机关复查。",
    ]
    return _notice(
        d,
        s,
        "处理意见书",
        rows,
        text,
        on,
        [
            ("出具日期", format_date_cn(on)),
            ("复查期限", format_date_cn(on + timedelta(days=30))),
        ],
    )


def _review_notice(session: Session, actor: Actor, m: Matter, review: PetitionReview) -> NoticeData:
    """复查意见书 / 复核意见书 of a decided PetitionReview, as stored."""
    d, s = _notice_base(session, actor, m)
    kind = review.kind.label
    on = review.decided_on
    rows = [
        ("受理编号", d.number),
        ("反映事项", d.summary),
        (f"{kind}机关", review.body),
        (f"{kind}请求", review.reason),
        ("请求日期", format_date_cn(review.requested_on)),
        (f"{kind}意见", review.opinion or ""),
        ("出具日期", format_date_cn(on)),
    ]
    after = (
        "对复查意见不服的，可以自收到本意见书之日起30日内向复查机关的上一级机关请求复核。"
        if review.kind == ReviewKind.REVIEW
        else "本复核意见为最终意见。对同一事项以同一事实和理由提出的信访，不再受理。"
    )
    text = [
        f"你（你们）于{format_date_cn(review.requested_on)}对信访事项处理意见提出的{kind}请求，"
        f"经{kind}，现提出{kind}意见如下。",
        after,
    ]
    return _notice(
        d,
        s,
        f"{kind}意见书",
        rows,
        text,
        on,
        [
            ("请求日期", format_date_cn(review.requested_on)),
            ("出具日期", format_date_cn(on)),
        ],
    )


NOTICES = {
    DocKind.OPINION: _opinion_notice,
    DocKind.ACCEPTANCE: _acceptance,
    DocKind.REJECTION: _rejection_notice,
    DocKind.EXTENSION: _extension_notice,
}


@write_op(Change.MATTERS)
def document_pdf(
    session: Session, actor: Actor, matter_id: uuid.UUID, key: str
) -> tuple[str, bytes]:
    """(title, PDF) of the matter's document ``key`` (from ``list_documents``), rendered from
    what was stored when it was made, and printed at once (the command line writes it out):
    the print goes on the timeline and in the audit log."""
    m = _load(session, matter_id)
    doc = _document(session, actor, matter_id, key)
    pdf = _contents(session, actor, m, doc).render()
    _record(session, actor, m, doc)
    return doc.title, pdf


@write_op(Change.MATTERS)
def print_document(
    session: Session,
    actor: Actor,
    matter_id: uuid.UUID,
    kind: DocKind,
    index: int | None = None,
    *,
    renderer: Callable[[Printable], Callable[[], bytes]] = rendered_here,
) -> tuple[str, bytes]:
    """``document_pdf`` of the matter's ``kind`` document named as ``find_document`` names it
    (the command line's ``print``): the matter's documents are listed once, not three times.
    ``renderer`` starts making the PDF of the contents and returns what waits for it (the
    command line's: a process of its own that had ReportLab ready makes it while the print is
    recorded here); a PDF that fails raises here and so undoes the record with the
    transaction."""
    m = _load(session, matter_id)
    doc = _of_kind(list_documents(session, actor, matter_id, kind), kind, index)
    pdf = renderer(_contents(session, actor, m, doc))
    _record(session, actor, m, doc)
    return doc.title, pdf()


def _document(session: Session, actor: Actor, matter_id: uuid.UUID, key: str) -> MatterDocument:
    doc = next((d for d in list_documents(session, actor, matter_id) if d.key == key), None)
    if doc is None:
        raise ValidationError(f"该事项没有这份文书（{key}），请刷新后再试。")
    return doc


@write_op(Change.MATTERS)
def record_document_print(session: Session, actor: Actor, matter_id: uuid.UUID, key: str) -> None:
    """The document ``key`` went to the printer: "打印…" ("补打…" again) on the matter's
    timeline, with its audit row."""
    m = _load(session, matter_id)
    _record(session, actor, m, _document(session, actor, matter_id, key))


def _record(session: Session, actor: Actor, m: Matter, doc: MatterDocument) -> None:
    require(actor, Action.VIEW_MATTERS if doc.kind == DocKind.SUPERVISION else Action.PRINT_RECEIPT)
    timeline.record_print(session, actor, m, doc.title, audit_event="document_print")


@read_op
def render_document_pdf(
    session: Session, actor: Actor, matter_id: uuid.UUID, key: str
) -> tuple[str, bytes]:
    """(title, PDF) for the preview. Nothing is recorded: ``record_document_print`` records the
    print once the job was handed to the printer."""
    m = _load(session, matter_id)
    doc = _document(session, actor, matter_id, key)
    return doc.title, _contents(session, actor, m, doc).render()


def _contents(session: Session, actor: Actor, m: Matter, doc: MatterDocument) -> Printable:
    """What ``doc`` says, read as it was when it was made, and the report that prints it."""
    key, matter_id = doc.key, m.id
    data: object
    if doc.kind == DocKind.SUPERVISION:
        require(actor, Action.VIEW_MATTERS)
        order_id = uuid.UUID(key.split(":", 1)[1])
        data = supervision.order_data(session, actor, order_id, as_issued=True)
    elif doc.kind == DocKind.RECEIPT:
        data = receipts.receipt_data(session, actor, matter_id)
    elif doc.kind == DocKind.REVIEW:
        require(actor, Action.PRINT_RECEIPT)
        review = session.get(PetitionReview, uuid.UUID(key.split(":", 1)[1]))
        data = _review_notice(session, actor, m, review)
    elif doc.kind == DocKind.COMPLETION:
        from app.services.reception.linkage import completion_report

        data = completion_report(session, actor, matter_id)
    else:
        require(actor, Action.PRINT_RECEIPT)
        event = session.get(MatterEvent, uuid.UUID(key.split(":", 1)[1]))
        data = NOTICES[doc.kind](session, actor, m, event)
    return Printable(REPORT_FOR_DOCUMENT[doc.kind], data)


@read_op
def find_document(
    session: Session, actor: Actor, matter_id: uuid.UUID, kind: DocKind, index: int | None = None
) -> str:
    """The key of the matter's ``kind`` document: the ``index``-th (from 1), default the latest
    (the command line names documents by kind, not by key)."""
    return _of_kind(list_documents(session, actor, matter_id, kind), kind, index).key


def _of_kind(docs: list[MatterDocument], kind: DocKind, index: int | None) -> MatterDocument:
    found = [d for d in docs if d.kind == kind]
    if not found:
        raise NotFound(f"该事项没有{kind.label}。")
    if index is None:
        return found[-1]
    if not 1 <= index <= len(found):
        raise ValidationError(f"该事项只有 {len(found)} 份{kind.label}。")
    return found[index - 1]
