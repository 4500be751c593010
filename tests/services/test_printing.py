"""Printing without Qt: page placement, the CUPS job (against a fake ``lp`` on PATH that records
its arguments), its errors in one Chinese line, and this terminal's printer per kind."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from app.services.printing import cups, placement, preferences
from app.services.printing.placement import Margins, PageSetup

A4_LANDSCAPE = (placement.A4_PT[1], placement.A4_PT[0])


def test_a_page_is_placed_at_100_percent_at_the_papers_corner():
    x, y, w, h = placement.target_rect(*placement.A4_PT, 1200)
    assert (x, y) == (0, 0)
    assert w / 1200 * 25.4 == pytest.approx(210, abs=0.01)
    assert h / 1200 * 25.4 == pytest.approx(297, abs=0.01)
    # a device whose origin is the printable area's corner: the page still starts at the paper's
    assert placement.target_rect(*placement.A4_PT, 600, (-59, -59))[:2] == (-59, -59)


def test_the_document_sets_the_paper_and_orientation():
    portrait = placement.document_setup([placement.A4_PT] * 3)
    assert portrait.is_a4 and not portrait.landscape and portrait.describe() == "A4 纵向"
    ledger = placement.document_setup([A4_LANDSCAPE])
    assert ledger.is_a4 and ledger.landscape and ledger.describe() == "A4 横向"
    assert ledger.size_mm == pytest.approx((297, 210), abs=0.01)
    assert placement.document_setup([]) == PageSetup(*placement.A4_PT)
    assert PageSetup(498.9, 708.7).describe() == "176×250 mm 纵向"  # B5: not called A4


def test_pages_are_rendered_at_the_printers_resolution_at_most_600_dpi():
    assert placement.render_dpi(300) == 300
    assert placement.render_dpi(1200) == 600
    assert placement.render_dpi(0) == placement.render_dpi(None) == 300


def test_a_hardware_margin_wider_than_the_documents_is_said_once_not_shrunk():
    w, h = placement.A4_PT
    mm = 72 / 25.4
    ink = placement.ink_margins([(20 * mm, 30 * mm, w - 15 * mm, h - 25 * mm)], w, h)
    assert ink == Margins(
        pytest.approx(20), pytest.approx(25), pytest.approx(15), pytest.approx(30)
    )
    assert placement.margin_warning(Margins(5, 5, 5, 5), ink) is None
    assert placement.margin_warning(Margins(5, 5, 16, 5), ink) == placement.MARGIN_WARNING
    assert placement.margin_warning(Margins(30, 30, 30, 30), None) is None  # a blank page


def test_page_ranges():
    assert list(placement.page_span(11)) == list(range(11))
    assert list(placement.page_span(11, 3, 5)) == [2, 3, 4]
    assert list(placement.page_span(11, 10, 20)) == [9, 10]
    assert placement.parse_page_range(" 3－5 ", 11) == (3, 5)
    assert placement.parse_page_range("4", 11) == (4, 4)
    assert placement.parse_page_range("", 11) is None
    with pytest.raises(ValueError, match="看不懂"):
        placement.parse_page_range("三到五", 11)
    with pytest.raises(ValueError, match="1 到 11"):
        placement.parse_page_range("9-12", 11)


# --- CUPS


def test_the_lp_command_line():
    job = cups.CupsJob("调解室打印机", copies=2, duplex=True, pages=(3, 5), title="卷宗 2026-01")
    assert cups.lp_command(job) == [
        "lp", "-d", "调解室打印机", "-n", "2", "-o", "sides=two-sided-long-edge",
        "-o", "print-scaling=none", "-o", "media=A4", "-o", "collate=true",
        "-o", "page-ranges=3-5", "-t", "卷宗 2026-01", "-",
    ]  # fmt: skip
    one = cups.lp_command(cups.CupsJob("窗口打印机"))
    assert one[:7] == ["lp", "-d", "窗口打印机", "-n", "1", "-o", "sides=one-sided"]
    assert "collate=true" not in one and not any(a.startswith("page-ranges") for a in one)
    ledger = cups.CupsJob("q", duplex=True, landscape=True)
    assert "sides=two-sided-short-edge" in cups.lp_command(ledger)
    with pytest.raises(ValueError):
        cups.lp_command(cups.CupsJob("q", copies=0))


@pytest.fixture
def fake_lp(tmp_path, monkeypatch):
    """An ``lp`` on PATH that records its arguments and the document it was given; what it
    answers is set with ``answer(code, stderr)``."""
    if sys.platform == "win32":
        pytest.skip("CUPS is for Linux, UOS and Kylin")
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "lp-calls.jsonl"
    script = folder / "lp"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "data = sys.stdin.buffer.read()\n"
        f"log = open({str(log)!r}, 'a')\n"
        "log.write(json.dumps({'argv': sys.argv[1:], 'size': len(data),"
        " 'pdf': data[:5].decode('latin-1'), 'lang': os.environ.get('LC_ALL')}) + '\\n')\n"
        "code = int(os.environ.get('FAKE_LP_CODE', '0'))\n"
        "if code:\n"
        "    sys.stderr.write(os.environ.get('FAKE_LP_ERR', ''))\n"
        "else:\n"
        "    print('request id is ' + sys.argv[2] + '-42 (1 file(s))')\n"
        "sys.exit(code)\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")

    class Fake:
        path = script

        @staticmethod
        def calls() -> list[dict]:
            if not log.exists():
                return []
            return [json.loads(line) for line in log.read_text().splitlines()]

        @staticmethod
        def answer(code: int, stderr: str = "") -> None:
            monkeypatch.setenv("FAKE_LP_CODE", str(code))
            monkeypatch.setenv("FAKE_LP_ERR", stderr)

    return Fake


def test_the_pdf_itself_goes_to_the_queue(fake_lp):
    assert cups.lp_program() == str(fake_lp.path)
    pdf = b"%PDF-1.4\n" + b"x" * 165_000 + b"\n%%EOF\n"  # a 162 KiB 卷宗 stays 162 KiB
    job = cups.CupsJob("调解室打印机", copies=3, duplex=True, title="卷宗")
    assert cups.submit(pdf, job) == "调解室打印机-42"
    (call,) = fake_lp.calls()
    assert call["argv"] == cups.lp_command(job)[1:]
    assert call["argv"][:4] == ["-d", "调解室打印机", "-n", "3"]
    assert call["size"] == len(pdf) and call["pdf"] == "%PDF-"
    assert call["lang"] == "C"  # lp's messages in a language we can recognise


@pytest.mark.parametrize(
    ("stderr", "line"),
    [
        ("lp: The printer or class does not exist.", "找不到打印机“窗口打印机”"),
        ('lp: Destination "窗口打印机" is not accepting jobs.', "已暂停或离线"),
        ("lp: Unable to connect to server: Connection refused", "CUPS"),
        ("lp: Forbidden", "没有权限"),
        ("lp: something else went wrong", "打印系统报错，未能送出打印任务：something else"),
    ],
)
def test_a_cups_error_is_one_clear_chinese_line(fake_lp, stderr, line):
    fake_lp.answer(1, stderr)
    with pytest.raises(cups.PrintFailed) as failed:
        cups.submit(b"%PDF-1.4", cups.CupsJob("窗口打印机"))
    assert line in failed.value.message
    assert "\n" not in failed.value.message and not failed.value.refuses_pdf


def test_a_queue_that_refuses_pdf_asks_for_the_raster_path(fake_lp):
    fake_lp.answer(1, 'lp: Unsupported document-format "application/pdf".')
    with pytest.raises(cups.PrintFailed) as failed:
        cups.submit(b"%PDF-1.4", cups.CupsJob("老打印机"))
    assert failed.value.refuses_pdf


def test_without_cups_there_is_no_lp(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert cups.lp_program() is None
    with pytest.raises(cups.PrintFailed, match="没有 CUPS"):
        cups.submit(b"%PDF", cups.CupsJob("q"))
    monkeypatch.setattr(sys, "platform", "win32")
    assert cups.lp_program() is None


# --- this terminal's printers


def test_each_kind_remembers_its_printer_and_a_new_kind_takes_its_places():
    assert preferences.choice_for("receipt") == preferences.PrintChoice(None, False)
    preferences.remember("receipt", "窗口打印机", False)
    preferences.remember("agreement", "调解室打印机", False)
    assert preferences.choice_for("receipt").printer == "窗口打印机"
    assert preferences.choice_for("notice").printer == "窗口打印机"  # the window's printer
    assert preferences.choice_for("casefile", 11) == preferences.PrintChoice("调解室打印机", True)
    assert preferences.choice_for("agreement", 3) == preferences.PrintChoice("调解室打印机", False)
    assert preferences.choice_for("minutes", 1).duplex is False
    assert preferences.choice_for("minutes", 2).duplex is True  # multi-page minutes
    preferences.remember("casefile", "档案室打印机", False)  # the user turned duplex off
    assert preferences.choice_for("casefile", 11) == preferences.PrintChoice("档案室打印机", False)
    assert preferences.choice_for("agreement").printer == "调解室打印机"


def test_receipt_direct_printing_is_off_until_set_and_survives_a_broken_file():
    assert preferences.receipt_direct() is False
    preferences.set_receipt_direct(True)
    assert preferences.receipt_direct() is True
    path = Path(os.environ["ZONGZHI_CONFIG_DIR"]) / "printing.json"
    assert json.loads(path.read_text(encoding="utf-8"))["receipt_direct"] is True
    path.write_text("{not json", encoding="utf-8")
    assert preferences.receipt_direct() is False
    assert preferences.choice_for("receipt").printer is None
