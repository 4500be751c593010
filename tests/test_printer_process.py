"""The command line's printing process (app.printer_process): a second process makes the PDF
of what the first sends it, and the first makes it itself whenever the second cannot.

Each case runs in a fresh interpreter of its own (a fork of the test run, with Qt and its
threads in it, would not be the program's)."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the second process is forked on Linux only"
)

SCRIPT = """
import io, json, os, sys, time
sys.path.insert(0, os.getcwd())
from datetime import datetime
from app.printer_process import PrinterProcess
from app.reports.contents import RECEIPT, Printable, ReceiptData, ReceiptPerson

case, tmp = sys.argv[1], sys.argv[2]
ready_file = os.path.join(tmp, "ready")
sample = ReceiptData(
    center_name="白石街道综治工作中心", number="BS2026-A-000123",
    received_at=datetime(2026, 11, 5, 9, 7), channel="来访", category="矛盾纠纷",
    summary="反映与邻居因排水沟堵塞发生纠纷，请求协调。", destination="矛盾纠纷调解室",
    route="交矛盾纠纷调解室办理。", deadline_text="2026年12月5日前", receptionist="李接待",
    persons=[ReceiptPerson("王𠮷", "330382********123X", "138****5678")],
)

def ready():
    # Where the faces were made ready; written whole or not at all (the first process may
    # end this one at any moment, here as anywhere).
    with open(ready_file + ".part", "w") as f:
        f.write(str(os.getpid()))
    os.replace(ready_file + ".part", ready_file)
    if case == "ready-fails":
        raise RuntimeError("faces missing")
    if case in ("hangs", "not-wanted"):
        time.sleep(600)  # stuck (a font folder on a dead network share)
    from app.reports import receipt
    receipt.warm_up()

assert not any(m.startswith("reportlab") for m in sys.modules)
printer = PrinterProcess.start(ready, wait_seconds=2)
started = time.monotonic()
try:
    data = None if case == "report-fails" else sample
    if case == "not-wanted":  # the log-in was refused: no document is sent
        pdf, outcome = b"", "none"
    else:
        try:
            pdf = printer.render_later(Printable(RECEIPT, data))()
            outcome = "pdf"
        except AttributeError as exc:
            pdf, outcome = b"", f"error: {exc}"
finally:
    printer.close()
seconds = time.monotonic() - started
with open(os.path.join(tmp, "out.pdf"), "wb") as f:
    f.write(pdf)
try:
    os.waitpid(printer.pid, os.WNOHANG)
    reaped = False
except ChildProcessError:
    reaped = True
print(json.dumps({
    "outcome": outcome,
    "ready_in": int(open(ready_file).read()) if os.path.exists(ready_file) else None,
    "me": os.getpid(),
    "reaped": reaped,
    "reportlab_here": any(m.startswith("reportlab") for m in sys.modules),
    "seconds": seconds,
}))
"""


def _run(case: str, tmp_path) -> tuple[dict, bytes]:
    from tests.conftest import ROOT

    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, case, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=120,
    ).stdout
    return json.loads(out.strip().splitlines()[-1]), (tmp_path / "out.pdf").read_bytes()


def _text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_the_second_process_makes_the_pdf_and_is_waited_for(tmp_path):
    seen, pdf = _run("ok", tmp_path)
    assert seen["outcome"] == "pdf" and seen["reaped"]
    assert seen["ready_in"] not in (None, seen["me"])  # made ready in the other process
    assert not seen["reportlab_here"]  # the first never loaded ReportLab
    text = _text(pdf)
    assert "受理回执" in text and "BS2026-A-000123" in text and "王𠮷" in text


def test_when_the_second_process_is_gone_the_first_prints_itself(tmp_path):
    seen, pdf = _run("ready-fails", tmp_path)
    assert seen["outcome"] == "pdf" and seen["reaped"]
    assert seen["reportlab_here"]  # rendered here instead
    assert "BS2026-A-000123" in _text(pdf)


def test_a_report_error_is_raised_in_the_first_process(tmp_path):
    """Rendered again here, the report fails the same way and says so where it is caught."""
    seen, _pdf = _run("report-fails", tmp_path)
    assert seen["outcome"].startswith("error: 'NoneType' object has no attribute")
    assert seen["reaped"]


def test_a_printing_process_that_hangs_is_not_waited_for(tmp_path):
    """Nothing back within the wait (two seconds here): the PDF is made here and the second
    process is ended, so the database's write lock is not held meanwhile."""
    seen, pdf = _run("hangs", tmp_path)
    assert seen["outcome"] == "pdf" and seen["reaped"] and seen["reportlab_here"]
    assert 2 <= seen["seconds"] < 10  # it would sleep ten minutes
    assert "BS2026-A-000123" in _text(pdf)


def test_a_document_no_longer_wanted_ends_the_printing_process_at_once(tmp_path):
    """A refused log-in sends nothing: the second process is ended then, not waited for."""
    seen, _pdf = _run("not-wanted", tmp_path)
    assert seen["outcome"] == "none" and seen["reaped"] and not seen["reportlab_here"]
    assert seen["seconds"] < 10  # it would sleep ten minutes
