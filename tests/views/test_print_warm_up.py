"""After log-in, printing is made ready off the database worker: the receipt's faces are loaded
in the background, holding no session and keeping no list job waiting (issue 17)."""

from __future__ import annotations

from reportlab.pdfbase import pdfmetrics

from app.gui import build_main_window
from app.reports.fonts import default_fonts


def test_printing_warms_up_without_the_database_worker(qtbot, db, receptionist, monkeypatch):
    window = build_main_window(db, receptionist)
    qtbot.addWidget(window)
    window.ctx.worker.wait()
    submitted = []
    real = window.ctx.worker.submit
    monkeypatch.setattr(
        window.ctx.worker, "submit", lambda *a, **kw: submitted.append(a) or real(*a, **kw)
    )
    window.reception._warm_up_printing()
    fonts = default_fonts()

    def body_loaded() -> bool:
        font = pdfmetrics.getFont(fonts.body)
        return "face" in font.__dict__ or not hasattr(font, "loaded")

    qtbot.waitUntil(body_loaded, timeout=10_000)
    assert submitted == []
