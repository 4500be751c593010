"""The mediation rooms' documents (Ministry of Justice formats, 2010; docs/DOMAIN.md §5).

人民调解申请书, 受理登记表, 调解笔录, 调解协议书 (one original per party and one for the file,
each with signature and seal blocks; an oral agreement prints as 口头协议登记表), 回访记录,
and the 卷宗: cover, table of contents and every document above, as one PDF.

Pure functions: a dataclass in, PDF bytes out. The caller masks what must be masked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from .base import (
    MEDIATION,
    LaterParagraph,
    Mark,
    PageNumbers,
    Styles,
    format_date_cn,
    format_datetime_cn,
    grid_style,
    label_column,
    make_styles,
    render_story,
    text_width,
)

WIDTH = 170 * mm  # A4 less base.MEDIATION's 20 mm margins
CN_NUMS = "一二三四五六七八九十"


@dataclass(frozen=True)
class PartyData:
    role: str  # 申请人 / 被申请人 / 第三人
    name: str
    is_person: bool = True
    sex: str = ""
    ethnicity: str = ""
    age: int | None = None
    occupation: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    representative: str = ""
    agent: str = ""
    workplace: str = ""
    representative_title: str = ""  # 法定代表人 / 负责人's 职务


@dataclass(frozen=True)
class CaseData:
    center_name: str
    committee: str  # 白石街道人民调解委员会
    room: str  # 矛盾纠纷调解室 / 家事调解室
    number: str
    file_number: str  # 卷号
    title: str
    dispute_type: str
    source: str
    accepted_at: datetime
    facts: str
    parties: list[PartyData] = field(default_factory=list)
    referred_by: str = ""
    form: str = "人民调解"
    requests: str = ""
    amount: str = ""
    mediators: list[str] = field(default_factory=list)
    registered_by: str = ""
    relationship: str = ""
    violence_risk: str = ""
    minors_count: int = 0
    seal: str = ""  # the seal's text (中心资料 → 文书署名); the committee's name when empty


@dataclass(frozen=True)
class Statement:
    speaker: str
    text: str


@dataclass(frozen=True)
class RecordData:
    case: CaseData
    index: int  # 第 N 次调解
    at: datetime
    place: str
    attendees: str
    recorder: str
    rights_told: bool
    statements: list[Statement] = field(default_factory=list)
    facts_checked: str = ""
    risks_warned: str = ""
    result: str = ""
    next_step: str = ""


@dataclass(frozen=True)
class AgreementData:
    center_name: str
    committee: str
    number: str
    version: int
    oral: bool
    status: str  # 草稿 / 已签署生效 / 已更正
    parties: list[PartyData]
    facts: str
    terms: list[str]
    performance_method: str = ""
    performance_deadline: date | None = None
    signed_on: date | None = None
    mediators: list[str] = field(default_factory=list)
    case_number: str = ""
    seal: str = ""  # the seal's text; the committee's name when empty
    correction_reason: str = ""  # a later version: why it corrects the one before

    @property
    def copies(self) -> list[str]:
        """One original per party, one for the file."""
        return [f"{p.role}{p.name}执" for p in self.parties] + ["调解委员会存档"]


@dataclass(frozen=True)
class FollowUpData:
    center_name: str
    committee: str
    case_number: str
    agreement_number: str
    title: str
    visited: str
    planned_on: date
    done_on: date | None
    method: str
    reason: str
    performance: str
    satisfaction: str
    lawsuit: bool
    escalation: str
    measures: str
    by: str


@dataclass(frozen=True)
class CasefileData:
    case: CaseData
    status: str
    closed_on: date | None
    filed_by: str
    filed_on: date | None
    retention: str
    outcome: str
    records: list[RecordData] = field(default_factory=list)
    agreements: list[AgreementData] = field(default_factory=list)
    followups: list[FollowUpData] = field(default_factory=list)
    confirmations: list[str] = field(default_factory=list)  # one line each
    family_notes: list[str] = field(default_factory=list)  # protective steps, services


# --- shared pieces ----------------------------------------------------------------------


def _styles() -> tuple[Styles, dict[str, ParagraphStyle]]:
    s = make_styles()
    extra = {
        "center": ParagraphStyle("center", parent=s.body, alignment=TA_CENTER),
        "right": ParagraphStyle("right", parent=s.body, alignment=TA_RIGHT),
        "indent": ParagraphStyle("indent", parent=s.body, firstLineIndent=21),
        "h": s.heading,  # 黑体 section labels: "申请事项：", "事实和理由："
        "copy": ParagraphStyle("copy", parent=s.small, alignment=TA_RIGHT),
        "big": ParagraphStyle("big", parent=s.doc_title, fontSize=26, leading=38),
        "cover_label": ParagraphStyle("cover_label", parent=s.heading, spaceBefore=0),
        "cover_value": ParagraphStyle("cover_value", parent=s.body, fontSize=11.5, leading=18),
    }
    return s, extra


def _head(s: Styles, center: str, title: str, number: str = "") -> list:
    """The issuing body and the document's name in the title face, the number on the right."""
    out = s.head(center, title)
    if number:
        out.append(s.p(number, ParagraphStyle("no", parent=s.small, alignment=TA_RIGHT)))
    out.append(Spacer(1, 3 * mm))
    return out


