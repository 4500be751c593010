"""事项办理's dialogs for the 信访 procedure and the loop with the higher level: 暂停计时 /
恢复计时, 复查/复核 (asked, decided), 上级交办 (文号 and deadline), 记录上级反馈 (with files).

``procedure_items`` gives the handling tab the actions a matter's procedure state allows and
the lines its detail shows; the rules are the services' (petitions.py, linkage.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from app.core import clock
from app.services.reception.petitions import ProcedureState, ReviewView
from app.services.security.permissions import Action, allowed

from .widgets import FormDialog
from .widgets.tables import DateEdit

PAUSE_REASONS = ["等待当事人补充材料", "等待鉴定、检测结果", "等待有关单位核实情况"]


def _text() -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)
    edit.setMaximumHeight(110)
    return edit


def _date(day: date) -> DateEdit:
    edit = DateEdit()
    edit.setDate(QDate(day.year, day.month, day.day))
    return edit


def _day(edit: DateEdit) -> date:
    return edit.date().toPython()


class PauseDialog(FormDialog):
    """暂停计时: why (a usual reason chosen or typed)."""

    def __init__(self, parent=None):
        super().__init__("暂停计时", parent)
        note = QLabel("暂停期间不计入办理期限；恢复计时后，期限按暂停的时间顺延。")
        note.setWordWrap(True)
        self.form.addRow(note)
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(PAUSE_REASONS)
        self.row("暂停的理由", self.reason, "text")

    def values(self) -> str:
        return self.reason.currentText()


class ResumeDialog(FormDialog):
    def __init__(self, since: str, parent=None):
        super().__init__("恢复计时", parent)
        note = QLabel(f"自 {since} 起暂停计时。恢复后期限按暂停的时间顺延。")
        note.setWordWrap(True)
        self.form.addRow(note)
        self.note = self.row("说明（可不填）", QLineEdit(), "text")


class ReviewRequestDialog(FormDialog):
    """复查 / 复核 asked for: the body, what is asked, the day it was asked."""

    def __init__(self, kind: str, parent=None):
        super().__init__(f"登记{kind}请求", parent)
        note = QLabel(f"{kind}请求应自收到意见之日起30日内提出；{kind}机关30日内出具{kind}意见。")
        note.setWordWrap(True)
        self.form.addRow(note)
        self.body = self.row(f"{kind}机关", QLineEdit(), "body")
        self.on = self.row("提出日期", _date(clock.today()), "on")
        self.text = self.row(f"{kind}请求", _text(), "text")

    def values(self) -> tuple[str, str, date]:
        return self.body.text(), self.text.toPlainText(), _day(self.on)


class ReviewDecisionDialog(FormDialog):
    def __init__(self, review: ReviewView, parent=None):
        kind = review.kind.label
        super().__init__(f"{kind}意见", parent)
        note = QLabel(review.line)
        note.setWordWrap(True)
        self.form.addRow(note)
        self.on = self.row("出具日期", _date(clock.today()), "on")
        self.text = self.row(f"{kind}意见", _text(), "text")

    def values(self) -> tuple[str, date]:
        return self.text.toPlainText(), _day(self.on)


class AssignmentDialog(FormDialog):
    """上级交办: the higher body, its 文号 and deadline, and the center's own deadline."""

    def __init__(self, state: ProcedureState, deadline: date, parent=None):
        super().__init__("上级交办", parent)
        self.body = self.row("交办机关", QLineEdit(state.superior_body), "body")
        self.ref = self.row("交办文号", QLineEdit(state.superior_ref), "ref")
        self.superior = self.row(
            "上级办结期限", _date(state.superior_deadline or deadline), "superior_deadline"
        )
        self.deadline = self.row("中心办理期限", _date(deadline), "deadline")
        note = QLabel("中心办理期限不能晚于上级要求的办结期限。")
        note.setWordWrap(True)
        self.form.addRow(note)

    def values(self) -> tuple[str, str, date, date]:
        return self.body.text(), self.ref.text(), _day(self.superior), _day(self.deadline)


