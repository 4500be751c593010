"""What a matter's printed documents say, without ReportLab: the data the services fill in and
the report that renders it, named rather than imported (``Printable``).

A command-line print renders in a second process that loaded ReportLab and the faces while
the first read the database (``app.cli``): the reading side then never imports ReportLab, and
a ``Printable`` crosses to the other side as it is (pickled). In the program, ``render()``
renders it at once, where it is.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime


def format_date_cn(d: date | None) -> str:
    """2026年11月5日: Arabic numerals without leading zeros (GB/T 9704)."""
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def format_datetime_cn(dt: datetime | None) -> str:
    return f"{format_date_cn(dt)} {dt:%H:%M}" if dt else ""


@dataclass(frozen=True)
class ReceiptPerson:
    name: str
    id_number_masked: str | None = None
    phone_masked: str | None = None


@dataclass(frozen=True)
class ReceiptData:
    """Everything printed, already masked by the caller; the report does not look anything up."""

    center_name: str
    number: str
    received_at: datetime
    channel: str
    category: str
    summary: str
    destination: str
    route: str
    deadline_text: str
    receptionist: str
    persons: list[ReceiptPerson] = field(default_factory=list)
    center_phone: str | None = None
    deadline: date | None = None
    answer: str | None = None
    query_hint: str = "凭受理编号查询办理进度。"
    center_address: str | None = None  # 中心资料 → 文书署名; the row is left out when empty


@dataclass(frozen=True)
class NoticeData:
    center_name: str
    title: str  # 受理告知书 / 不予受理告知书 / 延期办理告知书
    number: str  # the matter's 受理编号
    addressee: str  # the person(s), as named in the salutation
    rows: list[tuple[str, str]]  # (label, text) in the grid
    text: list[str]  # the notice's paragraphs
    issued_on: date
    center_phone: str | None = None
    stub_rows: list[tuple[str, str]] = field(default_factory=list)  # what the file keeps


def received_text(received_at: datetime, channel: str) -> str:
    """ "2026年11月5日 09:30 来访" — how a notice says when and how the matter came in."""
    return f"{format_date_cn(received_at)} {received_at:%H:%M}（{channel}）"


@dataclass(frozen=True)
class SupervisionData:
    center_name: str
    number: str
    matter_number: str
    received_at: datetime
    category: str
    persons: str
    summary: str
    status: str
    deadline: date
    unit: str
    requirement: str
    reply_by: date
    issued_by: str
    issued_at: datetime
    reply: str | None = None
    replied_by: str | None = None
    replied_at: datetime | None = None


@dataclass(frozen=True)
class Printable:
    """A document's contents and the report that renders them, ``"module:function"`` under
    ``app.reports`` (named, so that naming it imports nothing)."""

    report: str
    data: object

    def render(self) -> bytes:
        module, _colon, function = self.report.partition(":")
        return getattr(importlib.import_module(f"app.reports.{module}"), function)(self.data)


def rendered_here(printable: Printable) -> Callable[[], bytes]:
    """A renderer (``documents.print_document``'s): the PDF made at once, here; the function
    returned gives it."""
    pdf = printable.render()
    return lambda: pdf


RECEIPT = "receipt:render_receipt"
NOTICE = "notice:render_notice"
SUPERVISION = "supervision:render_supervision"
UPWARD = "upward:render_upward"
# The report that prints each kind of a matter's document (``documents.DocKind``'s values):
# the services make each kind's Printable with it, and the command line's printing process
# makes that report ready before the contents come.
REPORT_FOR_DOCUMENT = {
    "receipt": RECEIPT,
    "acceptance": NOTICE,
    "rejection": NOTICE,
    "extension": NOTICE,
    "opinion": NOTICE,
    "review": NOTICE,
    "supervision": SUPERVISION,
    "completion": UPWARD,
}
