"""Printing as the document was made: at true size on a printer with hardware margins, in the
document's own orientation, copies in one job, the CUPS path, the raster path's memory, and
the error lines; nothing is marked printed unless the job was handed to the system."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import func, select

from app.models import AuditEntry, EventKind, MatterEvent
from app.reports.ledger import LedgerTable, render_ledger_pdf
from app.reports.minutes import render_minutes
from app.reports.receipt import render_receipt
from app.services.printing import placement, preferences
from app.services.rooms import mediation
from app.services.rooms.mediation import Document
from app.views import pdf_preview_dialog
from app.views.pdf_preview_dialog import PdfPreviewDialog
from tests.conftest import actor
from tests.reports.test_mediation_documents import make_case
from tests.reports.test_minutes import minutes
from tests.reports.test_receipt import sample
from tests.services.test_printing import fake_lp  # noqa: F401  (a fixture)
from tests.services.test_statistics import center  # noqa: F401  (a fixture)
from tests.views.print_helpers import print_to_files

DPI = 150
MM_PER_PX = 25.4 / DPI


def ink_box(pdf: bytes, index: int = 0) -> tuple[float, ...]:
    """(left, top, right, bottom) of the page's ink in mm from the paper's corner, and the
    page's (width, height) in mm."""
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[index]
        gray = page.render(scale=DPI / 72, grayscale=True).to_numpy()
        if gray.ndim == 3:
            gray = gray[..., 0]
        ys, xs = (gray < 200).nonzero()
        h, w = gray.shape
        box = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        return tuple(v * MM_PER_PX for v in box) + (w * MM_PER_PX, h * MM_PER_PX)
    finally:
        doc.close()


