"""The reception window by keyboard: type-ahead, tab order, shortcuts, the 重复来访 panel, the
pinyin of rare names, and no stale state — driven through the real widgets."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.gui import build_main_window, make_app
from app.models import Category, Matter, MatterStatus, Person, Village
from app.views.combos import TypeAheadCombo
from app.views.widgets.screen import simulate_screen
from tests.views.test_reception_tab import VALID_ID, ime_type

# Villages as a real street has them: 下塘村 is the 17th, 16 presses of Down from the top.
STREET = [
    "白石村",
    "白石社区",
    "中雁村",
    "山马村",
    "东山村",
    "西山村",
    "石坦村",
    "下湾村",
    "北岙村",
    "南岙村",
    "新联村",
    "玉屏社区",
    "龙泉村",
    "洪家村",
    "塘下村",
    "金港社区",
    "下塘村",
    "上塘村",
]
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def focused():
    return QApplication.focusWidget()


@pytest.fixture
def window(qtbot, db, receptionist):
    make_app()  # the program's theme and fonts: sizes as a user sees them
    # The window fitter sizes windows to the available area of a 1366×768 screen, less a
    # 40-pixel task bar: the main window gets at most 1350×680.
    simulate_screen(QRect(0, 0, 1366, 728))
    w = build_main_window(db, receptionist)
    qtbot.addWidget(w)
    w.resize(1366, 768)  # asked too large: the fitter shrinks it to the screen on show
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.ctx.worker.wait()
    simulate_screen(None)


@pytest.fixture
def street(db):
    with db.write() as s:
        have = set(s.scalars(select(Village.name)))
        for i, name in enumerate(STREET):
            if name not in have:
                s.add(Village(name=name, sort=i + 10))


class Keys:
    """Presses keys on the focused widget and counts them (a modifier counts as a key)."""

    def __init__(self, qtbot):
        self.qtbot = qtbot
        self.count = 0

    def press(self, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(focused(), key, modifier)
        self.count += 1 + bin(modifier.value).count("1")

    def letters(self, text: str) -> None:  # type-ahead letters are keys too, not typed text
        for ch in text:
            self.qtbot.keyClick(focused(), ch)
            self.count += 1

    def text(self, text: str) -> None:  # typed text: not counted
        if text.isascii():
            self.qtbot.keyClicks(focused(), text)
        else:
            ime_type(focused(), text)


def test_type_ahead_reaches_xiatang_in_at_most_three_keys(qtbot):
    combo = TypeAheadCombo()
    qtbot.addWidget(combo)
    combo.addItem("（村/社区）", None)
    for i, name in enumerate(STREET):
        combo.addItem(name, i)
    combo.show()
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    assert combo.findText("下塘村") == 17  # Down 16 times from the first village
    keys = Keys(qtbot)
    keys.letters("xt")
    assert combo.currentText() == "下塘村" and keys.count <= 3
    # By characters, through the input method, after a pause: a new search.
    combo.setCurrentIndex(0)
    combo.typed = ""
    ime_type(combo, "下塘")
    assert combo.currentText() == "下塘村"
    combo.typed = ""
    keys.letters("xiat")  # full pinyin
    assert combo.currentText() == "下塘村"
    combo.typed = ""
    ime_type(combo, "塘")  # a character inside the name: the first that has it
    assert combo.currentText() == "塘下村"
    combo.typed = ""
    keys.letters("q")  # nothing starts with q: the choice stays
    assert combo.currentText() == "塘下村"
    # Arrow keys still work; the placeholder is never jumped to.
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == "金港社区"
    # With the list open (F4), typing searches it the same way; Enter takes the item.
    combo.setCurrentIndex(0)
    combo.typed = ""
    qtbot.keyClick(combo, Qt.Key.Key_F4)
    qtbot.waitUntil(combo.view().isVisible)
    for ch in "xt":
        qtbot.keyClick(combo.view(), ch)
    assert combo.view().currentIndex().data() == "下塘村"
    qtbot.keyClick(combo.view(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not combo.view().isVisible())
    assert combo.currentText() == "下塘村"
    # 西塘村头 before 下塘村: "xt" finds the first, "xtc" (its whole initials) 下塘村.
    combo.insertItem(1, "西塘村头", 99)
    combo.typed = ""
    keys.count = 0
    keys.letters("xt")
    assert combo.currentText() == "西塘村头"
    keys.letters("c")
    assert combo.currentText() == "下塘村" and keys.count <= 3


def test_form_combos_take_type_ahead_and_handler_offers_staff_by_initials(qtbot, street, window):
    form = window.reception.form
    v = form.visitors[0]
    v.village.setFocus()
    qtbot.waitUntil(v.village.hasFocus)
    qtbot.keyClicks(v.village, "xt")
    assert v.village.currentText() == "下塘村"
    form.category.setFocus()
    qtbot.keyClicks(form.category, "mdjf")
    assert form.category.currentText() == "矛盾纠纷"
    assert form.unit.itemText(0) == "（按类别默认：矛盾纠纷调解室）"
    form.unit.setFocus()
    qtbot.keyClicks(form.unit, "xfb")
    assert form.unit.currentText() == "信访办"
    form.handler.setFocus()
    qtbot.keyClicks(form.handler, "lj")
    completer = form.handler.completer()
    qtbot.waitUntil(lambda: completer.popup().isVisible())
    assert completer.completionCount() == 1
    assert completer.pathFromIndex(completer.currentIndex()) == "李接待"
    assert completer.popup().model().index(0, 0).data() == "李接待"  # the name alone
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Down)
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)
    assert form.handler.text() == "李接待"


def test_tab_goes_from_address_to_category_and_group_and_add_have_keys(qtbot, window):
    form = window.reception.form
    v = form.visitors[0]
    window.reception.focus_name_field()
    qtbot.waitUntil(v.name.hasFocus)
    order = []
    for _ in range(5):
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        order.append(focused())
    assert order == [v.id_number, v.phone, v.village, v.address, form.category]
    # Alt+G: a group matter, straight on to the head count.
    qtbot.keyClick(focused(), Qt.Key.Key_G, ALT)
    assert form.is_group.isChecked() and focused() is form.head_count
    qtbot.keyClicks(form.head_count, "12")
    assert form.head_count.value() == 12
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is form.category
    # Alt+A: another visitor, the cursor in their name; Tab from the last 住址 to 类别.
    qtbot.keyClick(focused(), Qt.Key.Key_A, ALT)
    assert len(form.visitors) == 2 and focused() is form.visitors[1].name
    form.visitors[1].address.setFocus()
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is form.head_count
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is form.category


def test_ctrl_n_scrolls_back_to_the_name_field(qtbot, window):
    tab = window.reception
    window.resize(1366, 520)  # a short window, so that the form scrolls
    qtbot.wait(50)
    bar = tab.scroll.verticalScrollBar()
    assert bar.maximum() > 0
    tab.form.handler.setFocus()
    bar.setValue(bar.maximum())
    qtbot.keyClick(tab.form.handler, Qt.Key.Key_N, CTRL)
    name = tab.form.visitors[0].name
    assert name.hasFocus()
    top_left = name.mapTo(tab.scroll.viewport(), QPoint(0, 0))
    assert tab.scroll.viewport().rect().contains(QRect(top_left, name.size()))


def _register_earlier(db, receptionist, village_id=None, at=None):
    from app.services.reception import intake
    from app.services.reception.intake import VisitorInput
    from tests.services.test_intake import make_input

    visitor = VisitorInput(
        name="王𠮷",
        id_number=VALID_ID,
        phone="13812345678",
        address="白石村1号",
        village_id=village_id,
        pinyin="wang ji",
    )
    with db.write() as s:
        return intake.register_matter(s, receptionist, make_input(db, visitors=[visitor]), at=at)


def test_repeat_visitor_panel_is_visible_at_1366x768_and_ctrl_d_copies_the_particulars(
    qtbot, db, clock, receptionist, window
):
    clock.freeze("2026-12-03 10:00")
    with db.read() as s:
        village_id = s.scalar(select(Village.id).where(Village.name == "中雁村"))
    _register_earlier(db, receptionist, village_id, at=datetime(2026, 11, 28, 9, 30))
    tab = window.reception
    v = tab.form.visitors[0]
    assert not tab.earlier_box.isVisible() and not tab.repeat_line.isVisible()
    tab.focus_name_field()
    ime_type(v.name, "王𠮷")
    qtbot.waitUntil(tab.earlier_box.isVisible, timeout=5000)
    # Beside the form, inside the window, without scrolling anything.
    box = QRect(tab.earlier_box.mapTo(window, QPoint(0, 0)), tab.earlier_box.size())
    assert window.rect().contains(box)
    assert tab.earlier_box.mapTo(tab, QPoint(0, 0)).x() >= tab.scroll.width()
    line = tab.repeat_line
    assert line.isVisible() and "此人以往来访 1 次，最近一次 11月28日，在办 1 件" in line.text()
    assert (
        tab.scroll.viewport()
        .rect()
        .contains(QRect(line.mapTo(tab.scroll.viewport(), QPoint(0, 0)), line.size()))
    )
    assert "#e67e22" in tab.earlier_box.styleSheet()  # highlighted
    # The form itself fits: no scrolling, sideways or down, to see it whole.
    qtbot.waitUntil(v.pinyin.isVisible)  # 𠮷 has no reading: the 拼音 row is there too
    qtbot.wait(50)  # laid out
    assert tab.scroll.horizontalScrollBar().maximum() == 0
    assert tab.scroll.verticalScrollBar().maximum() == 0
    qtbot.keyClick(focused(), Qt.Key.Key_D, CTRL)
    assert (v.name.text(), v.id_number.text(), v.phone.text(), v.address.text()) == (
        "王𠮷",
        VALID_ID,
        "13812345678",
        "白石村1号",
    )
    assert v.village.currentText() == "中雁村"
    assert v.pinyin.isVisible() and v.pinyin.text() == "wang ji"
    assert focused() is tab.form.category
    # A category chosen adds its deadline line: the form still fits.
    qtbot.keyClicks(tab.form.category, "ts")
    qtbot.waitUntil(tab.form.deadline_label.isVisible)
    qtbot.wait(50)
    assert tab.scroll.verticalScrollBar().maximum() == 0
    # Cleared: the panel and the line go.
    tab.form.summary.clear()
    tab.form.reset()
    tab._show_earlier([])
    assert not tab.earlier_box.isVisible() and not tab.repeat_line.isVisible()


def test_the_copy_button_copies_too(qtbot, db, receptionist, window):
    _register_earlier(db, receptionist)
    tab = window.reception
    v = tab.form.visitors[0]
    qtbot.keyClicks(v.id_number, VALID_ID)
    qtbot.waitUntil(tab.copy_button.isVisible, timeout=5000)
    qtbot.mouseClick(tab.copy_button, Qt.MouseButton.LeftButton)
    assert v.name.text() == "王𠮷" and v.phone.text() == "13812345678"


def test_a_rare_name_gets_a_pinyin_field_and_is_found_by_pinyin(qtbot, db, window):
    tab = window.reception
    form = tab.form
    v = form.visitors[0]
    assert not v.pinyin.isVisible()
    tab.focus_name_field()
    ime_type(v.name, "王𠮷")
    qtbot.waitUntil(v.pinyin.isVisible, timeout=5000)
    assert v.pinyin.text() == "wang ?"  # pypinyin reads 王, not 𠮷
    # Tab order: 住址 → 拼音 → 类别.
    v.address.setFocus()
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is v.pinyin
    v.pinyin.selectAll()
    qtbot.keyClicks(v.pinyin, "wang ji")
    form.category.setFocus()
    qtbot.keyClicks(form.category, "ts")
    ime_type(form.summary, "反映噪音扰民。")
    qtbot.keyClick(form.summary, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: tab.last_number != "", timeout=5000)
    with db.read() as s:
        p = s.scalar(select(Person))
        assert (p.name, p.name_pinyin, p.name_initials, p.name_pinyin_typed) == (
            "王𠮷",
            "wangji",
            "wj",
            "wang ji",
        )
    assert not v.pinyin.isVisible()  # the next visitor starts without it
    # The list finds 王𠮷 by pinyin and by initials.
    for query in ("wangji", "wj"):
        tab.search.setText(query)
        qtbot.waitUntil(
            lambda: tab.model.rowCount() == 1 and tab.model.row_at(0).persons == "王𠮷",
            timeout=5000,
        )
    # A readable rare name (䶮) needs no typed pinyin and is found by it.
    ime_type(v.name, "刘䶮")
    tab._look_up_earlier()
    window.ctx.worker.wait()
    qtbot.wait(50)
    assert not v.pinyin.isVisible()


def test_no_stale_default_after_clearing_or_registering(qtbot, db, window, monkeypatch):
    tab = window.reception
    form = tab.form
    form.category.setFocus()
    qtbot.keyClicks(form.category, "mdjf")
    assert form.unit.itemText(0) == "（按类别默认：矛盾纠纷调解室）"
    assert "办理期限" in form.deadline_label.text()
    form.summary.setFocus()
    ime_type(form.summary, "邻里纠纷。")
    with qtbot.waitSignal(tab.form.changed, timeout=1000, raising=False):
        pass
    # Ctrl+N on a filled form asks first; yes clears it.
    from PySide6.QtWidgets import QMessageBox

    # (Qt's own method comes back after the block: deleting the attribute removed it for every
    # later test. A context of its own: monkeypatch.undo() would also undo the database
    # fixture's patches, such as where the audit key is kept.)
    with monkeypatch.context() as patched:
        patched.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
        qtbot.keyClick(form.summary, Qt.Key.Key_N, CTRL)
    assert form.category.currentIndex() == 0
    assert form.unit.itemText(0) == "（按类别默认）" and form.deadline_label.text() == ""
    # After a registration too.
    ime_type(form.visitors[0].name, "赵六")
    form.category.setFocus()
    qtbot.keyClicks(form.category, "jsjf")
    assert "家事调解室" in form.unit.itemText(0)
    ime_type(form.summary, "家庭纠纷。")
    qtbot.keyClick(form.summary, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: tab.last_number != "", timeout=5000)
    assert form.unit.itemText(0) == "（按类别默认）" and form.deadline_label.text() == ""


def test_error_marks_clear_as_soon_as_the_field_is_fixed(qtbot, db, window):
    tab = window.reception
    form = tab.form
    v = form.visitors[0]
    tab.register()  # nothing filled in
    qtbot.waitUntil(lambda: "类别" in form.error.text(), timeout=5000)
    assert form.category.property("invalid") is True
    assert form.summary.property("invalid") is True
    assert v.name.property("invalid") is True
    form.category.setFocus()
    qtbot.keyClicks(form.category, "ts")
    assert form.category.property("invalid") is False and "类别" not in form.error.text()
    ime_type(form.summary, "反映噪音。")
    assert form.summary.property("invalid") is False and "摘要" not in form.error.text()
    v.name.setFocus()
    qtbot.keyClicks(v.name, "Li")
    ime_type(v.name, "张三")
    assert v.name.property("invalid") is False
    assert form.error.text() == ""


def test_a_first_time_visitor_is_registered_by_keyboard_in_at_most_25_keys(
    qtbot, db, window, capsys
):
    """The whole intake: name, ID number, phone, village, address, category, summary, register,
    close the receipt. Keys besides the typed text are counted (type-ahead letters count)."""
    tab = window.reception
    form = tab.form
    keys = Keys(qtbot)
    tab.table.setFocus()  # wherever the cursor was
    keys.press(Qt.Key.Key_N, CTRL)  # Ctrl+N: a new form, the cursor in the name
    v = form.visitors[0]
    assert focused() is v.name
    keys.text("陈晓明")
    keys.press(Qt.Key.Key_Tab)
    keys.text(VALID_ID)
    keys.press(Qt.Key.Key_Tab)
    keys.text("13812345678")
    keys.press(Qt.Key.Key_Tab)
    assert focused() is v.village
    keys.letters("zy")  # 中雁村
    keys.press(Qt.Key.Key_Tab)
    keys.text("中雁村5号")
    keys.press(Qt.Key.Key_Tab)
    assert focused() is form.category
    keys.letters("ts")  # 投诉
    keys.press(Qt.Key.Key_Tab)
    assert focused() is form.summary
    keys.text("反映工地夜间施工噪音扰民。")
    keys.press(Qt.Key.Key_Return, CTRL)  # register
    qtbot.waitUntil(lambda: tab.last_number != "", timeout=5000)
    qtbot.waitUntil(lambda: tab.preview is not None and tab.preview.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: focused() is not None and focused().window() is tab.preview)
    keys.press(Qt.Key.Key_Escape)  # close the receipt's preview
    qtbot.waitUntil(lambda: not tab.preview.isVisible())
    with capsys.disabled():
        print(f"\n[keyboard intake] {keys.count} keys besides the typed text")
    assert keys.count <= 25
    with db.read() as s:
        m = s.scalar(select(Matter))
        assert m.number == tab.last_number and m.status == MatterStatus.REGISTERED
        p = m.persons[0].person
        assert (p.name, p.id_number, p.phone, p.address) == (
            "陈晓明",
            VALID_ID,
            "13812345678",
            "中雁村5号",
        )
        assert s.get(Village, p.village_id).name == "中雁村"
        assert s.get(Category, m.category_id).name == "投诉"
        assert m.summary == "反映工地夜间施工噪音扰民。"
    # Ready for the next visitor.
    qtbot.waitUntil(lambda: focused() is v.name)


def test_typed_pinyin_survives_in_the_draft(qtbot, window):
    form = window.reception.form
    v = form.visitors[0]
    ime_type(v.name, "王𠮷")
    window.reception._look_up_earlier()
    qtbot.waitUntil(v.pinyin.isVisible, timeout=5000)
    v.pinyin.setFocus()
    v.pinyin.selectAll()
    qtbot.keyClicks(v.pinyin, "wang ji")
    saved = form.to_dict()
    assert saved["visitors"][0]["pinyin"] == "wang ji"
    form.reset()
    assert not v.pinyin.isVisible() and v.typed_pinyin() == ""
    form.from_dict(saved)
    assert v.pinyin.isVisible() and v.typed_pinyin() == "wang ji"
