"""The receipt as a person reads it: text extracted from the PDF, rare characters included."""

from __future__ import annotations

import io
import sys
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from app.reports.base import make_styles
from app.reports.fonts import (
    BUILTIN_CID,
    default_fonts,
    markup,
    missing_characters,
    resolve_fonts,
)
from app.reports.receipt import ReceiptData, ReceiptPerson, render_receipt
from tests.reports.test_fonts import RARE, WQY, needs_ci_fonts


def sample(**kw) -> ReceiptData:
    values = dict(
        center_name="白石街道综治工作中心",
        number="BS2026-A-000123",
        received_at=datetime(2026, 11, 5, 9, 7),
        channel="来访",
        category="矛盾纠纷",
        summary="反映与邻居因排水沟堵塞发生纠纷，请求协调。",
        destination="矛盾纠纷调解室",
        route="交矛盾纠纷调解室办理。",
        deadline_text="30日（自然日，2026年12月5日前）",
        deadline=date(2026, 12, 5),
        receptionist="李接待",
        persons=[
            ReceiptPerson("王𠮷", "330382********123X", "138****5678"),
            ReceiptPerson("李䶮", None, "0577-****4567"),
        ],
        center_phone="0577-61234567",
    )
    values.update(kw)
    return ReceiptData(**values)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_receipt_text_is_extractable_with_rare_characters():
    fonts = default_fonts()
    assert not missing_characters("王𠮷李䶮", fonts), (
        "no installed face has 𠮷/䶮: install fonts-hanazono (Debian) or SimSun-ExtB (Windows)"
    )
    text = text_of(render_receipt(sample()))
    for expected in (
        "白石街道综治工作中心",
        "受理回执",
        "BS2026-A-000123",
        "王𠮷",
        "李䶮",
        "330382********123X",
        "138****5678",
        "0577-****4567",
        "30日（自然日，2026年12月5日前）",
        "李接待",
        "2026年11月5日 09:07",
        "受理存根",
        "矛盾纠纷调解室",
    ):
        assert expected in text, expected


def test_receipt_has_a_qr_code_and_the_answer_when_answered_on_the_spot():
    pdf = render_receipt(sample(answer="可到社保所补缴。", deadline_text="当场办结"))
    text = text_of(pdf)
    assert "解答内容" in text and "可到社保所补缴。" in text
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    # The QR code is drawn as filled modules: many rectangles in the page's content stream.
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    assert content.count(b" re") > 100


def test_the_qr_code_has_the_modules_reportlabs_widget_draws():
    """The receipt draws its QR code itself (qr.py); each row's dark runs are ReportLab's."""
    from reportlab.graphics.barcode.qr import QrCodeWidget

    from app.reports.qr import dark_runs

    widget = QrCodeWidget("BS2026-A-000123", barLevel="M")
    widget.qr.make()
    expected = [
        (r, c) for r, row in enumerate(widget.qr.modules) for c, dark in enumerate(row) if dark
    ]
    count, runs = dark_runs("BS2026-A-000123")
    assert count == widget.qr.getModuleCount()
    assert [(r, c + i) for r, c, n in runs for i in range(n)] == expected


def test_the_qr_encoder_is_found_as_a_bundled_program_supplies_it(monkeypatch):
    """In the installed program (PyInstaller) ReportLab's modules are no files on disk: the
    encoder is asked of the import system's finders, as any import is (a receipt failed
    there with "qrencoder.py: No such file or directory"), without running its package."""
    import importlib.util
    from pathlib import Path

    import reportlab

    from app.reports import qr

    source = (Path(reportlab.__file__).parent / "graphics/barcode/qrencoder.py").read_text("utf-8")
    asked = []

    class Loader:  # serves the module's code from memory, as a bundle's archive does
        def create_module(self, spec):
            return None

        def exec_module(self, module):
            exec(compile(source, "<bundle>", "exec"), module.__dict__)
            module.FROM_THE_BUNDLE = True

    class BundleFinder:
        def find_spec(self, name, path, target=None):
            asked.append((name, list(path or [])))
            if name == "reportlab.graphics.barcode.qrencoder":
                return importlib.util.spec_from_loader(name, Loader())
            return None

    monkeypatch.setattr(sys, "meta_path", [BundleFinder(), *sys.meta_path])
    # (ReportLab's own widget, imported by the test above, imports them normally.)
    for name in ("reportlab.graphics.barcode.qrencoder", "reportlab.graphics.barcode"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    qr._encoder.cache_clear()
    qr.dark_runs.cache_clear()
    try:
        assert qr._encoder().FROM_THE_BUNDLE
        count, runs = qr.dark_runs("BS2026-A-000123")
        assert count == 21 and runs
        # Asked with the package's folders (as the import system asks for a submodule).
        name, folders = asked[-1]
        assert name == "reportlab.graphics.barcode.qrencoder"
        assert folders and folders[0].endswith("barcode")
        assert "reportlab.graphics.barcode" not in sys.modules  # its package never ran
    finally:
        qr._encoder.cache_clear()
        qr.dark_runs.cache_clear()


def test_a_very_long_summary_flows_onto_further_pages():
    pdf = render_receipt(sample(summary="群众反映情况。" * 430))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    assert "受理存根" in text_of(pdf)


def test_without_system_fonts_the_builtin_cid_font_still_prints_chinese():
    fonts = resolve_fonts(candidates={}, rare_candidates=[], use_fc_list=False)
    assert fonts.body == BUILTIN_CID == fonts.title == fonts.heading1
    pdf = render_receipt(sample(persons=[ReceiptPerson("张三")]), make_styles(fonts))
    assert "张三" in text_of(pdf) and "受理回执" in text_of(pdf)


@needs_ci_fonts
def test_markup_escapes_and_switches_face_only_for_missing_characters():
    # WenQuanYi has 王 but not 𠮷, which comes from HanaMin.
    fonts = resolve_fonts(candidates={"hei": [(WQY, 0)]}, rare_candidates=RARE, use_fc_list=False)
    assert markup("A<b>&王", fonts) == "A&lt;b&gt;&amp;王"
    assert not fonts.has(fonts.body, "𠮷")
    out = markup("A<b>&王𠮷", fonts, fonts.body)
    assert out.startswith("A&lt;b&gt;&amp;王")
    assert '<font name="' in out and "𠮷</font>" in out


@pytest.mark.parametrize("font_file", ["/nonexistent/font.ttf"])
def test_a_configured_font_that_is_missing_falls_through(font_file):
    fonts = resolve_fonts(font_file)
    assert fonts.body_path != font_file