def page_texts(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def page_images(pdf: bytes, dpi: int = 96, block: int = 6) -> list:
    """Each page in grey, averaged over blocks of ``block`` pixels (1.6 mm): a raster printed
    from a raster differs from the vector page only in its anti-aliasing, which the averaging
    takes out, while a line of different text still shows."""
    doc = pdfium.PdfDocument(pdf)
    try:
        pictures = []
        for page in doc:
            gray = page.render(scale=dpi / 72, grayscale=True).to_numpy().astype(float)
            gray = gray[..., 0] if gray.ndim == 3 else gray
            h, w = (gray.shape[0] // block) * block, (gray.shape[1] // block) * block
            pictures.append(gray[:h, :w].reshape(h // block, block, w // block, block).mean((1, 3)))
        return pictures
    finally:
        doc.close()


def printed_as(printed: bytes, source: bytes) -> list[int]:
    """For each printed page (a raster: no text to read), the index of the source page it
    shows: the page it is nearer to than to each other page, where those two differ (an
    agreement's copies differ only in their 第N份 line)."""
    sources = page_images(source)

    def nearer(got, i: int, j: int) -> bool:
        differ = abs(sources[i] - sources[j]) > 40
        return abs(got - sources[i])[differ].mean() < abs(got - sources[j])[differ].mean()

    found = []
    for got in page_images(printed):
        assert got.shape == sources[0].shape
        (best,) = [
            i
            for i in range(len(sources))
            if all(nearer(got, i, j) for j in range(len(sources)) if j != i)
        ]
        assert abs(got - sources[best]).mean() < 8  # the whole page, at the same place
        found.append(best)
    return found


def ledger_pdf() -> bytes:
    columns = [("受理编号", 16), ("登记时间", 16), ("来访人", 8), ("类别", 8), ("事项摘要", 40)]
    columns += [("承办单位", 10), ("状态", 6), ("期限", 10)]
    rows = [
        (
            f"BS2026-A-{n:06d}",
            "2026-11-05 09:07",
            "王𠮷",
            "矛盾纠纷",
            "邻里排水沟堵塞纠纷" * 3,
            "矛盾纠纷调解室",
            "办理中",
            "2026-12-05",
        )  # fmt: skip
        for n in range(1, 40)
    ]
    return render_ledger_pdf(LedgerTable("事项台账", "白石街道综治工作中心", columns, rows))


def numbered_pages(count: int) -> bytes:
    from tests.views.print_memory_probe import document

    return document(count)


@pytest.fixture
def printer_files(monkeypatch, tmp_path):
    return print_to_files(monkeypatch, tmp_path)


def preview(qtbot, pdf: bytes, kind: str = "other") -> PdfPreviewDialog:
    dialog = PdfPreviewDialog(pdf, "打印测试", "a.pdf", kind=kind)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


@pytest.mark.parametrize(
    ("name", "make", "landscape"),
    [
        ("receipt", lambda: render_receipt(sample()), False),
        ("minutes", lambda: render_minutes(minutes()), False),
        ("ledger", ledger_pdf, True),
    ],
)
def test_each_page_prints_at_true_size_on_a_printer_with_5mm_margins(
    qtbot, printer_files, name, make, landscape
):
    jobs, presets = printer_files
    source = make()
    dialog = preview(qtbot, source, kind=name)
    assert dialog.paper.text().startswith(f"纸张：A4 {'横向' if landscape else '纵向'}")
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)

    # The dialog opened with the document's paper and orientation.
    (shown,) = presets
    assert shown["page_size"] == QPageSize.PageSizeId.A4
    assert shown["orientation"] == (
        QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    )
    printed = jobs[0].read_bytes()
    assert len(page_texts(printed)) == len(page_texts(source))
    for i in range(len(page_texts(source))):
        want, got = ink_box(source, i), ink_box(printed, i)
        assert got[4:] == pytest.approx(want[4:], abs=0.5)  # the same paper, the same way up
        assert got[:4] == pytest.approx(want[:4], abs=0.5), (name, i, want, got)
        scale = (got[2] - got[0]) / (want[2] - want[0])
        assert scale == pytest.approx(1.0, abs=0.005)  # at 100 %, not fitted
    assert dialog.message.level == "success" and "已送到" in dialog.message.text()


def test_a_landscape_ledger_on_a_printer_set_to_portrait_is_turned_not_shrunk(qtbot, tmp_path):
    source = ledger_pdf()
    out = tmp_path / "ledger.pdf"
    printer = pdf_preview_dialog.pdf_printer(str(out), 5)
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    pdf_preview_dialog.print_raster(source, printer)
    want, got = ink_box(source), ink_box(out.read_bytes())
    assert got[4:] == pytest.approx((297, 210), abs=0.5)
    assert got[:4] == pytest.approx(want[:4], abs=0.5)


def test_a_printer_with_margins_wider_than_the_document_says_so_once(qtbot, monkeypatch, tmp_path):
    jobs, _ = print_to_files(monkeypatch, tmp_path, margins_mm=25, name="宽边打印机")
    monkeypatch.setattr(pdf_preview_dialog, "_warned_printers", set())
    monkeypatch.setattr(pdf_preview_dialog, "queue_of", lambda p: "宽边打印机")
    monkeypatch.setattr(pdf_preview_dialog.cups, "lp_program", lambda: None)
    source = render_receipt(sample())
    dialog = preview(qtbot, source, kind="receipt")
    assert dialog.print_document()
    assert dialog.message.level == "warning"
    assert placement.MARGIN_WARNING in dialog.message.text()
    want, got = ink_box(source), ink_box(jobs[0].read_bytes())
    assert got[:4] == pytest.approx(want[:4], abs=0.5)  # still 100 %: nothing shrunk
    assert dialog.print_document()  # the second time: no warning again
    assert dialog.message.level == "success"
    assert preferences.choice_for("receipt").printer == "宽边打印机"  # remembered for receipts


def test_an_agreements_copies_print_in_one_job_in_order(qtbot, db, printer_files):
    jobs, presets = printer_files
    _ref, _sid, agreement, _fid = make_case(db)
    with db.read() as s:
        _title, pdf = mediation.render_document_pdf(
            s, actor(db, "tiaojie"), Document.AGREEMENT, agreement.id
        )
    dialog = preview(qtbot, pdf, kind="agreement")
    assert dialog.print_document()
    assert len(jobs) == 1 and presets[0]["copies"] == 1
    texts = page_texts(pdf)
    assert [n for n in (1, 2, 3) for t in texts if f"第{n}份" in t] == [1, 2, 3]
    assert printed_as(jobs[0].read_bytes(), pdf) == [0, 1, 2]  # 第1份, 第2份, 第3份: one job


def test_copies_asked_of_a_printer_that_cannot_make_them_are_collated(qtbot, tmp_path):
    count = 3
    source = numbered_pages(count)
    out = tmp_path / "copies.pdf"
    printer = pdf_preview_dialog.pdf_printer(str(out), 5)
    pdf_preview_dialog.print_raster(source, printer, copies=2)
    order = list(range(count))
    assert printed_as(out.read_bytes(), source) == order + order  # 1 2 … 1 2 …, not 1 1 2 2


def test_the_casefile_prints_whole_or_by_page_range(qtbot, db, tmp_path):
    ref, *_ = make_case(db)
    with db.read() as s:
        _title, pdf = mediation.render_document_pdf(
            s, actor(db, "tiaojie"), Document.CASEFILE, ref.id
        )
    source = page_texts(pdf)
    assert len(source) >= 4
    out = tmp_path / "range.pdf"
    printer = pdf_preview_dialog.pdf_printer(str(out), 5)
    pdf_preview_dialog.print_raster(pdf, printer, pages=(2, 3))
    assert printed_as(out.read_bytes(), pdf) == [1, 2]
    for got, want in zip((1, 2), (1, 2), strict=True):
        assert ink_box(out.read_bytes(), got - 1)[:4] == pytest.approx(
            ink_box(pdf, want)[:4], abs=0.5
        )
    assert preferences.choice_for("casefile", len(source)).duplex  # the 卷宗 is duplex


class Queue(QPrinter):
    """A system queue as the print dialog leaves it: it keeps the duplex asked for."""

    def __init__(self, _name=None):
        super().__init__(QPrinter.PrinterMode.HighResolution)
        self._duplex = QPrinter.DuplexMode.DuplexNone

    def setDuplex(self, mode):  # noqa: N802
        self._duplex = mode

    def duplex(self):
        return self._duplex


def test_the_cups_path_sends_the_pdf_itself(qtbot, monkeypatch, tmp_path, fake_lp):  # noqa: F811
    jobs, _ = print_to_files(monkeypatch, tmp_path, name="调解室打印机")
    monkeypatch.setattr(pdf_preview_dialog, "new_printer", Queue)
    monkeypatch.setattr(pdf_preview_dialog, "queue_of", lambda p: "调解室打印机")
    monkeypatch.setattr(pdf_preview_dialog, "_warned_printers", {"调解室打印机"})
    source = render_minutes(minutes(situation="本月情况。" * 400))
    dialog = preview(qtbot, source, kind="minutes")
    sent = []
    dialog.printed.connect(sent.append)
    assert dialog.print_document()
    (call,) = fake_lp.calls()
    assert call["argv"][:6] == ["-d", "调解室打印机", "-n", "1", "-o", "sides=two-sided-long-edge"]
    assert call["size"] == len(source)  # the document itself, not a raster of it
    assert not list(tmp_path.glob("*.pdf"))  # nothing rasterised
    assert sent == ["调解室打印机"]
    assert preferences.choice_for("agreement").printer is None  # another place's printer
    assert preferences.choice_for("ledger").printer == "调解室打印机"  # the office's


def test_a_queue_that_refuses_pdf_gets_the_raster(qtbot, monkeypatch, tmp_path, fake_lp):  # noqa: F811
    jobs, _ = print_to_files(monkeypatch, tmp_path, name="老打印机")
    monkeypatch.setattr(pdf_preview_dialog, "queue_of", lambda p: "老打印机")
    fake_lp.answer(1, 'lp: Unsupported document-format "application/pdf".')
    dialog = preview(qtbot, render_receipt(sample()), kind="receipt")
    assert dialog.print_document()
    assert len(fake_lp.calls()) == 1 and jobs[0].exists()


def test_a_cups_error_is_one_line_and_nothing_is_marked_printed(
    qtbot,
    monkeypatch,
    tmp_path,
    fake_lp,  # noqa: F811
):
    jobs, _ = print_to_files(monkeypatch, tmp_path, name="窗口打印机")
    monkeypatch.setattr(pdf_preview_dialog, "queue_of", lambda p: "窗口打印机")
    fake_lp.answer(1, 'lp: Destination "窗口打印机" is not accepting jobs.')
    dialog = preview(qtbot, render_receipt(sample()), kind="receipt")
    sent = []
    dialog.printed.connect(sent.append)
    assert not dialog.print_document()
    assert dialog.message.level == "error" and "\n" not in dialog.message.text()
    assert "窗口打印机" in dialog.message.text() and "离线" in dialog.message.text()
    assert sent == [] and not jobs[0].exists()
    assert preferences.choice_for("receipt").printer is None


def test_a_cancelled_dialog_says_so_and_prints_nothing(qtbot, monkeypatch, tmp_path):
    jobs, _ = print_to_files(monkeypatch, tmp_path, accept=False)
    dialog = preview(qtbot, render_receipt(sample()))
    sent = []
    dialog.printed.connect(sent.append)
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == pdf_preview_dialog.CANCELLED
    assert sent == [] and not jobs[0].exists()


@pytest.mark.qt_log_ignore("QPainter::begin")
def test_a_printer_that_cannot_start_is_one_line(qtbot, monkeypatch, tmp_path):
    def unreachable(_name):
        printer = pdf_preview_dialog.pdf_printer(str(tmp_path / "no-such-folder" / "x.pdf"))
        printer.setPrinterName("窗口打印机")
        return printer

    monkeypatch.setattr(pdf_preview_dialog, "installed_printers", lambda: ["窗口打印机"])
    monkeypatch.setattr(pdf_preview_dialog, "new_printer", unreachable)
    monkeypatch.setattr(pdf_preview_dialog, "ask_printer", lambda *a: True)
    dialog = preview(qtbot, render_receipt(sample()))
    sent = []
    dialog.printed.connect(sent.append)
    assert not dialog.print_document()
    assert dialog.message.level == "error" and "无法开始打印" in dialog.message.text()
    assert sent == []


def test_without_a_printer_it_says_so_and_offers_save_as(qtbot, monkeypatch, tmp_path):
    monkeypatch.setattr(pdf_preview_dialog, "installed_printers", lambda: [])
    target = tmp_path / "回执.pdf"
    monkeypatch.setattr(
        pdf_preview_dialog.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "")
    )
    source = render_receipt(sample())
    dialog = preview(qtbot, source)
    seen = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        save = next(b for b in box.buttons() if b.text().startswith("另存为"))
        save.click()

    QTimer.singleShot(0, answer)
    assert not dialog.print_document()
    assert seen == [pdf_preview_dialog.NO_PRINTER]
    assert dialog.message.text() == pdf_preview_dialog.NO_PRINTER
    assert target.read_bytes() == source


def test_the_raster_path_holds_one_page_at_a_time(tmp_path):
    """Peak memory printing 12 pages at 300 dpi is that of printing one page, give or take a
    page image (35 MB each): holding every page would add eleven."""
    if not Path("/proc/self/status").exists():
        pytest.skip("peak memory is read from /proc")
    probe = Path(__file__).with_name("print_memory_probe.py")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = str(Path(__file__).parents[2])

    def peak(pages: int) -> int:
        run = subprocess.run(
            [sys.executable, str(probe), str(pages), str(tmp_path / f"{pages}.pdf")],
            capture_output=True, text=True, env=env, timeout=120, check=True,
        )  # fmt: skip
        return int(run.stdout.split()[-1])

    page_kb = 2480 * 3508 * 4 // 1024
    one, twelve = peak(1), peak(12)
    assert twelve - one < 2 * page_kb, (one, twelve)
    assert len(page_texts((tmp_path / "12.pdf").read_bytes())) == 12


def test_rendering_and_recording_a_mediation_print_are_apart(db):
    ref, *_ = make_case(db)
    m = actor(db, "tiaojie")

    def prints() -> int:
        with db.read() as s:
            return s.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.event == "case_print")
            )

    before = prints()
    with db.read() as s:
        mediation.render_document_pdf(s, m, Document.CASEFILE, ref.id)
    assert prints() == before
    with db.write() as s:
        mediation.record_document_print(s, m, Document.CASEFILE, ref.id)
    assert prints() == before + 1


