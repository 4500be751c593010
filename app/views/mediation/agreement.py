"""调解协议: the agreement (terms in order, performance), its signing, corrections and
司法确认."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.ops import op
from app.models import AgreementKind, AgreementStatus, CaseStatus, ConfirmationResult
from app.services.rooms import mediation
from app.services.rooms.mediation import AgreementInput, CaseDetail, Document

from ..combos import find_data
from ..widgets import FormDialog, add_row, cell, date_edit, enum_combo, input_table

if TYPE_CHECKING:
    from .tab import MediationTab


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


class AgreementEditor(QWidget):
    """The agreement: facts, an ordered list of terms, performance; frozen once signed."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.kind = enum_combo(AgreementKind)
        self.facts = QPlainTextEdit()
        self.facts.setTabChangesFocus(True)
        self.facts.setPlaceholderText("纠纷的主要事实、争议事项及各方责任")
        self.facts.setMaximumHeight(90)
        self.terms = input_table(["协议内容（按顺序）"], 0, min_height=110)
        add = QPushButton("添加一项")
        add.clicked.connect(lambda: add_row(self.terms, [""]))
        remove = QPushButton("删除所选项")
        remove.clicked.connect(lambda: self.terms.removeRow(self.terms.currentRow()))
        up = QPushButton("上移")
        up.clicked.connect(lambda: self._move(-1))
        down = QPushButton("下移")
        down.clicked.connect(lambda: self._move(1))
        self.term_buttons = [add, remove, up, down]
        self.method = QLineEdit()
        self.method.setPlaceholderText("如：现金当面付清；银行转账至申请人账户")
        self.has_deadline = QCheckBox("有履行期限")
        self.has_deadline.setChecked(True)
        self.deadline = date_edit()
        self.has_deadline.toggled.connect(self.deadline.setEnabled)
        buttons = QHBoxLayout()
        for b in self.term_buttons:
            buttons.addWidget(b)
        buttons.addStretch(1)
        due = QHBoxLayout()
        due.addWidget(self.has_deadline)
        due.addWidget(self.deadline)
        due.addStretch(1)
        f = QFormLayout(self)
        f.setContentsMargins(0, 0, 0, 0)
        f.addRow("协议形式", self.kind)
        f.addRow("事实与责任", self.facts)
        f.addRow("协议内容", self.terms)
        f.addRow("", buttons)
        f.addRow("履行方式", self.method)
        f.addRow("履行期限", due)

    def _move(self, step: int) -> None:
        r = self.terms.currentRow()
        to = r + step
        if r < 0 or not 0 <= to < self.terms.rowCount():
            return
        a, b = cell(self.terms, r, 0), cell(self.terms, to, 0)
        self.terms.setItem(r, 0, QTableWidgetItem(b))
        self.terms.setItem(to, 0, QTableWidgetItem(a))
        self.terms.setCurrentCell(to, 0)

    def set_value(self, a: AgreementInput | None, read_only: bool) -> None:
        a = a or AgreementInput(AgreementKind.WRITTEN, "", [])
        self.kind.setCurrentIndex(find_data(self.kind, AgreementKind(a.kind)))
        self.facts.setPlainText(a.facts)
        self.terms.setRowCount(0)
        for t in a.terms:
            add_row(self.terms, [t])
        self.method.setText(a.performance_method)
        self.has_deadline.setChecked(a.performance_deadline is not None or not a.terms)
        if a.performance_deadline:
            self.deadline.setDate(_qdate(a.performance_deadline))
        self.facts.setReadOnly(read_only)
        self.method.setReadOnly(read_only)
        for w in (self.kind, self.has_deadline, *self.term_buttons):
            w.setEnabled(not read_only)
        self.deadline.setEnabled(not read_only and self.has_deadline.isChecked())
        self.terms.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers
            if read_only
            else QAbstractItemView.EditTrigger.AllEditTriggers
        )

    def value(self) -> AgreementInput:
        return AgreementInput(
            kind=self.kind.currentData(),
            facts=self.facts.toPlainText(),
            terms=[cell(self.terms, r, 0) for r in range(self.terms.rowCount())],
            performance_method=self.method.text(),
            performance_deadline=(
                self.deadline.date().toPython() if self.has_deadline.isChecked() else None
            ),
        )


