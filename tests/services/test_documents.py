"""文书: a matter's documents listed from its records and printed again as first printed."""

from __future__ import annotations

import importlib
import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.core.errors import NotFound, ValidationError
from app.models import AuditEntry, EventKind, MatterEvent, Unit
from app.services.reception import documents, flow, intake, receipts, supervision
from app.services.reception.documents import DocKind
from tests.conftest import actor
from tests.services.test_intake import make_input


def text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def unit_id(s, name: str):
    return s.scalar(select(Unit.id).where(Unit.name == name))


def listed(db, who, mid):
    with db.read() as s:
        return documents.list_documents(s, who, mid)


def printed(db, who, mid, key):
    with db.write() as s:
        return documents.document_pdf(s, who, mid, key)


@pytest.fixture
def xinfang(db, receptionist, clock):
    """A 信访 matter routed to 信访办 at registration, its receipt printed at the window."""
    clock.freeze("2026-11-02 09:00")
    with db.write() as s:
        data = make_input(db, category="信访事项", unit_id=unit_id(s, "信访办"))
        mid = intake.register_matter(s, receptionist, data, at=datetime(2026, 11, 2, 9)).id
    with db.write() as s:
        _number, first = receipts.receipt_pdf(s, receptionist, mid)
    return mid, first


def test_a_reprint_is_the_paper_first_printed_however_the_matter_moved(db, xinfang, clock):
    mid, first_receipt = xinfang
    director, jiedai = actor(db, "zhuren"), actor(db, "jiedai")
    with db.write() as s:
        order = supervision.issue_order(
            s, director, mid, unit_id(s, "信访办"), "请五日内答复。", date(2026, 11, 9),
            at=datetime(2026, 11, 4, 10),
        )  # fmt: skip
        oid = order.id
    with db.write() as s:
        _n, first_order = supervision.order_pdf(s, director, oid)
    with db.write() as s:
        flow.request_extension(s, director, mid, date(2027, 1, 31), "需要会同县住建局现场勘查",
                               at=datetime(2026, 11, 20, 15))  # fmt: skip
        flow.extend(s, director, mid, at=datetime(2026, 11, 20, 16))
        flow.accept(s, director, mid, at=datetime(2026, 11, 21, 9))
        supervision.record_reply(s, director, oid, "已会同住建局勘查。")
        flow.complete(s, director, mid, "已协调解决。", at=datetime(2026, 12, 1, 9))
        s.get(Unit, unit_id(s, "信访办")).name = "县信访局"  # renamed since: papers keep the name

    docs = listed(db, jiedai, mid)
    assert [d.kind for d in docs] == [
        DocKind.RECEIPT,
        DocKind.ACCEPTANCE,  # a 信访 matter, accepted and forwarded
        DocKind.SUPERVISION,
        DocKind.EXTENSION,
        DocKind.OPINION,  # its 办结: the 处理意见书
    ]
    receipt, acceptance, order_doc, extension, _opinion = docs
    assert receipt.about == "交信访办办理" and receipt.prints == 1  # printed at the window
    assert acceptance.about == "受理并转交信访办办理" and acceptance.prints == 0
    assert order_doc.title == f"督办单 {order.number}" and order_doc.prints == 1
    assert extension.about == "延至 2027-01-31" and extension.printed_text == "未打印"

    # The same paper: not today's unit, deadline, status or reply.
    _t, again = printed(db, jiedai, mid, "receipt")
    assert text(again) == text(first_receipt)
    assert "2027年1月31日" not in text(again)
    _t, order_again = printed(db, jiedai, mid, order_doc.key)
    assert text(order_again) == text(first_order)
    assert "已会同住建局勘查" not in text(order_again) and "已办结" not in text(order_again)

    title, pdf = printed(db, jiedai, mid, acceptance.key)
    body = text(pdf)
    assert title == "受理告知书"
    for expected in ("白石街道综治工作中心", "受理告知书", "王𠮷", "信访办", "2027年1月1日",
                     "《信访工作条例》", "60日", "复查", "受理告知书存根"):  # fmt: skip
        assert expected in body, expected
    _t, pdf = printed(db, jiedai, mid, extension.key)
    body = text(pdf)
    for expected in ("延期办理告知书", "2027年1月1日", "2027年1月31日", "需要会同县住建局现场勘查",
                     "信访办", "延期办理告知书存根"):  # fmt: skip
        assert expected in body, expected
    assert "330" not in body or "********" in body  # ID numbers, if any, masked

    # Each print is on the timeline (a second one says 补打) and in the audit log.
    _t, _pdf = printed(db, jiedai, mid, extension.key)
    with db.read() as s:
        notes = s.scalars(
            select(MatterEvent.note)
            .where(MatterEvent.matter_id == mid, MatterEvent.kind == EventKind.DOCUMENT)
            .order_by(MatterEvent.at)
        ).all()
        audited = s.scalars(
            select(AuditEntry.reason).where(AuditEntry.event == "document_print")
        ).all()
    assert sorted(notes) == sorted(
        [
            "打印受理回执",
            "补打受理回执",
            f"打印督办单 {order.number}",
            f"补打督办单 {order.number}",
            "打印受理告知书",
            "打印延期办理告知书",
            "补打延期办理告知书",
        ]  # fmt: skip
    )
    assert audited.count("延期办理告知书") == 2
    after = {d.kind: d for d in listed(db, jiedai, mid)}
    assert after[DocKind.EXTENSION].prints == 2 and after[DocKind.RECEIPT].prints == 2