def _four_columns(s: Styles, left: list[str], right: list[str]) -> list[float]:
    """Label, value, label, value: each label column as wide as its longest label."""
    a, c = label_column(left, s.label), label_column(right, s.label)
    rest = WIDTH - a - c
    return [a, rest / 2, c, rest / 2]


def _grid(rows: list[list], widths: list[float], spans: list[tuple] = (), shade=(0,)) -> Table:
    t = Table(rows, colWidths=widths, splitInRow=1)
    style = grid_style(shade) + [("SPAN", a, b) for a, b in spans]
    t.setStyle(TableStyle(style))
    return t


def _party_line(p: PartyData) -> str:
    if not p.is_person:
        bits = [f"{p.role}：{p.name}"]
        if p.address:
            bits.append(f"住所地：{p.address}")
        if p.representative:
            title = f"，职务：{p.representative_title}" if p.representative_title else ""
            bits.append(f"法定代表人（负责人）：{p.representative}{title}")
    else:
        bits = [f"{p.role}：{p.name}"]
        bits += [x for x in (p.sex, p.ethnicity) if x]
        if p.age is not None:
            bits.append(f"{p.age}岁")
        if p.occupation:
            bits.append(p.occupation)
        if p.workplace:
            bits.append(f"工作单位：{p.workplace}")
        if p.id_number:
            bits.append(f"身份证号码：{p.id_number}")
        if p.address:
            bits.append(f"住址：{p.address}")
    if p.phone:
        bits.append(f"联系电话：{p.phone}")
    if p.agent:
        bits.append(f"代理人：{p.agent}")
    return "，".join(bits) + "。"


def mediator_names(names: list[str]) -> str:
    """ "甲、乙（第一位为主调解员）"; one mediator needs no note."""
    return "、".join(names) + ("（第一位为主调解员）" if len(names) > 1 else "")


def _lines(s: Styles, st: ParagraphStyle, text: str) -> list:
    return [s.p(line, st) for line in text.splitlines() if line.strip()] or [s.p("无", st)]


class SealBox(Flowable):
    """A dashed circle where the committee's seal goes."""

    def __init__(self, label: str, font: str, size: float = 30 * mm):
        super().__init__()
        self.label, self.font, self.size = label, font, size
        self.width = self.height = size

    def draw(self) -> None:
        c = self.canv
        c.setDash(2, 2)
        c.setStrokeColor(colors.grey)
        r = self.size / 2
        c.circle(r, r, r - 1)
        c.setFont(self.font, 8)
        c.setFillColor(colors.grey)
        c.drawCentredString(r, r - 3, self.label)


class SignLine(Flowable):
    """The blank a signature goes on."""

    def wrap(self, avail_w, avail_h):
        self.width, self.height = avail_w, 2
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setLineWidth(0.6)
        self.canv.line(0, 0, self.width, 0)