def timeline_notes(db, mid) -> list[str]:
    with db.read() as s:
        return list(
            s.scalars(
                select(MatterEvent.note).where(
                    MatterEvent.matter_id == mid, MatterEvent.kind == EventKind.DOCUMENT
                )
            )
        )


def register_by_keyboard(qtbot, tab) -> None:
    from tests.views.test_reception_tab import VALID_ID, ime_type

    form = tab.form
    v = form.visitors[0]
    v.name.setFocus()
    ime_type(v.name, "王𠮷")
    v.id_number.setFocus()
    qtbot.keyClicks(v.id_number, VALID_ID)
    form.category.setFocus()
    for _ in range(3):  # （请选择类别）→ 咨询 → 求助 → 投诉
        qtbot.keyClick(form.category, Qt.Key.Key_Down)
    form.summary.setFocus()
    ime_type(form.summary, "反映工地夜间施工噪音扰民。")
    form.handler.setFocus()
    qtbot.keyClick(form.handler, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tab.last_registered is not None, timeout=5000)


@pytest.fixture
def window(qtbot, db, receptionist):
    from app.gui import build_main_window

    w = build_main_window(db, receptionist)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.ctx.worker.wait()


def test_a_receipt_is_on_the_timeline_only_once_printed(qtbot, db, window, printer_files):
    jobs, presets = printer_files
    tab = window.reception
    register_by_keyboard(qtbot, tab)
    mid = tab.last_registered
    qtbot.waitUntil(lambda: tab.preview is not None and tab.preview.isVisible(), timeout=5000)
    tab.preview.close()  # previewed, not printed
    window.ctx.worker.wait()
    assert timeline_notes(db, mid) == []

    qtbot.mouseClick(tab.print_button, Qt.MouseButton.LeftButton)  # 打印回执 (Ctrl+P)
    qtbot.waitUntil(lambda: tab.preview.isVisible(), timeout=5000)
    qtbot.mouseClick(tab.preview.print_button, Qt.MouseButton.LeftButton)
    assert jobs[-1].exists() and presets[-1]["orientation"] == QPageLayout.Orientation.Portrait
    qtbot.waitUntil(lambda: timeline_notes(db, mid) == ["打印受理回执"], timeout=5000)
    tab.preview.close()


