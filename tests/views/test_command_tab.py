"""指挥研判: the tab shows the hand-counted center of tests/services/test_statistics.py, and
every number, risk, bar and table cell opens the matters behind it."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

from app.core import clock
from app.gui import build_main_window
from app.models import Matter, RiskLevel
from app.services.reception import intake
from app.services.reception.intake import IntakeInput, VisitorInput
from app.services.security import notes_keys
from app.views import bus
from app.views.command_tab import (
    CHART_OVERDUE,
    CHART_WEEKLY,
    V_GROUP,
    V_NAME,
    V_RECEIVED,
    AlertListDialog,
    MatterListDialog,
)
from app.views.matter_table_model import COL_NUMBER, COL_PERSONS, COL_SUMMARY
from tests.conftest import actor
from tests.services import test_counselling as counselling_fixtures
from tests.services import test_statistics as hand

TODAY = hand.TODAY
center = hand.center  # the hand-counted matters A–J (see that module's docstring)


def open_tab(qtbot, db, username="zhuren"):
    w = build_main_window(db, actor(db, username))
    # Its jobs finish before the window closes, also when a test fails half-way.
    qtbot.addWidget(w, before_close_func=lambda w: w.ctx.worker.wait())
    tab = w.command_tab
    tab.today = TODAY
    w.resize(1440, 900)
    w.show()
    w.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.dashboard is not None and not tab.loading, timeout=10_000)
    return w, tab


def numbers(db, letters, ids) -> set[str]:
    with db.read() as s:
        return {s.get(Matter, ids[x]).number for x in letters}


def listed(qtbot, tab, key) -> MatterListDialog:
    dialog = tab.list_dialog
    assert isinstance(dialog, MatterListDialog) and dialog.key == key
    qtbot.waitUntil(lambda: dialog.loaded and dialog.total is not None, timeout=5000)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == dialog.total, timeout=5000)
    return dialog


def shown_numbers(dialog: MatterListDialog) -> set[str]:
    m = dialog.model
    return {m.index(r, COL_NUMBER).data() for r in range(m.rowCount())}


def test_the_figures_are_the_hand_counted_ones(qtbot, db, center, qtmodeltester):
    _w, tab = open_tab(qtbot, db)
    shown = {key: tile.value.text() for key, tile in tab.tiles.items()}
    assert shown == {
        "today": "2",  # A B
        "open": "5",  # A C D F J
        "due_soon": "1",  # A
        "overdue": "2",  # C F
        "supervised": "1",  # C
        "resolved_month": "1",  # B
        "rate": "37.5%",  # B E G of A B C D E F G J
        "satisfaction": "50.0%",  # E 满意, G 不满意
        "visits_overdue": "0",  # no 特殊人群 listed
    }
    assert tab.tiles["overdue"].value.property("level") == "alert"
    assert "本年受理 8 件" in tab.tiles["rate"].toolTip()
    risks = [tab.risks.item(i).text() for i in range(tab.risks.count())]
    assert risks == [
        "【重复来访】张𠮷：90 天内来访 3 次",
        "【群体性】中雁村 · 矛盾纠纷：在办 2 件，涉及约 20 人",
    ]
    # The charts carry what the service counted.
    overdue = tab.charts[CHART_OVERDUE].data
    values = dict(zip(overdue.labels, overdue.series[0].values, strict=True))
    assert values == {"司法所": 1, "（未交办）": 1}
    weekly = tab.charts[CHART_WEEKLY].data
    assert sum(weekly.totals()) == 8  # A B C D E F H J (12 weeks)
    rows = {
        tab.village_model.index(r, V_NAME).data(): [
            tab.village_model.index(r, c).data() for c in range(1, 7)
        ]
        for r in range(tab.village_model.rowCount())
    }
    assert rows == {
        "白石村": ["4", "2", "1", "0", "1", "25.0%"],  # A C E H
        "中雁村": ["4", "2", "0", "2", "2", "50.0%"],  # B D G J
        "山马社区": ["0", "0", "0", "0", "0", "—"],
        "（未填村社区）": ["1", "1", "1", "0", "0", "0.0%"],  # F
    }
    qtmodeltester.check(tab.village_model)
    qtmodeltester.check(tab.village_proxy)


def test_a_tile_opens_its_matters_with_names_masked(qtbot, db, center, qtmodeltester):
    ids, *_ = center
    w, tab = open_tab(qtbot, db)
    qtbot.mouseClick(tab.tiles["overdue"], Qt.MouseButton.LeftButton)
    dialog = listed(qtbot, tab, ("overdue",))
    assert shown_numbers(dialog) == numbers(db, "CF", ids)
    m = dialog.model
    assert {m.index(r, COL_PERSONS).data() for r in range(m.rowCount())} == {"张*", "赵*"}
    assert dialog.table.isColumnHidden(COL_SUMMARY)
    assert "共 2 件" in dialog.count.text()
    qtmodeltester.check(m)
    # Enter on another tile replaces the list; a double-click opens the matter in 事项办理.
    tab.tiles["rate"].setFocus()
    qtbot.keyClick(tab.tiles["rate"], Qt.Key.Key_Return)
    dialog = listed(qtbot, tab, ("rate",))
    assert shown_numbers(dialog) == numbers(db, "ABCDEFGJ", ids)
    m = dialog.model
    row = next(r for r in range(m.rowCount()) if m.row_at(r).id == ids["G"])
    index = dialog.model.index(row, COL_NUMBER)
    rect = dialog.table.visualRect(index)
    viewport = dialog.table.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())  # Qt wants a press
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: w.tabs.currentWidget() is w.handling, timeout=5000)
    assert w.handling.current == ids["G"]


def _click_bar(qtbot, box, key) -> None:
    box.repaint()  # painted: the bars have their places
    bar = next(b for b in box.bars if b.key == key)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=bar.rect.center().toPoint())


def test_a_bar_opens_its_matters(qtbot, db, center):
    ids, _vil, cat, unit = center
    _w, tab = open_tab(qtbot, db)
    key = ("overdue_unit", str(unit["司法所"]))
    _click_bar(qtbot, tab.charts[CHART_OVERDUE], key)
    assert shown_numbers(listed(qtbot, tab, key)) == numbers(db, "C", ids)
    assert "超期事项 · 司法所：1 件" in tab.list_dialog.heading.text()
    key = ("week_category", "2026-11-02", str(cat["投诉"]))
    _click_bar(qtbot, tab.charts[CHART_WEEKLY], key)
    assert shown_numbers(listed(qtbot, tab, key)) == numbers(db, "CF", ids)
    # A risk opens its matters too.
    repeat = tab.risks.item(0)
    rect = tab.risks.visualItemRect(repeat)
    qtbot.mouseClick(tab.risks.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = listed(qtbot, tab, tuple(repeat.data(Qt.ItemDataRole.UserRole)))
    assert shown_numbers(dialog) == numbers(db, "ACE", ids)


def test_the_village_table_sorts_by_header_and_opens_a_cell(qtbot, db, center):
    ids, vil, *_ = center
    _w, tab = open_tab(qtbot, db)
    table, proxy = tab.village_table, tab.village_proxy

    def column(col):
        return [proxy.index(r, col).data() for r in range(proxy.rowCount())]

    assert column(V_NAME) == ["白石村", "中雁村", "山马社区", "（未填村社区）"]
    header = table.horizontalHeader()
    pos = QPoint(
        header.sectionViewportPosition(V_RECEIVED) + header.sectionSize(V_RECEIVED) // 2,
        header.height() // 2,
    )
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert column(V_RECEIVED) == ["4", "4", "1", "0"]  # the biggest first
    assert column(V_NAME)[-1] == "山马社区"
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert column(V_RECEIVED) == ["0", "1", "4", "4"]
    # 中雁村's 群体性 cell opens D and J.
    row = column(V_NAME).index("中雁村")
    rect = table.visualRect(proxy.index(row, V_GROUP))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = listed(qtbot, tab, ("village", str(vil["中雁村"]), "group"))
    assert shown_numbers(dialog) == numbers(db, "DJ", ids)


def test_export_writes_each_chart_as_a_png(qtbot, db, center, tmp_path):
    _w, tab = open_tab(qtbot, db)
    folder = tmp_path / "图表"
    folder.mkdir()
    tab.choose_folder = lambda: str(folder)
    qtbot.mouseClick(tab.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(getattr(tab, "exported", [])) == 3, timeout=20_000)
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        [
            "指挥研判_近 12 周受理量（按类别）_20261118.png",
            "指挥研判_超期事项（按承办单位）_20261118.png",
            "指挥研判_本年办结用时分布_20261118.png",
        ]
    )
    for path in folder.iterdir():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        image = QImage(str(path))
        assert not image.isNull() and image.width() >= 600 and image.height() >= 400
    assert "已导出 3 张图片" in tab.status.text()
    # Cancelling the folder dialog writes nothing.
    tab.choose_folder = lambda: ""
    tab.exported = []
    qtbot.mouseClick(tab.export_button, Qt.MouseButton.LeftButton)
    assert tab.exported == []


def test_a_new_matter_refreshes_the_tab(qtbot, db, center):
    _ids, vil, cat, _unit = center
    w, tab = open_tab(qtbot, db)
    with db.write() as s:
        intake.register_matter(
            s,
            actor(db, "jiedai"),
            IntakeInput(
                channel="visit",
                visitors=[VisitorInput("周九", village_id=vil["山马社区"])],
                category_id=cat["咨询"],
                summary="咨询低保",
            ),
            at=datetime(2026, 11, 18, 15),
        )
    w.ctx.bus.announce([bus.MATTERS])
    # The figures and the table by village are two jobs: wait for both.
    qtbot.waitUntil(
        lambda: (
            tab.tiles["today"].value.text() == "3"
            and tab.village_model.index(2, V_RECEIVED).data() == "1"
        ),  # 山马社区
        timeout=10_000,
    )


def test_crisis_alerts_open_without_notes(qtbot, db, admin, qtmodeltester):
    with db.write() as s:
        notes_keys.create_recovery_key(s, admin)
    key = counselling_fixtures.unlock(db, "zixun")
    counselling_fixtures.add_client_and_session(db, key, risk=RiskLevel.CRISIS)
    _w, tab = open_tab(qtbot, db)
    item = tab.risks.item(0)
    assert item.text().startswith("【危机预警】暖心工作室：1 名来访者")
    tab.risks.itemClicked.emit(item)
    dialog = tab.list_dialog
    assert isinstance(dialog, AlertListDialog)
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    qtmodeltester.check(dialog.model)
    cells = [
        dialog.model.index(r, c).data()
        for r in range(dialog.model.rowCount())
        for c in range(dialog.model.columnCount())
    ]
    assert cells[:4] == ["小林（化名）", "危机", f"{clock.today():%Y-%m-%d}", "陈咨询"]
    text = " ".join(str(c) for c in cells)
    assert counselling_fixtures.SECRET not in text and counselling_fixtures.BASIS not in text


@pytest.mark.parametrize("username", ["jiedai", "tiaojie", "zixun", "admin"])
def test_only_the_director_gets_the_tab(qtbot, db, username):
    w = build_main_window(db, actor(db, username))
    qtbot.addWidget(w)
    assert w.command_tab is None
    assert "指挥研判" not in [w.tabs.tabText(i) for i in range(w.tabs.count())]