SIGN = "（签名、盖章或按指印）："
DATE_BLANK = "年　　月　　日"


def _signatures(
    s: Styles, who: list[str], *, seal: str | None = None, date_text: str = ""
) -> KeepTogether:
    """A row per signer: who and how, a line to sign on, the date. The first column is as wide
    as the longest label; a label too long for it breaks before "（签名…" (never leaving
    the colon alone on a line)."""
    date_w = label_column([DATE_BLANK], s.body)
    label_w = min(label_column([w + SIGN for w in who], s.body), WIDTH - date_w - 30 * mm)
    rows = []
    for w in who:
        fits = text_width(w + SIGN, s.body) + 13 <= label_w
        rows.append([s.p(w + SIGN if fits else f"{w}\n{SIGN}"), SignLine(), s.p(DATE_BLANK)])
    t = Table(rows, colWidths=[label_w, WIDTH - label_w - date_w, date_w])
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("TOPPADDING", (0, 0), (-1, -1), 12),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (1, 0), (1, -1), 5),
            ]
        )
    )
    parts: list = [Spacer(1, 5 * mm), t]
    if seal:
        right = [s.p(seal, ParagraphStyle("sr", parent=s.body, alignment=TA_RIGHT))]
        right.append(
            s.p(
                date_text or DATE_BLANK,
                ParagraphStyle("dr", parent=s.body, alignment=TA_RIGHT),
            )
        )
        seal_row = Table([[SealBox("印章", s.fonts.body), right]], colWidths=[40 * mm, 130 * mm])
        seal_row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        parts += [Spacer(1, 3 * mm), seal_row]
    return KeepTogether(parts)


def _build(
    story: list,
    title: str,
    author: str,
    page_numbers: str | None = None,
    marks: dict[str, int] | None = None,
) -> bytes:
    numbers = PageNumbers(page_numbers, y=10 * mm) if page_numbers else None
    layout = MEDIATION.numbered(numbers)
    return render_story(story, title=title, author=author, layout=layout, marks=marks)


# --- 人民调解申请书 ----------------------------------------------------------------------


def _application_story(d: CaseData) -> list:
    s, x = _styles()
    story = _head(s, d.committee, "人民调解申请书")
    for p in d.parties:
        story.append(s.p(_party_line(p), x["indent"]))
    story += [Spacer(1, 2 * mm), s.p("申请事项：", x["h"])]
    story += _lines(s, x["indent"], d.requests)
    story += [s.p("事实和理由：", x["h"])]
    story += _lines(s, x["indent"], d.facts)
    if d.amount:
        story.append(s.p(f"争议金额：{d.amount}。", x["indent"]))
    story += [
        Spacer(1, 2 * mm),
        s.p(
            f"申请人自愿申请{d.committee}进行调解，已知悉人民调解自愿、平等、不收费的原则，"
            "以及当事人在调解活动中享有的权利和承担的义务。",
            x["indent"],
        ),
        s.p("此致", x["indent"]),
        s.p(d.committee, s.body),
    ]
    applicants = [f"申请人 {p.name}" for p in d.parties if p.role == "申请人"] or ["申请人"]
    story.append(_signatures(s, applicants))
    story.append(
        s.p(f"案号：{d.number}　受理日期：{format_date_cn(d.accepted_at.date())}", s.small)
    )
    return story


def render_application(d: CaseData) -> bytes:
    return _build(_application_story(d), f"人民调解申请书 {d.number}", d.center_name)


# --- 受理登记表 --------------------------------------------------------------------------


