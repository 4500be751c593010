"""Run as a program: print an N-page PDF on the raster path at 300 dpi and print the peak
resident memory (kB). Used by test_printing to show memory is bounded per page."""

from __future__ import annotations

import io
import sys


def document(pages: int) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    for n in range(pages):
        c.setFont("Helvetica", 40)
        c.drawString(72, 720, f"page {n + 1}")
        c.rect(60, 60, 470, 700)
        c.showPage()
    c.save()
    return out.getvalue()


def peak_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    pages, out = int(sys.argv[1]), sys.argv[2]
    from PySide6.QtWidgets import QApplication

    app = QApplication([])  # noqa: F841
    from app.views import pdf_preview_dialog as p

    pdf = document(pages)
    printer = p.pdf_printer(out, 5)
    printer.setResolution(300)
    p.print_raster(pdf, printer)
    print(peak_kb())


if __name__ == "__main__":
    main()
