"""A printer for tests: each printer the program asks for is a PDF-format QPrinter writing a
file, with the hardware margins a driver would report; the print dialog is accepted as shown."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout
from PySide6.QtPrintSupport import QPrinter

from app.views import pdf_preview_dialog


def print_to_files(
    monkeypatch, folder: Path, margins_mm: float = 5, name: str = "窗口打印机", accept=True
):
    """Returns (jobs, presets): the files a printer was opened on (``folder/job-N.pdf``; a
    file exists once its job was sent) and what the print dialog showed each time."""
    jobs: list[Path] = []
    presets: list[dict] = []
    monkeypatch.setattr(pdf_preview_dialog, "installed_printers", lambda: [name])

    def new_printer(_name: str | None) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        path = folder / f"job-{len(jobs) + 1}.pdf"
        printer.setOutputFileName(str(path))
        printer.setPageMargins(QMarginsF(*[margins_mm] * 4), QPageLayout.Unit.Millimeter)
        jobs.append(path)
        return printer

    def ask(printer: QPrinter, _parent, page_count: int) -> bool:
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
        return accept

    monkeypatch.setattr(pdf_preview_dialog, "new_printer", new_printer)
    monkeypatch.setattr(pdf_preview_dialog, "ask_printer", ask)
    return jobs, presets
