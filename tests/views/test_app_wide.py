"""What the application installs once for every window: the mouse wheel scrolls forms and
leaves unfocused combos, spin boxes and dates alone; Qt's own dialogs speak Chinese; button
labels keep their case under the theme."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, QDir, QPoint, QPointF, Qt
from PySide6.QtGui import QPalette, QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QColorDialog,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QWidget,
)

from app.gui import _install_qt_chinese, make_app
from app.views.widgets.wheel import install_wheel_guard, uninstall_wheel_guard


def wheel(widget: QWidget, steps: int = -1) -> None:
    """A real wheel turn over the middle of the widget (negative: towards the user)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


@pytest.fixture
def form(qtbot, qapp):
    install_wheel_guard(qapp)
    page = QWidget()
    rows = QFormLayout(page)
    combo, spin, day = QComboBox(), QSpinBox(), QDateEdit(QDate(2027, 1, 5))
    combo.addItems(["张调解员", "李调解员", "王调解员"])
    spin.setRange(0, 100)
    spin.setValue(5)
    name = QLineEdit()
    rows.addRow("姓名", name)  # where the focus is while the user scrolls
    for i in range(30):
        rows.addRow(f"第{i}行", QLabel("……"))
    rows.addRow("主调解员", combo)
    rows.addRow("人数", spin)
    rows.addRow("日期", day)
    for i in range(30):
        rows.addRow(f"后{i}行", QLabel("……"))
    area = QScrollArea()
    area.setWidget(page)
    area.setWidgetResizable(True)
    area.resize(400, 300)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    name.setFocus()
    qtbot.waitUntil(name.hasFocus, timeout=2000)
    area.ensureWidgetVisible(combo)
    area.combo, area.spin, area.day = combo, spin, day
    yield area
    uninstall_wheel_guard(qapp)


def test_the_wheel_over_an_unfocused_field_scrolls_the_form_instead(qtbot, form):
    bar = form.verticalScrollBar()
    for field in (form.combo, form.spin, form.day):
        before_value = field.currentIndex() if field is form.combo else field.text()
        before_scroll = bar.value()
        assert not field.hasFocus()
        wheel(field, -1)
        after = field.currentIndex() if field is form.combo else field.text()
        assert after == before_value, f"the wheel changed {type(field).__name__}"
        assert bar.value() > before_scroll, "the form scrolls instead"
        form.ensureWidgetVisible(form.combo)


def test_the_wheel_still_works_in_a_field_that_has_the_focus(qtbot, form):
    form.combo.setFocus()
    qtbot.waitUntil(form.combo.hasFocus, timeout=2000)
    wheel(form.combo, -1)
    assert form.combo.currentIndex() == 1


@pytest.fixture
def chinese_qt(qapp):
    _install_qt_chinese(qapp)
    yield qapp
    for translator in getattr(qapp, "_zongzhi_translators", None) or []:
        qapp.removeTranslator(translator)
    qapp._zongzhi_translators = None


def test_qt_file_dialog_speaks_chinese(qtbot, chinese_qt):
    dialog = QFileDialog()
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(dialog)
    labels = [label.text() for label in dialog.findChildren(QLabel) if label.text()]
    assert "查找范围(&L)：" in labels and "文件类型(&T)：" in labels
    assert not any("Look in" in t or "Files of" in t for t in labels)
    buttons = {b.text() for b in dialog.findChildren(QPushButton)}
    assert "取消" in buttons


def test_qt_message_box_and_colour_dialog_buttons_speak_chinese(qtbot, chinese_qt):
    box = QMessageBox()
    qtbot.addWidget(box)
    box.setStandardButtons(
        QMessageBox.StandardButton.Yes
        | QMessageBox.StandardButton.No
        | QMessageBox.StandardButton.Cancel
    )
    assert {b.text() for b in box.buttons()} == {"是(&Y)", "否(&N)", "取消"}
    colours = QColorDialog()
    colours.setOption(QColorDialog.ColorDialogOption.DontUseNativeDialog)
    qtbot.addWidget(colours)
    assert {"确定", "取消"} <= {b.text() for b in colours.findChildren(QPushButton)}


def test_qt_chinese_catalogues_ship_with_pyside6():
    from pathlib import Path

    from PySide6.QtCore import QLibraryInfo

    from app.gui import QT_CATALOGUES

    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    assert all((folder / f"{name}.qm").is_file() for name in QT_CATALOGUES)


def test_the_theme_keeps_the_case_of_button_labels(qtbot, qapp, tmp_path, monkeypatch):
    from app.views.theme import apply_theme

    monkeypatch.setenv("ZONGZHI_CACHE_DIR", str(tmp_path / "cache"))
    apply_theme(qapp)  # taken off after the test (conftest ``_application_as_found``)
    assert "icon:/primary/" in qapp.styleSheet(), "the material sheet is applied"
    assert "uppercase" not in qapp.styleSheet()
    mixed, upper = QPushButton("新建 (Ctrl+N)"), QPushButton("新建 (CTRL+N)")
    for b in (mixed, upper):
        qtbot.addWidget(b)
        b.resize(200, 40)
        b.show()
    # drawn upper-cased, the two would look the same
    assert mixed.grab().toImage() != upper.grab().toImage()


def test_the_program_set_up_themes_the_application(qapp):
    """``make_app`` (the program's start, and ``run_gui`` in tests) on the run's one
    QApplication: theme, Qt's Chinese, the screen fitter and the wheel guard."""
    make_app()
    assert "icon:/primary/" in qapp.styleSheet() and QDir.searchPaths("icon")
    assert qapp._zongzhi_translators and qapp._zongzhi_screen_fitter
    assert qapp._zongzhi_wheel_guard


def test_the_next_test_finds_the_application_plain(qapp):
    """Whatever an earlier test set up (the one above, run before this one), this test's
    application is plain: themed or not never depends on the order tests run in."""
    assert qapp.styleSheet() == "" and QDir.searchPaths("icon") == []
    assert qapp.palette().color(QPalette.ColorRole.Text).alpha() == 255  # the theme's is 92
    assert getattr(qapp, "_zongzhi_translators", None) is None
    assert getattr(qapp, "_zongzhi_screen_fitter", None) is None
    assert getattr(qapp, "_zongzhi_wheel_guard", None) is None