def _registration_story(d: CaseData) -> list:
    s, x = _styles()
    # Headed by the committee whose seal it carries (the center is not the body that mediates).
    story = _head(s, d.committee, "人民调解受理登记表", f"案号：{d.number}　卷号：{d.file_number}")
    source = d.source + (f"（{d.referred_by}）" if d.referred_by else "")
    rows = [
        [
            s.p("纠纷类型", s.label),
            s.p(d.dispute_type),
            s.p("受理时间", s.label),
            s.p(format_datetime_cn(d.accepted_at)),
        ],
        [s.p("纠纷来源", s.label), s.p(source), s.p("调解形式", s.label), s.p(d.form)],
        [s.p("调解室", s.label), s.p(d.room), s.p("争议金额", s.label), s.p(d.amount or "无")],
    ]
    spans = []
    for p in d.parties:
        rows.append([s.p(p.role, s.label), s.p(_party_line(p).split("：", 1)[1]), "", ""])
        spans.append(((1, len(rows) - 1), (3, len(rows) - 1)))
    if d.relationship or d.violence_risk:
        # The parties sign this form: the violence risk stays in the case and the 卷宗.
        family = f"当事人关系：{d.relationship or '未填'}"
        if d.minors_count:
            family += f"；涉及未成年人 {d.minors_count} 名（信息由本案调解员掌握）"
        rows.append([s.p("家事情况", s.label), s.p(family), "", ""])
        spans.append(((1, len(rows) - 1), (3, len(rows) - 1)))
    for label, text in (
        ("纠纷简要情况", d.facts),
        ("当事人申请事项", d.requests or "无"),
        ("调解员", mediator_names(d.mediators)),
        ("登记人", d.registered_by),
    ):
        rows.append(
            [s.p(label, s.label), [s.p(t) for t in text.splitlines() if t.strip()] or "", "", ""]
        )
        spans.append(((1, len(rows) - 1), (3, len(rows) - 1)))
    left = ["纠纷简要情况", "当事人申请事项", *(p.role for p in d.parties)]
    widths = _four_columns(s, left, ["受理时间", "调解形式", "争议金额"])
    story.append(_grid(rows, widths, spans))
    story.append(
        _signatures(
            s,
            ["当事人", "登记人"],
            seal=f"{d.seal or d.committee}（印章）",
            date_text=format_date_cn(d.accepted_at.date()),
        )
    )
    return story


def render_registration(d: CaseData) -> bytes:
    return _build(_registration_story(d), f"受理登记表 {d.number}", d.center_name)


# --- 调解笔录 ----------------------------------------------------------------------------


def _record_story(r: RecordData) -> list:
    s, x = _styles()
    d = r.case
    story = _head(s, d.center_name, "调 解 笔 录", f"案号：{d.number}　第{r.index}次调解")
    head = [
        ("时间", format_datetime_cn(r.at)),
        ("地点", r.place or "　"),
        ("纠纷", d.title),
        ("参加人员", r.attendees or "、".join(p.name for p in d.parties)),
        ("调解员", "、".join(d.mediators)),
        ("记录人", r.recorder),
    ]
    for label, text in head:
        story.append(s.p(f"{label}：{text}", s.body))
    story.append(Spacer(1, 2 * mm))
    told = (
        "调解员已告知当事人人民调解的性质、原则和效力，以及当事人在调解活动中享有的权利和承担的义务，"
        "当事人表示清楚。"
        if r.rights_told
        else "（未记录权利义务告知情况）"
    )
    story.append(s.p(told, x["indent"]))
    if r.statements:
        story.append(s.p("当事人陈述及调解过程：", x["h"]))
        for st in r.statements:
            first, *rest = st.text.splitlines() or [""]
            story.append(s.p(f"{st.speaker}：{first}", x["indent"]))
            story += [s.p(line, x["indent"]) for line in rest if line.strip()]
    for label, text in (
        ("查明的事实", r.facts_checked),
        ("风险提示", r.risks_warned),
        ("调解结果", r.result),
        ("下一步安排", r.next_step),
    ):
        if text.strip():
            story.append(s.p(f"{label}：", x["h"]))
            story += _lines(s, x["indent"], text)
    story.append(s.p("以上笔录已向当事人宣读（或由当事人阅读），确认无误。", x["indent"]))
    who = [f"{p.role} {p.name}" for p in d.parties] + ["调解员", "记录人"]
    story.append(_signatures(s, who))
    return story


def render_record(r: RecordData) -> bytes:
    return _build(
        _record_story(r), f"调解笔录 {r.case.number}-{r.index}", r.case.center_name, "第 {n} 页"
    )