class AgreementPage(QWidget):
    """The editor with 保存协议草稿, 各方已签署, 更正, 打印, and the 司法确认 line."""

    def __init__(self, host: MediationTab, parent=None):
        super().__init__(parent)
        self.host = host
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.editor = AgreementEditor()
        self.signed_on = date_edit()
        self.save_button = QPushButton("保存协议草稿")
        self.save_button.clicked.connect(self.save)
        self.sign_button = QPushButton("各方已签署（生效）")
        self.sign_button.clicked.connect(self.sign)
        self.correct_button = QPushButton("更正（新版本）")
        self.correct_button.clicked.connect(self.correct)
        self.print_button = QPushButton("打印协议书 (Ctrl+P)")
        self.print_button.clicked.connect(self.print_agreement)
        self.confirm_button = QPushButton("登记司法确认")
        self.confirm_button.clicked.connect(self.record_confirmation)
        self.confirm_label = QLabel()
        self.confirm_label.setWordWrap(True)
        ab = QHBoxLayout()
        ab.addWidget(self.save_button)
        ab.addWidget(QLabel("签署日期"))
        ab.addWidget(self.signed_on)
        ab.addWidget(self.sign_button)
        ab.addWidget(self.correct_button)
        ab.addWidget(self.print_button)
        ab.addStretch(1)
        cb = QHBoxLayout()
        cb.addWidget(self.confirm_label, 1)
        cb.addWidget(self.confirm_button)
        v = QVBoxLayout(self)
        v.addWidget(self.state)
        v.addWidget(self.editor)
        v.addLayout(ab)
        v.addLayout(cb)

    # --- showing
    def clear(self) -> None:
        """A new case: nothing to agree on before it is saved."""
        self.editor.set_value(None, read_only=True)
        self.state.setText("保存案件后可以记录调解笔录、制作调解协议。")
        self.disable()

    def disable(self) -> None:
        for b in (self.save_button, self.sign_button, self.correct_button):
            b.setEnabled(False)
        self.print_button.setEnabled(False)
        self.confirm_button.setEnabled(False)

    def show_case(self, d: CaseDetail, a_in: AgreementInput | None) -> None:
        current = d.current_agreement
        frozen = current is not None and current.status != AgreementStatus.DRAFT
        self.editor.set_value(a_in, read_only=frozen or not d.can_edit)
        versions = "；".join(
            f"第{a.version}版 {a.status.label}"
            + (f"（{a.signed_on:%Y-%m-%d} 签署）" if a.signed_on else "")
            for a in d.agreements
        )
        self.state.setText(
            f"协议编号 {current.number}：{versions}" if current else "尚未制作调解协议。"
        )
        self.save_button.setEnabled(d.can_edit and not frozen)
        self.sign_button.setEnabled(d.can_edit and current is not None and not frozen)
        self.signed_on.setEnabled(self.sign_button.isEnabled())
        self.correct_button.setEnabled(d.can_edit and frozen and d.status != CaseStatus.ARCHIVED)
        self.print_button.setEnabled(current is not None)
        signed = next(
            (a for a in reversed(d.agreements) if a.status == AgreementStatus.SIGNED), None
        )
        if signed and signed.window:
            text = signed.window.text(clock.today())
            if d.confirmations:
                text += "。" + "；".join(
                    f"{c.applied_on:%Y-%m-%d} 向{c.court}申请，{c.result.label}"
                    for c in d.confirmations
                )
            self.confirm_label.setText(text)
        else:
            self.confirm_label.setText("书面协议签署生效后，可在 30 日内共同申请司法确认。")
        self.confirm_button.setEnabled(
            d.can_edit and signed is not None and signed.window is not None
        )
        pending = [c for c in d.confirmations if c.result == ConfirmationResult.PENDING]
        self.confirm_button.setText("登记法院裁定结果" if pending else "登记司法确认申请")

    # --- the agreement
    def save(self) -> None:
        host = self.host
        if host.current is None:
            return
        job = op(mediation.save_agreement, host.ctx.actor, host.current, self.editor.value())
        host.run(job, "协议草稿已保存。")

    def sign(self) -> None:
        host = self.host
        d = host.detail
        if d is None or d.current_agreement is None:
            return
        # What is on screen is what gets signed.
        on = self.signed_on.date().toPython()
        job = op(mediation.save_and_sign, host.ctx.actor, host.current, self.editor.value(), on)
        host.run(job, "协议已签署生效，案件调解成功。")

    def correct(self) -> None:
        host = self.host
        d = host.detail
        current = d.current_agreement if d else None
        if current is not None:
            job = op(mediation.correct_agreement, host.ctx.actor, current.id)
            host.run(job, "已生成更正版本（草稿）。")

    def print_agreement(self) -> None:
        host = self.host
        d = host.detail
        if d is None or d.current_agreement is None:
            host.message.error("请先保存调解协议，再打印。")
            return
        signed = [a for a in d.agreements if a.status == AgreementStatus.SIGNED]
        target = (
            d.current_agreement
            if d.current_agreement.status == AgreementStatus.DRAFT
            else signed[-1]
        )
        host.print_document(Document.AGREEMENT, target.id)

    # --- 司法确认
    def record_confirmation(self) -> None:
        host = self.host
        d = host.detail
        pending = (
            [c for c in d.confirmations if c.result == ConfirmationResult.PENDING] if d else []
        )
        if pending:
            self.record_confirmation_result(pending[-1].id)
            return
        court = QLineEdit()
        court.setPlaceholderText("如：乐清市人民法院")
        applied = date_edit()
        dlg = FormDialog("登记司法确认", host, [("申请日期", applied), ("受理法院", court)])
        actor, case_id = host.ctx.actor, host.current

        def ok() -> None:
            on, name = applied.date().toPython(), court.text()
            job = op(mediation.record_confirmation, actor, case_id, on, name)
            host.run(job, "已登记司法确认申请。", dialog=dlg)

        host.ask(dlg, ok)

    def record_confirmation_result(self, confirmation_id: uuid.UUID) -> None:
        host = self.host
        result = enum_combo(
            ConfirmationResult, [ConfirmationResult.CONFIRMED, ConfirmationResult.REFUSED]
        )
        on = date_edit()
        dlg = FormDialog("法院裁定结果", host, [("裁定结果", result), ("裁定日期", on)])

        def ok() -> None:
            r, d = result.currentData(), on.date().toPython()
            job = op(mediation.set_confirmation_result, host.ctx.actor, confirmation_id, r, d)
            host.run(job, "已登记法院裁定结果。", dialog=dlg)

        host.ask(dlg, ok)
