"""The six realistic ledgers (tests/ledger_sheets.py) through the ledgers tab's mapping step:
each column shown with its header and samples, the automatic mapping taken or changed, the
refused rows named by sheet and row, the valid rows imported with their statuses; required
fields left unmapped are named first; values mapped once; a mapping saved as a template and
offered again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.models import Matter
from app.services.command import importing
from tests import ledger_sheets
from tests.ledger_sheets import BUILDERS, check_imported
from tests.views.test_ledgers_tab import choose, count, loaded, open_tab, shown
from tests.views.test_reception_tab import ime_type

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def _day(clock):
    clock.freeze("2027-01-05")


def mapping_step(qtbot, tab, ledger):
    if ledger.kind == "disputes":
        loaded(qtbot, tab, lambda: choose(qtbot, tab.ledger, "矛盾排查化解台账"))
    tab.ask_open_path = lambda *a: str(ledger.path)
    before = tab.mapping_dialog
    qtbot.mouseClick(tab.import_button, LEFT)
    qtbot.waitUntil(lambda: shown(tab.mapping_dialog) and tab.mapping_dialog is not before)
    return tab.mapping_dialog


def pick(qtbot, combo, text: str) -> None:
    """A combo's item chosen with the keyboard."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentText() == text:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == text


def row_of(dialog, header: str) -> int:
    for r in range(dialog.table.rowCount()):
        if dialog.table.item(r, 0).text() == header:
            return r
    raise AssertionError(header)


def report_after(qtbot, tab, click) -> object:
    before = tab.report_dialog
    qtbot.mouseClick(click, LEFT)
    qtbot.waitUntil(lambda: shown(tab.report_dialog) and tab.report_dialog is not before,
                    timeout=15_000)  # fmt: skip
    return tab.report_dialog


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_each_ledger_through_the_mapping_step(qtbot, db, tmp_path, build):
    ledger = build(tmp_path)
    w, tab = open_tab(qtbot, db, "jiedai")
    d = mapping_step(qtbot, tab, ledger)
    headers = [d.table.item(r, 0).text() for r in range(d.table.rowCount())]
    assert headers == [h for h in ledger.headers if h]
    for r in range(d.table.rowCount()):
        assert len([x for x in d.table.item(r, 1).text().split("；") if x]) <= 3
    assert d.message.text() == ""  # every required field found
    report = report_after(qtbot, tab, d.ok_button)
    problems = report.table.model()
    named = {problems.index(i, 0).data() for i in range(problems.rowCount())}
    for sheet, row in ledger.refused:
        assert (f"“{sheet}”" if sheet else "") + f"第 {row} 行" in named, named
    assert count(db, Matter) == 0 and report.skip_button.isVisible()
    done = report_after(qtbot, tab, report.skip_button)
    assert f"已导入 {len(ledger.matters)} 行" in done.outcome.text()
    check_imported(db, ledger)
    w.ctx.worker.wait()


def test_required_fields_unmapped_are_named_first_and_a_column_can_be_ignored(qtbot, db, tmp_path):
    ledger = ledger_sheets.ids_and_phones(tmp_path)
    w, tab = open_tab(qtbot, db, "jiedai")
    d = mapping_step(qtbot, tab, ledger)
    assert d.table.item(row_of(d, "身份证号码"), 1).text().startswith("11010519491231002X；")
    when = d.table.cellWidget(row_of(d, "登记时间"), 2)
    assert when.currentText() == "受理时间（必填）"
    pick(qtbot, when, "忽略")
    assert "还没有列对应到必填项目：受理时间" in d.message.text()
    qtbot.mouseClick(d.ok_button, LEFT)
    assert d.isVisible() and tab.report_dialog is None  # nothing checked yet
    pick(qtbot, when, "受理时间（必填）")
    pick(qtbot, d.table.cellWidget(row_of(d, "身份证号码"), 2), "忽略")
    pick(qtbot, d.table.cellWidget(row_of(d, "手机号"), 2), "忽略")
    report = report_after(qtbot, tab, d.ok_button)
    assert "已导入 4 行" in report.outcome.text()  # the float ID column was left out
    with db.read() as s:
        from sqlalchemy import select

        from app.models import Person

        assert {p.id_number for p in s.scalars(select(Person))} == {None}
        assert {p.phone for p in s.scalars(select(Person))} == {None}
    w.ctx.worker.wait()


def test_values_mapped_once_and_the_mapping_saved_as_a_template(qtbot, db, tmp_path):
    ledger = ledger_sheets.sheets_per_month(tmp_path)
    w, tab = open_tab(qtbot, db, "jiedai")
    d = mapping_step(qtbot, tab, ledger)
    assert d.sheet.currentText() == "全部工作表"
    values = {
        d.values_table.item(r, 1).text(): d.value_combos[r] for r in range(len(d.value_combos))
    }
    assert values["邻里纠纷（1 行）"].currentText() == "矛盾纠纷"
    assert values["吵架（1 行）"].currentText().startswith("（不改")
    pick(qtbot, values["吵架（1 行）"], "矛盾纠纷")
    d.save_as.setFocus()
    ime_type(d.save_as, "月报")
    report = report_after(qtbot, tab, d.ok_button)
    assert "已导入 4 行" in report.outcome.text()
    qtbot.waitUntil(lambda: "已保存导入模板“月报”" in tab.message.text(), timeout=5000)
    with db.read() as s:
        (t,) = importing.templates(s, "disputes")
    assert t.values == {"类别": {"吵架": "矛盾纠纷"}}
    qtbot.mouseClick(report.close_button, LEFT)
    # The same headers again: the template is offered and fills in the values.
    again = ledger_sheets.sheets_per_month(tmp_path / "..")
    d2 = mapping_step(qtbot, tab, again)
    assert [d2.template.itemText(i) for i in range(d2.template.count())] == ["（不用模板）", "月报"]
    pick(qtbot, d2.template, "月报")
    values = {
        d2.values_table.item(r, 1).text(): d2.value_combos[r] for r in range(len(d2.value_combos))
    }
    assert values["吵架（1 行）"].currentText() == "矛盾纠纷"
    report = report_after(qtbot, tab, d2.ok_button)
    assert "以前已导入、本次跳过 4 行" in report.outcome.text()
    w.ctx.worker.wait()


def test_dates_without_a_year_ask_for_one(qtbot, db, tmp_path):
    path = tmp_path / "无年份.csv"
    path.write_text("排查日期,当事人姓名,纠纷类别,纠纷简要情况\n5月6日,卫青,矛盾纠纷,无年份\n")
    w, tab = open_tab(qtbot, db, "jiedai")
    ledger = ledger_sheets.Ledger("no-year", path, "disputes", {})
    d = mapping_step(qtbot, tab, ledger)
    assert d.year_box.value() == 0
    qtbot.mouseClick(d.ok_button, LEFT)
    assert d.isVisible() and "没写年份的日期" in d.message.text()
    d.year_box.setFocus()
    d.year_box.selectAll()
    qtbot.keyClicks(d.year_box, "2026")
    report = report_after(qtbot, tab, d.ok_button)
    assert "已导入 1 行" in report.outcome.text()
    with db.read() as s:
        from sqlalchemy import select

        m = s.scalar(select(Matter))
        assert str(m.received_at.date()) == "2026-05-06"
    w.ctx.worker.wait()