# --- 调解协议书 / 口头协议登记表 ---------------------------------------------------------


def _agreement_copy(a: AgreementData, copy_no: int, holder: str) -> list:
    s, x = _styles()
    title = "口头协议登记表" if a.oral else "人民调解协议书"
    number = a.number + (f"（第{a.version}版）" if a.version > 1 else "")
    if a.status != "已签署生效":
        number += f"（{a.status}）"
    story = [s.p(f"第{copy_no}份　{holder}", x["copy"])] if holder else []
    story += _head(s, a.committee, title, f"编号：{number}")
    for p in a.parties:
        story.append(s.p(_party_line(p), x["indent"]))
    story += [s.p("纠纷主要事实、争议事项及各方责任：", x["h"])]
    story += _lines(s, x["indent"], a.facts)
    lead = "经调解，当事人自愿达成如下协议：" if not a.oral else "经调解，当事人口头达成如下协议："
    story.append(s.p(lead, x["h"]))
    for i, t in enumerate(a.terms, 1):
        story.append(s.p(f"{i}. {t}", x["indent"]))
    if a.version > 1:
        why = f"，更正原因：{a.correction_reason}" if a.correction_reason else ""
        story.append(s.p(f"本协议为第{a.version}版，更正第{a.version - 1}版{why}。", x["indent"]))
    due = format_date_cn(a.performance_deadline) if a.performance_deadline else "协议生效后"
    story.append(s.p("履行方式、时限：", x["h"]))
    story.append(s.p(f"{a.performance_method or '按上述约定履行'}；履行期限：{due}。", x["indent"]))
    if a.oral:
        story.append(
            s.p(
                "本口头协议自当事人达成协议之日起生效（《中华人民共和国人民调解法》第二十八条），"
                "由人民调解员记录在案。",
                x["indent"],
            )
        )
        who = [f"{p.role} {p.name}" for p in a.parties] + ["登记人（人民调解员）"]
    else:
        n = len(a.parties) + 1
        story.append(
            s.p(
                "本协议书自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。"
                f"本协议书一式{n}份，当事人各执一份，人民调解委员会留存一份。"
                "经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。"
                "当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。",
                x["indent"],
            )
        )
        who = [f"{p.role} {p.name}" for p in a.parties] + ["人民调解员"]
    if a.mediators:
        story.append(s.p(f"人民调解员：{'、'.join(a.mediators)}", s.body))
    signed = format_date_cn(a.signed_on) if a.signed_on else ""
    story.append(_signatures(s, who, seal=f"{a.seal or a.committee}（印章）", date_text=signed))
    return story


def _agreement_story(a: AgreementData, *, archive_only: bool = False) -> list:
    """Every original (one per party, one for the file); the 卷宗 holds the file's only."""
    story: list = []
    copies = [""] if a.oral else a.copies[-1:] if archive_only else a.copies
    first = len(a.copies) if archive_only and not a.oral else 1  # "第3份　调解委员会存档"
    for i, holder in enumerate(copies, first):
        if i > first:
            story.append(PageBreak())
        story += _agreement_copy(a, i, holder if not a.oral else "")
    return story


def render_agreement(a: AgreementData) -> bytes:
    title = "口头协议登记表" if a.oral else "人民调解协议书"
    return _build(_agreement_story(a), f"{title} {a.number}", a.center_name)


# --- 回访记录 ----------------------------------------------------------------------------