def test_receipt_direct_printing_prints_at_registration_without_preview(
    qtbot, db, window, printer_files
):
    jobs, presets = printer_files
    preferences.set_receipt_direct(True)
    preferences.remember("receipt", "窗口打印机", False)
    tab = window.reception
    register_by_keyboard(qtbot, tab)
    mid = tab.last_registered
    qtbot.waitUntil(lambda: bool(jobs) and jobs[0].exists(), timeout=5000)
    assert presets == []  # no dialog asked
    assert tab.preview is not None and not tab.preview.isVisible()
    assert "窗口打印机" in tab.last_label.text() or "已送到" in tab.last_label.text()
    assert "Ctrl+P 预览" in tab.last_label.text()
    qtbot.waitUntil(lambda: timeline_notes(db, mid) == ["打印受理回执"], timeout=5000)
    # The preview is one key away.
    qtbot.mouseClick(tab.print_button, Qt.MouseButton.LeftButton)  # 打印回执 (Ctrl+P)
    qtbot.waitUntil(lambda: tab.preview.isVisible(), timeout=5000)
    tab.preview.close()
    window.ctx.worker.wait()
    assert timeline_notes(db, mid) == ["打印受理回执"]


def test_receipt_direct_printing_without_a_chosen_printer_falls_back_to_the_preview(
    qtbot, db, window, printer_files
):
    jobs, _ = printer_files
    preferences.set_receipt_direct(True)
    tab = window.reception
    register_by_keyboard(qtbot, tab)
    qtbot.waitUntil(lambda: tab.preview is not None and tab.preview.isVisible(), timeout=5000)
    assert "还没有选定回执打印机" in tab.preview.message.text()
    assert not any(j.exists() for j in jobs)
    tab.preview.close()


