"""The shared widgets: the form dialog keeps what was typed when refused, the draft controller
saves, offers, restores and clears, the message bar, the plain-rows model."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QLineEdit

from app.core.errors import ValidationError
from app.core.ops import op, write_op
from app.services.drafts import DraftStore
from app.views.context import ViewContext
from app.views.widgets import (
    ID_ROLE,
    DraftController,
    FormDialog,
    MessageBar,
    Row,
    RowsModel,
    rows_view,
    run_op,
)
from app.views.widgets.rows_model import OVERDUE_BG
from app.views.worker import DbWorker
from tests.conftest import actor
from tests.views.test_reception_tab import ime_type


@write_op()
def _register(session, name: str) -> str:
    """Stands for a service write: refuses a name without a surname, like a real form rule."""
    if len(name) < 2:
        raise ValidationError({"name": "姓名至少两个字"})
    return f"已登记 {name}"


def _ctx(db, tmp_path, username="jiedai") -> ViewContext:
    worker = DbWorker(db)
    return ViewContext(worker, worker.bus, actor(db, username), None, DraftStore(tmp_path))


def test_form_dialog_stays_open_with_the_typing_on_refusal(qtbot, db, tmp_path):
    ctx = _ctx(db, tmp_path)
    dlg = FormDialog("登记")
    qtbot.addWidget(dlg)
    name = dlg.row("姓名", QLineEdit(), field="name")
    note = dlg.row("备注", QLineEdit())
    results = []
    dlg.on_ok = lambda: run_op(ctx, op(_register, name.text()), message=dlg, done=results.append)
    dlg.open()
    ime_type(name, "王")
    ime_type(note, "夜间来访")
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "姓名至少两个字" in dlg.message.text(), timeout=5000)
    assert dlg.isVisible() and name.text() == "王" and note.text() == "夜间来访"
    assert dlg.fields["name"].error.isVisibleTo(dlg)
    assert dlg.fields["name"].error.text() == "姓名至少两个字"
    ime_type(name, "𠮷")
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)
    assert results == ["已登记 王𠮷"] and dlg.result() == FormDialog.DialogCode.Accepted
    ctx.worker.wait()


_SAVES: list[str] = []
_HOLD = threading.Event()


@write_op()
def _slow_save(session, name: str) -> str:
    _HOLD.wait(5)  # the worker is busy with the first click
    _SAVES.append(name)
    return name


def test_a_second_click_on_ok_while_saving_does_not_save_twice(qtbot, db, tmp_path):
    ctx = _ctx(db, tmp_path)
    dlg = FormDialog("新来访者")
    qtbot.addWidget(dlg)
    name = dlg.row("姓名", QLineEdit(), field="name")
    dlg.on_ok = lambda: run_op(ctx, op(_slow_save, name.text()), message=dlg)
    dlg.open()
    ime_type(name, "赵立新")
    _SAVES.clear()
    _HOLD.clear()
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    assert not dlg.ok_button.isEnabled()  # while the save runs
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    _HOLD.set()
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)
    ctx.worker.wait()
    assert _SAVES == ["赵立新"]


def test_cancelling_while_the_save_runs_waits_for_its_outcome(qtbot, db, tmp_path):
    """取消 or Esc while 确定's save runs does not close the dialog (a refusal would have
    nowhere to show, and the typing would be gone): it says it is saving, and the save's
    success closes it."""
    ctx = _ctx(db, tmp_path)
    dlg = FormDialog("计划回访")
    qtbot.addWidget(dlg)
    name = dlg.row("日期", QLineEdit())
    done = []
    dlg.on_ok = lambda: run_op(ctx, op(_slow_save, name.text()), message=dlg, done=done.append)
    dlg.open()
    ime_type(name, "下周二")
    _SAVES.clear()
    _HOLD.clear()
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(
        dlg.buttons.button(dlg.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton
    )
    qtbot.keyClick(name, Qt.Key.Key_Escape)
    assert dlg.isVisible() and "正在保存" in dlg.message.text()
    _HOLD.set()
    qtbot.waitUntil(lambda: done == ["下周二"], timeout=5000)  # saved, and said so
    assert not dlg.isVisible()
    ctx.worker.wait()


def test_a_refused_save_gives_ok_back(qtbot, db, tmp_path):
    ctx = _ctx(db, tmp_path)
    dlg = FormDialog("登记")
    qtbot.addWidget(dlg)
    name = dlg.row("姓名", QLineEdit(), field="name")
    dlg.on_ok = lambda: run_op(ctx, op(_register, name.text()), message=dlg)
    dlg.open()
    ime_type(name, "王")
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "姓名至少两个字" in dlg.message.text(), timeout=5000)
    assert dlg.ok_button.isEnabled() and dlg.isVisible()
    ctx.worker.wait()


def test_form_dialog_without_an_operation_just_accepts(qtbot):
    edit = QLineEdit()
    dlg = FormDialog("计划回访", rows=[("日期", edit)])
    qtbot.addWidget(dlg)
    dlg.open()
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    assert not dlg.isVisible() and dlg.result() == FormDialog.DialogCode.Accepted


def test_message_bar_says_done_and_refused(qtbot, db, tmp_path):
    ctx = _ctx(db, tmp_path)
    bar = MessageBar()
    qtbot.addWidget(bar)
    run_op(ctx, op(_register, "李四"), message=bar, done_text="已保存。")
    qtbot.waitUntil(lambda: bar.text() == "已保存。", timeout=5000)
    assert not bar.is_error and bar.level == "success" and bar.property("role") == "success"
    run_op(ctx, op(_register, "李"), message=bar, done_text="已保存。")
    qtbot.waitUntil(lambda: bar.text() == "姓名至少两个字", timeout=5000)
    assert bar.is_error and bar.property("role") == "error"
    bar.clear()
    assert bar.text() == "" and not bar.is_error
    ctx.worker.wait()


def test_draft_controller_saves_offers_restores_and_clears(qtbot, db, tmp_path):
    ctx = _ctx(db, tmp_path)
    edit = QLineEdit()
    qtbot.addWidget(edit)
    drafts = DraftController(ctx, "visit", lambda: {"text": edit.text()} if edit.text() else None)
    edit.textEdited.connect(drafts.edited)
    drafts.mark_clean()
    ime_type(edit, "反映噪音扰民")
    store = ctx.drafts
    qtbot.waitUntil(
        lambda: (store.load("jiedai", "visit") or (0, {}))[1] == {"text": "反映噪音扰民"},
        timeout=5000,
    )
    ctx.worker.wait()
    # The next start: the bar offers the draft, 恢复草稿 hands it back.
    again = DraftController(ctx, "visit", lambda: None)
    qtbot.addWidget(again.bar)
    restored = []
    again.restore.connect(restored.append)
    assert again.offer(lambda at, d: f"发现 {at:%H:%M} 的草稿：{d['text']}")
    assert not again.bar.isHidden()
    assert "反映噪音扰民" in again.bar.label.text()
    qtbot.mouseClick(again.bar.restore_button, Qt.MouseButton.LeftButton)
    assert restored == [{"text": "反映噪音扰民"}] and again.bar.isHidden()
    # Saving the form clears the draft; a later start offers nothing.
    drafts.clear()
    ctx.worker.wait()
    assert store.load("jiedai", "visit") is None
    assert not DraftController(ctx, "visit", lambda: None).offer(lambda at, d: "")
    # Saved, and still on screen as the program closes: no draft of it either…
    drafts.saved(unchanged=True)
    drafts.save_now()
    ctx.worker.wait()
    assert store.load("jiedai", "visit") is None
    # …until it is typed in again.
    ime_type(edit, "，夜间施工")
    drafts.save_now()
    ctx.worker.wait()
    assert store.load("jiedai", "visit")[1] == {"text": "反映噪音扰民，夜间施工"}
    # Typed while a save was under way: the save clears the draft, the new typing stays one.
    drafts.saved(unchanged=False)
    ctx.worker.wait()
    qtbot.waitUntil(lambda: store.load("jiedai", "visit") is not None, timeout=5000)
    assert store.load("jiedai", "visit")[1] == {"text": "反映噪音扰民，夜间施工"}


def test_text_typed_before_an_old_draft_is_discarded_is_kept(qtbot, db, tmp_path):
    """At start the bar offers an old draft; the user types anew and then clicks 丢弃 to
    dismiss the old one: what they typed is kept (as the new draft), not taken as saved."""
    ctx = _ctx(db, tmp_path)
    ctx.drafts.save("jiedai", "visit", {"text": "上次没写完的"})
    edit = QLineEdit()
    qtbot.addWidget(edit)
    drafts = DraftController(ctx, "visit", lambda: {"text": edit.text()} if edit.text() else None)
    qtbot.addWidget(drafts.bar)
    edit.textEdited.connect(drafts.edited)
    drafts.mark_clean()
    assert drafts.offer(lambda at, d: f"发现草稿：{d['text']}")
    ime_type(edit, "今天来访的新情况")
    qtbot.mouseClick(drafts.bar.discard_button, Qt.MouseButton.LeftButton)
    drafts.save_now()  # the program closes
    ctx.worker.wait()
    assert ctx.drafts.load("jiedai", "visit")[1] == {"text": "今天来访的新情况"}


def test_draft_controller_keeps_nothing_for_an_unchanged_form(qtbot, db, tmp_path):
    ctx = _ctx(db, tmp_path)
    edit = QLineEdit("周一例会")
    qtbot.addWidget(edit)
    drafts = DraftController(ctx, "minutes", lambda: {"text": edit.text()})
    drafts.mark_clean()  # just loaded
    drafts.save_now()
    ctx.worker.wait()
    assert ctx.drafts.load("jiedai", "minutes") is None
    edit.setText("周一例会（补记）")
    drafts.save_now()
    ctx.worker.wait()
    assert ctx.drafts.load("jiedai", "minutes")[1] == {"text": "周一例会（补记）"}


def test_draft_controller_discard_forgets_the_draft(qtbot, db, tmp_path):
    ctx = _ctx(db, tmp_path)
    ctx.drafts.save("jiedai", "intake", {"name": "王𠮷"})
    drafts = DraftController(ctx, "intake", lambda: None, clear_when_empty=True)
    qtbot.addWidget(drafts.bar)
    restored = []
    drafts.restore.connect(restored.append)
    assert drafts.offer(lambda at, d: "发现未登记的表单内容")
    qtbot.mouseClick(drafts.bar.discard_button, Qt.MouseButton.LeftButton)
    ctx.worker.wait()
    assert restored == [] and ctx.drafts.load("jiedai", "intake") is None


def test_rows_model_passes_the_model_tester(qtbot, qtmodeltester):
    model = RowsModel(["日期", "事项", "状态"])
    model.set_rows(
        [
            Row(("2026-11-05", "清理排水沟", "超期"), id=7, warn="overdue"),
            Row(("2026-11-06", "再次调解", "办理中"), id=8),
            ("2026-11-07", "回访", "未办"),
        ]
    )
    qtmodeltester.check(model)
    assert model.rowCount() == 3 and model.columnCount() == 3
    assert model.headerData(1, Qt.Orientation.Horizontal) == "事项"
    assert model.index(1, 1).data() == "再次调解" and model.index(1, 0).data(ID_ROLE) == 8
    brush = model.index(0, 2).data(Qt.ItemDataRole.BackgroundRole)
    assert isinstance(brush, QBrush) and brush.color() == OVERDUE_BG
    assert model.index(1, 2).data(Qt.ItemDataRole.BackgroundRole) is None
    assert model.row_of(8) == 1 and model.row_of(99) == -1
    model.set_rows([])
    qtmodeltester.check(model)
    assert model.rowCount() == 0


def test_rows_view_selection(qtbot):
    view = rows_view(["日期", "事项"], 1, [(0, 110)])
    qtbot.addWidget(view)
    view.set_rows([Row(("2026-11-05", "清理排水沟"), id="a"), Row(("2026-11-06", "回访"), id="b")])
    assert view.current_row() == -1 and view.current_id() is None
    view.selectRow(1)
    assert view.current_row() == 1 and view.current_id() == "b"
    assert view.columnWidth(0) >= 110
    # A reload (a save elsewhere) keeps the chosen row chosen, without announcing a new choice.
    chosen = []
    view.selectionModel().selectionChanged.connect(lambda *_: chosen.append(view.current_id()))
    view.set_rows([Row(("2026-11-04", "新事项"), id="c"), *view.rows_model.rows])
    assert view.current_id() == "b" and view.current_row() == 2 and chosen == []
    view.set_rows([Row(("2026-11-04", "新事项"), id="c")])  # gone: nothing chosen
    assert view.current_id() is None


def test_cancelling_a_form_dialog_asks_before_typed_text_goes(qtbot, monkeypatch):
    """取消 or Esc with text typed asks first (否 keeps the dialog and the text); with nothing
    typed, or only a date chosen, it just closes."""
    from PySide6.QtWidgets import QMessageBox, QPlainTextEdit

    asked, answers = [], [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question", lambda *a: asked.append(a[1]) or answers[-1])
    dlg = FormDialog("记录回访")
    qtbot.addWidget(dlg)
    note = dlg.row("回访情况", QPlainTextEdit())
    dlg.open()
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)  # nothing typed
    assert not dlg.isVisible() and asked == []
    dlg.open()
    ime_type(note, "当事人表示协议已履行完毕")
    qtbot.keyClick(note, Qt.Key.Key_Escape)
    cancel = dlg.buttons.button(dlg.buttons.StandardButton.Cancel)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert asked == ["记录回访", "记录回访"] and dlg.isVisible()
    assert note.toPlainText() == "当事人表示协议已履行完毕"
    answers.append(QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert not dlg.isVisible() and len(asked) == 3
