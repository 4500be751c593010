"""Every date field (``DateEdit``, made by ``date_edit``): a whole date typed over a
selection sets the whole date; typing into the month or day alone works as before."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from app.views.widgets import DateEdit, FormDialog, date_edit
from app.views.widgets.tables import parse_typed_date


@pytest.fixture
def field(qtbot):
    dlg = FormDialog("日期")
    e = dlg.row("日期", date_edit(date(2026, 12, 3)))
    qtbot.addWidget(dlg)
    dlg.show()
    e.setFocus()
    yield e
    dlg.close()


def _typed(e) -> str:
    return e.date().toString("yyyy-MM-dd")


@pytest.mark.parametrize("typed", ["2027-01-10", "2027/1/10", "20270110", "2027.01.10"])
def test_a_whole_date_typed_over_the_whole_text(qtbot, field, typed):
    field.lineEdit().selectAll()
    qtbot.keyClicks(field, typed)
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    assert _typed(field) == "2027-01-10" and field.text() == "2027-01-10"


def test_a_whole_date_typed_over_the_year_a_tab_selects(qtbot, field):
    field.lineEdit().setSelection(0, 4)  # what Tab into the field selects
    qtbot.keyClicks(field, "2027-01-10")
    assert _typed(field) == "2027-01-10"  # Qt alone made this 2027-12-01


def test_the_day_alone_and_a_bare_year_still_work(qtbot, field):
    field.lineEdit().setSelection(8, 2)
    qtbot.keyClicks(field, "15")
    assert _typed(field) == "2026-12-15"
    field.lineEdit().selectAll()
    qtbot.keyClicks(field, "2027")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert _typed(field) == "2027-12-15"


def test_a_day_that_does_not_exist_leaves_the_date(qtbot, field):
    field.lineEdit().selectAll()
    qtbot.keyClicks(field, "2027-02-30")
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    assert _typed(field) == "2026-12-03" and field.text() == "2026-12-03"
    field.lineEdit().selectAll()
    qtbot.keyClicks(field, "2027-0")
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert _typed(field) == "2026-12-03" and field.text() == "2026-12-03"


def test_parse_typed_date():
    assert parse_typed_date("2027年1月10日") == date(2027, 1, 10)
    assert parse_typed_date("2027-1") is None and parse_typed_date("2027-13-01") is None
    assert isinstance(date_edit(), DateEdit)