def test_the_admin_sets_receipt_direct_printing(qtbot):
    from app.views.print_settings import PrintSettingsPanel

    preferences.remember("casefile", "调解室打印机", True)
    panel = PrintSettingsPanel()
    qtbot.addWidget(panel)
    assert "卷宗：调解室打印机（双面）" in panel.printers.text()
    assert not panel.receipt_direct.isChecked()
    qtbot.mouseClick(panel.receipt_direct, Qt.MouseButton.LeftButton)
    assert preferences.receipt_direct() and panel.message.level == "success"


def test_a_supervision_order_is_marked_printed_only_once_printed(db, receptionist):
    from datetime import timedelta

    from app.core import clock
    from app.models import Unit
    from app.services.reception import intake, supervision
    from tests.services.test_intake import make_input

    director = actor(db, "zhuren")
    with db.write() as s:
        unit = s.scalar(select(Unit.id).where(Unit.name == "信访办"))
        mid = intake.register_matter(s, receptionist, make_input(db, unit_id=unit)).id
    with db.write() as s:
        order_id, number, pdf = supervision.issue_for_print(
            s, director, mid, unit, "请五日内答复。", clock.today() + timedelta(days=5)
        )
    assert pdf.startswith(b"%PDF") and timeline_notes(db, mid) == []
    with db.write() as s:
        supervision.record_order_print(s, director, order_id)
    assert timeline_notes(db, mid) == [f"打印督办单 {number}"]