def _followup_story(f: FollowUpData) -> list:
    s, x = _styles()
    story = _head(s, f.committee, "人民调解回访记录", f"案号：{f.case_number}")
    rows = [
        [
            s.p("回访对象", s.label),
            s.p(f.visited),
            s.p("协议编号", s.label),
            s.p(f.agreement_number or "无"),
        ],
        [
            s.p("回访时间", s.label),
            s.p(format_date_cn(f.done_on) if f.done_on else f"计划 {format_date_cn(f.planned_on)}"),
            s.p("回访方式", s.label),
            s.p(f.method),
        ],
        [s.p("纠纷", s.label), s.p(f.title), "", ""],
        [s.p("回访事由", s.label), s.p(f.reason), "", ""],
        [
            s.p("协议履行情况", s.label),
            s.p(f.performance),
            s.p("当事人满意度", s.label),
            s.p(f.satisfaction or "未评价"),
        ],
        [
            s.p("是否起诉", s.label),
            s.p("是" if f.lawsuit else "否"),
            s.p("回访人", s.label),
            s.p(f.by),
        ],
        [s.p("有无激化迹象", s.label), s.p(f.escalation or "无"), "", ""],
        [s.p("采取的措施", s.label), s.p(f.measures or "无"), "", ""],
    ]
    spans = [((1, r), (3, r)) for r in (2, 3, 6, 7)]
    widths = _four_columns(s, ["协议履行情况", "有无激化迹象"], ["当事人满意度"])
    story.append(_grid(rows, widths, spans, shade=(0,)))
    story.append(_signatures(s, ["回访人", "被回访人"]))
    return story


def render_followup(f: FollowUpData) -> bytes:
    return _build(_followup_story(f), f"回访记录 {f.case_number}", f.center_name)


# --- 卷宗: cover, contents, documents ----------------------------------------------------


def _cover_story(c: CasefileData) -> list:
    s, x = _styles()
    d = c.case
    rows = [
        ("卷　　名", d.title),
        ("卷　　号", d.file_number),
        ("案　　号", d.number),
        ("调 解 员", mediator_names(d.mediators)),
        ("受理日期", format_date_cn(d.accepted_at.date())),
        ("结案日期", format_date_cn(c.closed_on) if c.closed_on else ""),
        ("调解结果", c.status),
        ("立 卷 人", c.filed_by),
        ("立卷日期", format_date_cn(c.filed_on) if c.filed_on else ""),
        ("保管期限", c.retention),
    ]
    t = Table(
        [[s.p(a, x["cover_label"]), s.p(b, x["cover_value"])] for a, b in rows],
        colWidths=[35 * mm, 105 * mm],
        hAlign="CENTER",
    )
    t.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (1, 0), (1, -1), 0.6, colors.black),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return [
        Spacer(1, 20 * mm),
        s.p(d.committee, s.issuer),
        Spacer(1, 8 * mm),
        s.p("人民调解卷宗", x["big"]),
        Spacer(1, 4 * mm),
        s.p(d.room, x["center"]),
        Spacer(1, 18 * mm),
        t,
        Spacer(1, 30 * mm),
        s.p(d.center_name, ParagraphStyle("cover_center", parent=s.issuer, fontSize=13)),
    ]


def _statement_story(c: CasefileData) -> list:
    """卷宗情况说明: how the case ended, confirmation, follow-ups, family-room steps."""
    s, x = _styles()
    d = c.case
    story = _head(s, d.center_name, "卷宗情况说明", f"案号：{d.number}")
    story.append(
        s.p(f"本案于{format_date_cn(d.accepted_at.date())}受理，{c.status}。", x["indent"])
    )
    if c.outcome:
        story += _lines(s, x["indent"], c.outcome)
    if c.confirmations:
        story.append(s.p("司法确认：", x["h"]))
        story += [s.p(line, x["indent"]) for line in c.confirmations]
    if d.violence_risk:
        story.append(
            s.p(f"家庭暴力风险：{d.violence_risk}（内部材料，不向当事人出示）。", x["indent"])
        )
    if c.family_notes:
        story.append(s.p("家事调解服务及防护措施：", x["h"]))
        story += [s.p(line, x["indent"]) for line in c.family_notes]
    story.append(_signatures(s, ["立卷人"]))
    return story


