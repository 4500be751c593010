"""回访: follow-ups planned and done, and the printed follow-up record."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.ops import op
from app.models import FollowUpMethod, Performance, Satisfaction
from app.services.rooms import mediation
from app.services.rooms.mediation import CaseDetail, Document, FollowUpInput

from ..widgets import FormDialog, Row, date_edit, enum_combo, rows_view

if TYPE_CHECKING:
    from .tab import MediationTab


class FollowUpsPage(QWidget):
    def __init__(self, host: MediationTab, parent=None):
        super().__init__(parent)
        self.host = host
        self.table = rows_view(
            ["计划日期", "回访日期", "方式", "回访对象", "履行情况", "满意度"], 4, min_height=110
        )
        self.plan_button = QPushButton("计划回访")
        self.plan_button.clicked.connect(self.plan)
        self.record_button = QPushButton("记录回访")
        self.record_button.clicked.connect(self.record)
        self.print_button = QPushButton("打印回访记录")
        self.print_button.clicked.connect(self.print_followup)
        fb = QHBoxLayout()
        for b in (self.plan_button, self.record_button, self.print_button):
            fb.addWidget(b)
        fb.addStretch(1)
        v = QVBoxLayout(self)
        v.addWidget(self.table)
        v.addLayout(fb)

    def show_case(self, d: CaseDetail) -> None:
        self.table.set_rows(
            Row(
                (
                    f"{f.planned_on:%Y-%m-%d}",
                    f"{f.done_on:%Y-%m-%d}" if f.done_on else "",
                    f.method,
                    f.visited,
                    f.performance,
                    f.satisfaction,
                ),
                f.id,
            )
            for f in d.followups
        )

    def update_buttons(self, d: CaseDetail | None, has_case: bool) -> None:
        for b in (self.plan_button, self.record_button):
            b.setEnabled(has_case and d is not None and d.can_edit)
        self.print_button.setEnabled(
            has_case and d is not None and any(f.done_on for f in d.followups)
        )

    def plan(self) -> None:
        host = self.host
        when = date_edit()
        dlg = FormDialog("计划回访", host, [("计划回访日期", when)])

        def ok() -> None:
            job = op(mediation.plan_followup, host.ctx.actor, host.current, when.date().toPython())
            host.run(job, "已计划回访。", dialog=dlg)

        host.ask(dlg, ok)

    def record(self) -> None:
        host = self.host
        d = host.detail
        if d is None:
            return
        planned = [f for f in d.followups if f.done_on is None]
        done_on = date_edit()
        method = enum_combo(FollowUpMethod)
        visited = QLineEdit(d.parties[0].name if d.parties else "")
        performance = enum_combo(Performance)
        satisfaction = enum_combo(Satisfaction)
        lawsuit = QCheckBox("当事人已起诉")
        # What was seen and done can take a few lines: both show them whole.
        escalation, measures = QPlainTextEdit(), QPlainTextEdit()
        escalation.setPlaceholderText("无；或写明激化迹象（如 双方再起争执、扬言上访）")
        measures.setPlaceholderText("无；或写明采取的措施（如 再次约谈、报告中心）")
        for e in (escalation, measures):
            e.setTabChangesFocus(True)
            e.setFixedHeight(64)
        visited.setMinimumWidth(320)
        dlg = FormDialog(
            "记录回访",
            host,
            [
                ("回访日期", done_on),
                ("回访方式", method),
                ("回访对象", visited),
                ("协议履行情况", performance),
                ("满意度", satisfaction),
                ("", lawsuit),
                ("有无激化迹象", escalation),
                ("采取的措施", measures),
            ],
        )
        dlg.setMinimumWidth(560)
        fid = planned[0].id if planned else None

        def ok() -> None:
            data = FollowUpInput(
                done_on.date().toPython(),
                method.currentData(),
                visited.text(),
                performance.currentData(),
                satisfaction.currentData(),
                lawsuit.isChecked(),
                escalation.toPlainText(),
                measures.toPlainText(),
            )
            job = op(mediation.record_followup, host.ctx.actor, host.current, data, fid)
            host.run(job, "回访已记录。", dialog=dlg)

        host.ask(dlg, ok)

    def print_followup(self) -> None:
        d = self.host.detail
        done = [f for f in d.followups if f.done_on] if d else []
        r = self.table.current_row()
        chosen = (
            d.followups[r] if d and 0 <= r < len(d.followups) and d.followups[r].done_on else None
        )
        target = chosen or (done[-1] if done else None)
        if target is not None:
            self.host.print_document(Document.FOLLOWUP, target.id)