def test_a_rejected_matter_has_its_notice_and_no_acceptance(db, receptionist, clock):
    clock.freeze("2026-11-03 10:00")
    with db.write() as s:
        mid = intake.register_matter(
            s, receptionist, make_input(db), at=datetime(2026, 11, 3, 10)
        ).id
        flow.reject(s, receptionist, mid, "属于消费纠纷，不在本中心受理范围",
                    "向县市场监管局投诉（12315）", at=datetime(2026, 11, 3, 10, 20))  # fmt: skip
    docs = listed(db, receptionist, mid)
    assert [d.kind for d in docs] == [DocKind.RECEIPT, DocKind.REJECTION]
    assert docs[0].about == "待分流"
    _t, pdf = printed(db, receptionist, mid, docs[1].key)
    body = text(pdf)
    for expected in ("不予受理告知书", "属于消费纠纷，不在本中心受理范围",
                     "县市场监管局投诉（12315）", "2026年11月3日", "王𠮷"):  # fmt: skip
        assert expected in body, expected
    assert "13812345678" not in body
    with db.read() as s:
        assert documents.find_document(s, receptionist, mid, DocKind.REJECTION) == docs[1].key
        with pytest.raises(NotFound, match="没有延期办理告知书"):
            documents.find_document(s, receptionist, mid, DocKind.EXTENSION)
        with pytest.raises(ValidationError, match="只有 1 份"):
            documents.find_document(s, receptionist, mid, DocKind.REJECTION, 2)
    with db.write() as s, pytest.raises(ValidationError, match="没有这份文书"):
        documents.document_pdf(s, receptionist, mid, "extension:nope")


def test_a_matter_answered_on_the_spot_names_the_window_after_its_unit(db, receptionist, clock):
    clock.freeze("2026-11-04 11:00")
    with db.write() as s:
        data = make_input(db, category="咨询", answer="低保申请到村委会领表。")
        mid = intake.register_matter(s, receptionist, data, at=datetime(2026, 11, 4, 11)).id
    (doc,) = listed(db, receptionist, mid)
    assert doc.about == "当场解答"
    _t, pdf = printed(db, receptionist, mid, doc.key)
    body = text(pdf)
    assert "群众接待窗口" in body and "综合受理窗口" not in body
    assert "凭受理编号到群众接待窗口" in body and "低保申请到村委会领表" in body


def test_an_archived_matter_prints_again_on_record_but_off_its_closed_timeline(
    db, receptionist, clock
):
    clock.freeze("2026-11-03 10:00")
    director = actor(db, "zhuren")
    with db.write() as s:
        mid = intake.register_matter(
            s, receptionist, make_input(db), at=datetime(2026, 11, 3, 10)
        ).id
        flow.reject(s, receptionist, mid, "不属于受理范围", "向法院起诉",
                    at=datetime(2026, 11, 3, 10, 5))  # fmt: skip
        flow.archive(s, director, mid, at=datetime(2026, 11, 3, 10, 10))
    docs = listed(db, receptionist, mid)
    title, pdf = printed(db, receptionist, mid, docs[1].key)
    assert title == "不予受理告知书" and "向法院起诉" in text(pdf)
    with db.read() as s:
        kinds = s.scalars(select(MatterEvent.kind).where(MatterEvent.matter_id == mid)).all()
        reasons = s.scalars(
            select(AuditEntry.reason).where(AuditEntry.event == "document_print")
        ).all()
    assert EventKind.DOCUMENT not in kinds and reasons == ["不予受理告知书"]


def test_an_extension_step_is_read_whatever_words_come_before_its_dates():
    from app.services.reception.receipts import extension_dates

    old, new = date(2026, 12, 1), date(2026, 12, 15)
    for note in (
        "期限由 2026-12-01 延至 2026-12-15：需要勘查",
        "批准延期：期限由 2026-12-01 延至 2026-12-15：需要勘查",
        "批准王某的延期申请，期限由 2026-12-01 延至 2026-12-15（理由：需要勘查）",
    ):
        assert extension_dates(note) == (old, new, "需要勘查"), note
    assert extension_dates("同意延期") == (None, None, "同意延期")


def test_a_print_is_recorded_only_with_its_pdf(db, xinfang):
    """``print_document`` (the command line's print) records the print while the PDF is
    made elsewhere; a PDF that fails undoes the record with the transaction."""
    mid, _first = xinfang
    jiedai = actor(db, "jiedai")

    def events_and_audit():
        steps = select(func.count()).select_from(MatterEvent).where(MatterEvent.matter_id == mid)
        with db.read() as s:
            return s.scalar(steps), s.scalar(select(func.count()).select_from(AuditEntry))

    before = events_and_audit()

    def failing(printable):
        assert printable.report == "receipt:render_receipt"
        assert printable.data.number  # the contents, read before the print is recorded

        def pdf() -> bytes:
            raise OSError("打印进程出错")

        return pdf

    with pytest.raises(OSError), db.write() as s:
        documents.print_document(s, jiedai, mid, DocKind.RECEIPT, renderer=failing)
    assert events_and_audit() == before

    with db.write() as s:
        title, pdf = documents.print_document(s, jiedai, mid, DocKind.RECEIPT)
    assert title == "受理回执" and "受理回执" in text(pdf)
    events, audit_rows = events_and_audit()
    assert (events, audit_rows) == (before[0] + 1, before[1] + 1)


def test_every_kind_of_document_names_the_report_that_prints_it():
    """The command line's printing process makes ready the report the services name."""
    from app.reports.contents import REPORT_FOR_DOCUMENT

    assert set(REPORT_FOR_DOCUMENT) == {k.value for k in DocKind}
    for report in set(REPORT_FOR_DOCUMENT.values()):
        module, _colon, function = report.partition(":")
        assert callable(getattr(importlib.import_module(f"app.reports.{module}"), function))