class UpperResultDialog(FormDialog):
    """记录上级反馈: the day the answer came, what it says, and the reply as files."""

    def __init__(self, sent_on: date | None, parent=None):
        super().__init__("记录上级反馈", parent)
        if sent_on is not None:
            self.form.addRow(QLabel(f"{sent_on:%Y-%m-%d} 转上级/移送，等待反馈。"))
        self.on = self.row("收到反馈日期", _date(clock.today()), "on")
        self.text = self.row("反馈的结果", _text(), "text")
        self.files: list[Path] = []
        box = QWidget()
        line = QHBoxLayout(box)
        line.setContentsMargins(0, 0, 0, 0)
        self.chosen = QLabel("（未选择）")
        self.choose = QPushButton("选择文件…")
        self.choose.clicked.connect(self._choose)
        line.addWidget(self.chosen, 1)
        line.addWidget(self.choose)
        self.row("回复文件（可不选）", box, "files")

    def _choose(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "选择回复文件", "", "扫描件和照片 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff)"
        )
        if paths:
            self.set_files([Path(p) for p in paths])

    def set_files(self, files: list[Path]) -> None:
        self.files = files
        self.chosen.setText("、".join(p.name for p in files) or "（未选择）")

    def values(self) -> tuple[date, str, list[Path]]:
        return _day(self.on), self.text.toPlainText(), list(self.files)


def procedure_lines(state: ProcedureState, today: date) -> list[str]:
    """What the matter's detail says about its procedure."""
    lines = []
    if state.paused_at is not None:
        lines.append(f"暂停中：自 {state.paused_at:%Y-%m-%d} 起暂停计时（{state.pause_reason}）")
    if state.acceptance_due is not None:
        left = (state.acceptance_due - today).days
        when = f"剩 {left} 日" if left >= 0 else f"已超期 {-left} 日"
        lines.append(f"信访事项：应于 {state.acceptance_due:%Y-%m-%d} 前决定是否受理（{when}）")
    if state.superior_ref or state.superior_deadline:
        limit = f"{state.superior_deadline:%Y-%m-%d}" if state.superior_deadline else "—"
        lines.append(f"上级交办：{state.superior_body} {state.superior_ref}，要求 {limit} 前办结")
    if state.waiting_since is not None:
        days = (today - state.waiting_since).days
        lines.append(f"等待反馈：{state.waiting_since:%Y-%m-%d} 转上级/移送，已 {days} 日")
    lines += [r.line for r in state.reviews]
    return lines


def procedure_items(
    actor, state: ProcedureState, run: Callable[[str], None]
) -> list[tuple[object, str, Callable[[], None]]]:
    """(key, label, action) of what the user may do on the procedure now."""
    items: list[tuple[object, str, Callable[[], None]]] = []

    def add(key: str, label: str) -> None:
        items.append((key, label, lambda k=key: run(k)))

    if state.waiting_since is not None and allowed(actor, Action.ROUTE_MATTER):
        add("upper_result", "记录上级反馈…")
    if state.pending_review is not None and allowed(actor, Action.APPROVE_MATTER):
        add("review_decide", f"{state.pending_review.kind.label}意见…")
    if allowed(actor, Action.HANDLE_MATTER):
        if state.paused_at is not None:
            add("resume", "恢复计时…")
        elif state.pausable:
            add("pause", "暂停计时…")
    if state.next_review is not None and allowed(actor, Action.ROUTE_MATTER):
        add("review_request", f"登记{state.next_review.label}请求…")
    if state.is_superior and allowed(actor, Action.ROUTE_MATTER):
        add("assignment", "上级交办文号…")
    return items


__all__ = [
    "AssignmentDialog",
    "PauseDialog",
    "ResumeDialog",
    "ReviewDecisionDialog",
    "ReviewRequestDialog",
    "UpperResultDialog",
    "procedure_items",
    "procedure_lines",
]
