"""A printer for tests: the print dialog "accepted" on a PDF-format QPrinter writing a file,
with the hardware margins a driver would report."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout
from PySide6.QtPrintSupport import QPrinter

from app.views import pdf_preview_dialog


def print_to_files(monkeypatch, folder: Path, margins_mm: float = 5, name: str = "窗口打印机"):
    """Every print dialog is accepted and writes ``folder/job-N.pdf``; returns the list of the
    files written (one per job), and the printers the dialog was opened with (as preset)."""
    jobs: list[Path] = []
    presets: list[dict] = []
    monkeypatch.setattr(pdf_preview_dialog, "installed_printers", lambda: [name])

    def accept(printer: QPrinter, _parent, page_count: int) -> bool:
        layout = printer.pageLayout()
        presets.append(
            {
                "page_size": layout.pageSize().id(),
                "orientation": layout.orientation(),
                "duplex": printer.duplex(),
                "copies": printer.copyCount(),
                "pages": page_count,
            }
        )
        path = folder / f"job-{len(jobs) + 1}.pdf"
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(path))
        printer.setPageLayout(layout)  # the format change keeps what the dialog showed
        printer.setPageMargins(QMarginsF(*[margins_mm] * 4), QPageLayout.Unit.Millimeter)
        jobs.append(path)
        return True

    monkeypatch.setattr(pdf_preview_dialog, "ask_printer", accept)
    return jobs, presets