def test_a_ledger_prints_on_landscape_paper_from_its_tab(qtbot, db, printer_files, center):  # noqa: F811
    from tests.views.test_ledgers_tab import open_tab

    jobs, presets = printer_files
    w, tab = open_tab(qtbot, db, "zhuren")
    qtbot.mouseClick(tab.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.preview is not None and tab.preview.isVisible(), timeout=10_000)
    assert tab.preview.paper.text().startswith("纸张：A4 横向")
    qtbot.mouseClick(tab.preview.print_button, Qt.MouseButton.LeftButton)
    assert presets[0]["orientation"] == QPageLayout.Orientation.Landscape
    want, got = ink_box(tab.preview.pdf), ink_box(jobs[0].read_bytes())
    assert got[4:] == pytest.approx((297, 210), abs=0.5)
    assert got[:4] == pytest.approx(want[:4], abs=0.5)
    assert preferences.choice_for("ledger").printer is None  # a PDF file is not a printer
    tab.preview.close()
    w.ctx.worker.wait()


def test_a_printer_that_goes_offline_mid_job_is_one_line(qtbot, monkeypatch, tmp_path):
    class GoesOffline(QPrinter):
        def __init__(self, _name=None):
            super().__init__(QPrinter.PrinterMode.HighResolution)
            self.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            self.setOutputFileName(str(tmp_path / "offline.pdf"))

        def newPage(self):  # noqa: N802
            return False  # the driver lost the printer after the first page

    monkeypatch.setattr(pdf_preview_dialog, "installed_printers", lambda: ["窗口打印机"])
    monkeypatch.setattr(pdf_preview_dialog, "new_printer", GoesOffline)
    monkeypatch.setattr(pdf_preview_dialog, "ask_printer", lambda *a: True)
    dialog = preview(qtbot, numbered_pages(3), kind="casefile")
    sent = []
    dialog.printed.connect(sent.append)
    assert not dialog.print_document()
    assert dialog.message.level == "error" and "\n" not in dialog.message.text()
    assert "第 2 页时停止响应" in dialog.message.text() and "打印未完成" in dialog.message.text()
    assert sent == []