def _back_cover_story(c: CasefileData) -> list:
    s, x = _styles()
    signers = Table(
        [
            [
                s.p("立卷人："),
                s.p(c.filed_by) if c.filed_by else SignLine(),
                s.p("检查人："),
                SignLine(),
            ]
        ],
        colWidths=[20 * mm, 35 * mm, 20 * mm, 35 * mm],
    )
    signers.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    return [
        Spacer(1, 140 * mm),
        LaterParagraph(
            s,
            lambda total, _marks: f"本卷共 {total} 页，另附身份证明、证据材料等纸质材料。",
            x["center"],
        ),
        Spacer(1, 10 * mm),
        signers,
        s.p(format_date_cn(c.filed_on) if c.filed_on else "年　　月　　日", x["center"]),
    ]


def casefile_documents(c: CasefileData) -> list[tuple[str, Callable[[], list]]]:
    """The documents in the file, in filing order, each as (title, story maker)."""
    d = c.case
    docs: list[tuple[str, Callable[[], list]]] = [
        ("人民调解申请书", lambda: _application_story(d)),
        ("人民调解受理登记表", lambda: _registration_story(d)),
    ]
    for r in c.records:
        docs.append(
            (
                f"调解笔录（第{r.index}次，{format_date_cn(r.at.date())}）",
                lambda r=r: _record_story(r),
            )
        )
    for a in c.agreements:
        name = "口头协议登记表" if a.oral else "人民调解协议书"
        ver = f"第{a.version}版，" if a.version > 1 else ""
        docs.append(
            (
                f"{name}（{ver}{a.status}）",
                lambda a=a: _agreement_story(a, archive_only=True),
            )
        )
    for f in c.followups:
        when = format_date_cn(f.done_on or f.planned_on)
        docs.append((f"回访记录（{when}）", lambda f=f: _followup_story(f)))
    docs.append(("卷宗情况说明", lambda: _statement_story(c)))
    return docs


def _casefile(c: CasefileData) -> tuple[bytes, list[tuple[str, int, int]]]:
    """The 卷宗 in one pass: each document's first page is marked as it is laid out, and the
    contents' page numbers and the page count are written when the file is complete."""
    s, x = _styles()
    d = c.case
    docs = casefile_documents(c)
    keys = [f"doc-{i}" for i in range(len(docs))] + ["back"]

    def pages(i: int) -> Callable[[int, dict[str, int]], str]:
        def text(total: int, marks: dict[str, int]) -> str:
            first, last = marks[keys[i]], marks[keys[i + 1]] - 1
            return str(first) if first == last else f"{first}–{last}"

        return text

    story = _cover_story(c) + [PageBreak()]
    story += _head(s, d.center_name, "卷 内 目 录", f"卷号：{d.file_number}")
    rows = [[s.p("序号", s.label), s.p("文书名称", s.label), s.p("页号", s.label)]]
    for i, (title, _make) in enumerate(docs):
        rows.append([s.p(str(i + 1)), s.p(title), LaterParagraph(s, pages(i))])
    rows.append(
        [s.p(str(len(docs) + 1)), s.p("封底"), LaterParagraph(s, lambda total, _m: str(total))]
    )
    story.append(_grid(rows, [18 * mm, 122 * mm, 30 * mm], shade=()))
    for key, (_title, make) in zip(keys, docs, strict=False):
        story += [PageBreak(), Mark(key), *make()]
    story += [PageBreak(), Mark("back"), *_back_cover_story(c)]
    marks: dict[str, int] = {}
    pdf = _build(story, f"人民调解卷宗 {d.file_number}", d.center_name, "— {n} —", marks)
    contents = [
        (title, marks[keys[i]], marks[keys[i + 1]] - 1) for i, (title, _m) in enumerate(docs)
    ]
    return pdf, contents


def casefile_contents(c: CasefileData) -> list[tuple[str, int, int]]:
    """(title, first page, last page) of each document; the cover and contents come first."""
    return _casefile(c)[1]


def render_casefile(c: CasefileData) -> bytes:
    return _casefile(c)[0]


__all__ = [
    "AgreementData",
    "CaseData",
    "CasefileData",
    "FollowUpData",
    "PartyData",
    "RecordData",
    "Statement",
    "casefile_contents",
    "render_agreement",
    "render_application",
    "render_casefile",
    "render_followup",
    "render_record",
    "render_registration",
]
