"""A database that cannot be opened at start-up because its file is damaged: the program
offers the same recovery as ``zongzhi restore`` — a backup chosen from a list with dates and
sizes (issue 16, section 1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.core import clock
from app.services.data.backup import automatic_backup, list_backups
from tests.services.test_backup import table_contents

pytestmark = pytest.mark.sqlite_only


def damaged_with_backups(db):
    older = automatic_backup(db.path, reason="daily", now=clock.now() - timedelta(days=2))
    newer = automatic_backup(db.path, reason="start")
    saved = table_contents(newer)
    db.dispose()
    with open(db.path, "r+b") as f:
        f.write(b"\x00" * 100)  # the header gone: SQLite cannot open it at all
    return older, newer, saved


def test_the_list_shows_each_backup_with_its_date_and_size_newest_first(db, qtbot):
    from app.views.recovery_dialog import RecoveryDialog

    older, newer, saved = damaged_with_backups(db)
    dialog = RecoveryDialog(db.path, "数据库文件损坏（file is not a database）")
    qtbot.addWidget(dialog)
    model = dialog.list.rows_model
    assert model.rowCount() == 2
    first, second = (model.row_at(i).cells for i in range(2))
    assert first[3] == newer.name and second[3] == older.name
    assert first[1] == "启动时" and second[1] == "每日"
    assert first[0].startswith(f"{clock.now():%Y-%m-%d}")
    assert first[2].endswith(("KB", "MB"))
    assert dialog.list.current_id() == str(newer), "the newest is chosen"
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert table_contents(db.path) == saved
    lines = "\n".join(dialog.restored.lines())
    assert "已损坏" in lines and "原数据库另存为" in lines
    assert not list(db.path.parent.rglob("*.partial"))


def test_start_up_offers_the_recovery_and_opens_the_restored_file(db, qtbot, monkeypatch):
    from app import gui
    from app.views.recovery_dialog import RecoveryDialog

    _older, _newer, saved = damaged_with_backups(db)
    shown = []

    def exec_(dialog):
        shown.append(dialog)
        dialog.restore_chosen()
        return dialog.result()

    monkeypatch.setattr(RecoveryDialog, "exec", exec_)
    monkeypatch.setattr(gui.QMessageBox, "information", lambda *a: shown.append(a[2]))
    database = gui._open_or_recover("sqlite:///" + str(db.path), db.path)
    try:
        assert database is not None and shown, "the recovery was offered"
        assert "恢复" in shown[-1]
        assert table_contents(db.path) == saved
    finally:
        database.dispose()


def test_declining_the_recovery_leaves_the_file_alone(db, qtbot, monkeypatch):
    from app import gui
    from app.views.recovery_dialog import RecoveryDialog

    damaged_with_backups(db)
    before = db.path.read_bytes()
    monkeypatch.setattr(RecoveryDialog, "exec", lambda d: QDialog.DialogCode.Rejected)
    assert gui._open_or_recover("sqlite:///" + str(db.path), db.path) is None
    assert db.path.read_bytes() == before


def test_backups_are_listed_for_this_database_only(db, tmp_path):
    automatic_backup(db.path, reason="manual")
    other = db.path.parent / "backups" / "other-20270101-090000.sqlite3"
    other.write_bytes(b"x")
    assert [b.path.name.startswith(db.path.stem) for b in list_backups(db.path)] == [True]
