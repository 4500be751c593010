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
from ..tables import set_column_widths
from ..widgets import (
    DraftController,
    FormDialog,
    add_row,
    cell,
    date_edit,
    enum_combo,
    input_table,
)

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
        self.facts.setMaximumHeight(70)
        self.terms = input_table(["协议内容（按顺序）"], 0, min_height=110)
        self.terms.setMaximumHeight(150)
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
        # 履行期限 starts empty: a date is printed only when one is chosen.
        self.has_deadline = QCheckBox("有履行期限")
        self.deadline = date_edit()
        self.deadline.setEnabled(False)
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
        self.has_deadline.setChecked(a.performance_deadline is not None)
        self.deadline.setDate(_qdate(a.performance_deadline or clock.today()))
        self.set_read_only(read_only)

    def set_read_only(self, read_only: bool) -> None:
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

    def connect_changed(self, slot) -> None:
        """``slot()`` after each change the user makes (not after ``set_value``)."""
        self.kind.activated.connect(lambda _i: slot())
        self.facts.textChanged.connect(slot)
        self.terms.itemChanged.connect(lambda _i: slot())
        for b in self.term_buttons:
            b.clicked.connect(lambda _c=False: slot())
        self.method.textEdited.connect(slot)
        self.has_deadline.clicked.connect(lambda _c=False: slot())
        self.deadline.dateChanged.connect(lambda _d: slot())

    def raw_state(self) -> dict:
        """What the editor shows, for a draft."""
        return {
            "kind": str(self.kind.currentData()),
            "facts": self.facts.toPlainText(),
            "terms": [cell(self.terms, r, 0) for r in range(self.terms.rowCount())],
            "method": self.method.text(),
            "has_deadline": self.has_deadline.isChecked(),
            "deadline": self.deadline.date().toPython().isoformat(),
        }

    def set_raw_state(self, d: dict) -> None:
        """A draft (``raw_state``) back in the editor (its read-only state unchanged)."""
        self.kind.setCurrentIndex(max(0, find_data(self.kind, AgreementKind(d["kind"]))))
        self.facts.setPlainText(d.get("facts", ""))
        self.terms.setRowCount(0)
        for t in d.get("terms", []):
            add_row(self.terms, [t])
        self.method.setText(d.get("method", ""))
        self.has_deadline.setChecked(bool(d.get("has_deadline")))
        self.deadline.setDate(_qdate(date.fromisoformat(d["deadline"])))

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
    """The editor with 保存协议草稿, 各方已签署, 更正, 打印, and the 司法确认 line. What is
    typed in the editor is kept as a draft until the agreement is saved or signed."""

    def __init__(self, host: MediationTab, parent=None):
        super().__init__(parent)
        self.host = host
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.editor = AgreementEditor()
        self.drafts = DraftController(
            host.ctx,
            f"case-agreement-{host.room.value}",
            self._draft_payload,
            typed=lambda payload: payload["editor"],
            parent=self,
        )
        self.drafts.restore.connect(self._restore)
        self.editor.connect_changed(self.drafts.edited)
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
        # Every version: previewed and printed from here, whatever came after it.
        self.versions = input_table(["版本", "形式", "状态", "签署日期", "确认人", "更正原因"], 5)
        self.versions.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.versions.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.versions.setMaximumHeight(96)
        set_column_widths(self.versions, enumerate([56, 76, 92, 100, 80]))
        self.versions.itemSelectionChanged.connect(self._version_chosen)
        self.versions.doubleClicked.connect(lambda _i: self.print_version())
        self.version_print_button = QPushButton("预览/打印所选版本")
        self.version_print_button.clicked.connect(self.print_version)
        self.discard_button = QPushButton("放弃更正草稿")
        self.discard_button.clicked.connect(self.discard)
        self._rows: list[mediation.AgreementRow] = []
        self.editor.kind.currentIndexChanged.connect(self._kind_changed)
        self._detail: CaseDetail | None = None
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
        vb = QVBoxLayout()
        vb.addWidget(self.version_print_button)
        vb.addWidget(self.discard_button)
        vb.addStretch(1)
        vl = QHBoxLayout()
        vl.addWidget(self.versions, 1)
        vl.addLayout(vb)
        v = QVBoxLayout(self)
        v.addWidget(self.state)
        v.addWidget(self.editor)
        v.addLayout(ab)
        v.addLayout(cb)
        v.addWidget(QLabel("各版本（选中一版可预览、打印；已签署的版本随时可以重印）"))
        v.addLayout(vl)

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
        self._detail = None
        self._show_versions([])
        self._kind_changed()

    def _oral(self) -> bool:
        return self.editor.kind.currentData() == AgreementKind.ORAL

    def _kind_changed(self) -> None:
        """The buttons and the note follow the form: a 口头协议 is registered, not signed, and
        has no judicial confirmation."""
        oral = self._oral()
        self.sign_button.setText("登记口头协议" if oral else "各方已签署（生效）")
        self.print_button.setText("打印口头协议登记表 (Ctrl+P)" if oral else "打印协议书 (Ctrl+P)")
        self._show_confirmation_note()

    def _show_versions(self, rows: list[mediation.AgreementRow]) -> None:
        self._rows = rows
        t = self.versions
        t.setRowCount(0)
        for a in rows:
            add_row(
                t,
                [
                    f"第{a.version}版",
                    AgreementKind(a.kind).label,
                    a.status.label,
                    f"{a.signed_on:%Y-%m-%d}" if a.signed_on else "",
                    a.signed_by,
                    a.correction_reason,
                ],
            )
        if rows:
            t.selectRow(len(rows) - 1)
        self._version_chosen()

    def chosen_version(self) -> mediation.AgreementRow | None:
        r = self.versions.currentRow()
        return self._rows[r] if 0 <= r < len(self._rows) else None

    def _version_chosen(self) -> None:
        a = self.chosen_version()
        d = self._detail
        self.version_print_button.setEnabled(a is not None)
        self.discard_button.setEnabled(
            a is not None
            and d is not None
            and d.can_edit
            and a.status == AgreementStatus.DRAFT
            and a.version > 1
        )

    def show_case(self, d: CaseDetail, a_in: AgreementInput | None, again: bool = False) -> None:
        """The case's agreement as read; ``again`` (the same case after a write): unsaved
        typing in the editor stays."""
        current = d.current_agreement
        frozen = current is not None and current.status != AgreementStatus.DRAFT
        self._detail = d
        if again and self.drafts.dirty():
            self.editor.set_read_only(frozen or not d.can_edit)
        else:
            self.editor.set_value(a_in, read_only=frozen or not d.can_edit)
            self.drafts.mark_clean()
        self._show_versions(list(d.agreements))
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
        signed = self._signed()
        self.confirm_button.setEnabled(
            d.can_edit and signed is not None and signed.window is not None
        )
        pending = [c for c in d.confirmations if c.result == ConfirmationResult.PENDING]
        self.confirm_button.setText("登记法院裁定结果" if pending else "登记司法确认申请")
        self._kind_changed()

    def _signed(self) -> mediation.AgreementRow | None:
        d = self._detail
        if d is None:
            return None
        return next((a for a in reversed(d.agreements) if a.status == AgreementStatus.SIGNED), None)

    def _show_confirmation_note(self) -> None:
        d, signed = self._detail, self._signed()
        if d is not None and signed and signed.window:
            text = signed.window.text(clock.today())
            if d.confirmations:
                text += "。" + "；".join(
                    f"{c.applied_on:%Y-%m-%d} 向{c.court}申请，{c.result.label}"
                    for c in d.confirmations
                )
        elif self._oral() or (signed is not None and signed.kind == AgreementKind.ORAL):
            text = (
                "口头协议自各方当事人达成协议之日起生效，由调解员登记在案（人民调解法第二十八条）；"
                "口头协议不能申请司法确认，需要时请改为书面调解协议。"
            )
        else:
            text = "书面协议签署生效后，可在 30 日内共同申请司法确认。"
        self.confirm_label.setText(text)

    # --- the draft
    def offer_draft(self) -> None:
        self.drafts.offer(
            lambda at, d: f"发现 {at:%m-%d %H:%M} 未保存的调解协议（{d.get('case_number', '')}）。"
        )

    def _draft_payload(self) -> dict | None:
        return self.host.draft_of_case(editor=self.editor.raw_state())

    def _restore(self, d: dict) -> None:
        def fill() -> bool:
            self.editor.set_raw_state(d["editor"])
            return not self.editor.facts.isReadOnly()

        self.host.restore_draft(self.drafts, d, fill, 2, "调解协议")

    # --- the agreement
    def save(self) -> None:
        host = self.host
        if host.current is None:
            return
        job = op(mediation.save_agreement, host.ctx.actor, host.current, self.editor.value())
        host.run(job, "协议草稿已保存。", self.drafts.after_save())

    def sign(self) -> None:
        """Asks first: signing freezes the agreement (and closes the case)."""
        host = self.host
        d = host.detail
        if d is None or d.current_agreement is None:
            return
        # Signing closes the case: typing elsewhere in it is asked about first.
        give_up = host.may_close("签署协议", [host.case_page.drafts, host.record_page.drafts])
        if give_up is None:
            return
        # What is on screen is what gets signed.
        on = self.signed_on.date().toPython()
        data = self.editor.value()
        me = host.ctx.actor.display_name
        if self._oral():
            title = "登记口头协议"
            text = (
                f"确认各方当事人已于 {on:%Y-%m-%d} 口头达成上述协议？\n"
                "登记后协议生效，不能再修改（如有错误，只能更正为新版本）。"
            )
            done = "口头协议已登记生效。"
        else:
            title = "确认各方已签署"
            text = (
                f"确认协议书已于 {on:%Y-%m-%d} 由各方当事人签名（盖章或按指印）、"
                "调解员签名并加盖印章？\n"
                "确认后协议生效，不能再修改（如有错误，只能更正为新版本）。"
            )
            done = "协议已签署生效。"
        if d.current_agreement.version == 1:
            done = done.rstrip("。") + "，案件调解成功。"
        note = QLabel(text)
        note.setWordWrap(True)
        dlg = FormDialog(title, host, [("", note), ("确认人", QLabel(me))])
        dlg.ok_button.setText("确认生效")

        saved = self.drafts.after_save()

        def after(result) -> None:
            saved(result)
            give_up(result)

        def ok() -> None:
            job = op(mediation.save_and_sign, host.ctx.actor, host.current, data, on)
            host.run(job, f"{done}确认人：{me}。", after, dialog=dlg)

        host.ask(dlg, ok)

    def correct(self) -> None:
        """A new draft version of the signed agreement, with the reason for it."""
        host = self.host
        d = host.detail
        current = d.current_agreement if d else None
        if current is None:
            return
        reason = QPlainTextEdit()
        reason.setTabChangesFocus(True)
        reason.setPlaceholderText("如：第2项赔偿金额笔误，应为2500元")
        reason.setMaximumHeight(90)
        dlg = FormDialog(f"更正协议 {current.number}（生成第{current.version + 1}版）", host)
        dlg.row("更正原因", reason, field="reason")
        actor = host.ctx.actor

        def ok() -> None:
            job = op(mediation.correct_agreement, actor, current.id, reason.toPlainText())
            host.run(job, "已生成更正版本（草稿）。签署前，原协议仍然有效。", dialog=dlg)

        host.ask(dlg, ok)

    def discard(self) -> None:
        a = self.chosen_version()
        if a is None or a.status != AgreementStatus.DRAFT:
            return
        host = self.host
        note = QLabel(f"放弃第{a.version}版（更正草稿）？已签署的第{a.version - 1}版继续有效。")
        note.setWordWrap(True)
        dlg = FormDialog("放弃更正草稿", host, [("", note)])

        def forget(_result) -> None:  # its typing goes with it
            self.drafts.clear()
            self.drafts.mark_clean()

        def ok() -> None:
            job = op(mediation.discard_correction, host.ctx.actor, a.id)
            host.run(job, f"已放弃第{a.version}版更正草稿。", forget, dialog=dlg)

        host.ask(dlg, ok)

    def print_version(self) -> None:
        a = self.chosen_version()
        if a is not None:
            self.host.print_document(Document.AGREEMENT, a.id)

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
        court.setPlaceholderText("如：乐清市人民法院（基层人民法院全称）")
        court.setMinimumWidth(360)  # a court's full name fits
        applied = date_edit()
        dlg = FormDialog("登记司法确认", host, [("申请日期", applied), ("受理法院", court)])
        dlg.setMinimumWidth(560)
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
        dlg.setMinimumWidth(560)

        def ok() -> None:
            r, d = result.currentData(), on.date().toPython()
            job = op(mediation.set_confirmation_result, host.ctx.actor, confirmation_id, r, d)
            host.run(job, "已登记法院裁定结果。", dialog=dlg)

        host.ask(dlg, ok)
