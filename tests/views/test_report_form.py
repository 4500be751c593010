"""信息报送's form: what is typed (and the files chosen) survives the program being killed —
the next start offers the draft, 恢复草稿 reopens the form, 确定 saves the report with its
files; the form lists the files, takes one off before saving, and opens a saved one. (Over
2 s: it builds the main window twice, before and after the "crash".)"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import select

from app.core.opened_copies import opened_copies_folder
from app.gui import build_main_window
from app.models import ReportAttachment, UpwardReport
from tests.conftest import actor
from tests.views.test_reception_tab import ime_type


def _page(qtbot, db):
    w = build_main_window(db, actor(db, "jiedai"))
    qtbot.addWidget(w, before_close_func=lambda w: w.ctx.worker.wait())
    w.show()
    tab = w._tab("duty_tab")
    w.tabs.setCurrentWidget(tab)
    tab.pages.setCurrentWidget(tab.reports)
    return w, tab.reports


def test_report_draft_survives_a_crash_and_saves_with_its_files(
    qtbot, db, clock, tmp_path, monkeypatch
):
    clock.freeze("2027-03-01 09:00")
    photo, extra = tmp_path / "现场照片.jpg", tmp_path / "多余.txt"
    photo.write_bytes(b"photo")
    extra.write_bytes(b"x")
    first, page = _page(qtbot, db)
    qtbot.mouseClick(page.buttons["新建…"], Qt.MouseButton.LeftButton)
    d = page.dialog
    ime_type(d.title_edit, "三月矛盾纠纷排查情况")
    d.body.setFocus()
    ime_type(d.body, "本月共排查矛盾纠纷12起。")
    for path in (photo, extra):
        d.choose_file = lambda _parent, p=path: str(p)
        qtbot.mouseClick(d.add_file_button, Qt.MouseButton.LeftButton)
    assert [d.files.item(i).text() for i in range(d.files.count())] == [
        "现场照片.jpg（待保存）",
        "多余.txt（待保存）",
    ]
    d.files.setCurrentRow(1)
    qtbot.mouseClick(d.remove_file_button, Qt.MouseButton.LeftButton)
    assert d.files.count() == 1
    store = first.ctx.drafts
    qtbot.waitUntil(lambda: not page.drafts.timer.isActive(), timeout=5000)  # saved after a pause
    first.ctx.worker.wait()
    assert store.load("jiedai", page.DRAFT_FORM) is not None
    # The program is killed here: nothing saved but the draft. The next start offers it.
    second, page = _page(qtbot, db)
    qtbot.waitUntil(lambda: page.draft_bar.isVisible(), timeout=5000)
    assert "三月矛盾纠纷排查情况" in page.draft_bar.label.text()
    qtbot.mouseClick(page.draft_bar.restore_button, Qt.MouseButton.LeftButton)
    d = page.dialog
    assert d.isVisible() and d.title_edit.text() == "三月矛盾纠纷排查情况"
    assert d.body.toPlainText() == "本月共排查矛盾纠纷12起。"
    assert [d.files.item(i).text() for i in range(d.files.count())] == ["现场照片.jpg（待保存）"]
    qtbot.mouseClick(
        d.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: "已保存为 情况报告〔2027〕第1期" in page.message.text(), timeout=5000)
    second.ctx.worker.wait()
    assert second.ctx.drafts.load("jiedai", page.DRAFT_FORM) is None
    with db.read() as s:
        assert s.scalar(select(UpwardReport.title)) == "三月矛盾纠纷排查情况"
        assert list(s.scalars(select(ReportAttachment.file_name))) == ["现场照片.jpg"]
    # Editing the draft report lists the saved file; activating it opens the checked copy.
    qtbot.waitUntil(lambda: page.table.model().rowCount() == 1, timeout=5000)
    page.table.selectRow(0)
    qtbot.mouseClick(page.buttons["修改…"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.dialog is not d and page.dialog.isVisible(), timeout=5000)
    d = page.dialog
    qtbot.waitUntil(lambda: d.files.count() == 1, timeout=5000)
    assert d.files.item(0).text().startswith("现场照片.jpg（")
    opened: list[Path] = []
    d.show_file = opened.append  # the system viewer
    d.files.itemActivated.emit(d.files.item(0))
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    # A copy with the file's own name in the program's folder, not the stored file itself.
    assert opened[0].name == "现场照片.jpg" and opened[0].read_bytes() == b"photo"
    assert opened[0].is_relative_to(opened_copies_folder())
    second.ctx.worker.wait()
