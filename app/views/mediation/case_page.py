"""案件信息: the case's facts, parties and mediators, with 保存案件 and the case's moves."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import ValidationError
from app.core.ops import op
from app.models import (
    CaseRoom,
    CaseSource,
    CaseStatus,
    DisputeType,
    MediationForm,
    TransferBody,
    ViolenceRisk,
)
from app.services.rooms import mediation
from app.services.rooms.mediation import CaseInput, CaseMove, CaseScreen, PartyInput

from ..combos import find_data
from ..widgets import DraftController, FormDialog, enum_combo
from .parties import PartiesEditor

if TYPE_CHECKING:
    from .tab import MediationTab


class CaseForm(QWidget):
    """案件信息: facts, parties, mediators; the family room's relationship and risk."""

    def __init__(self, room: CaseRoom, parent=None):
        super().__init__(parent)
        self.room = room
        self.dispute_type = enum_combo(DisputeType)
        self.source = enum_combo(CaseSource)
        self.referred_by = QLineEdit()
        self.referred_by.setPlaceholderText("委托移送时填：如 白石派出所")
        self.form = enum_combo(MediationForm)
        self.title = QLineEdit()
        self.title.setPlaceholderText("不填则为“申请人与被申请人 + 类型 + 纠纷”")
        self.facts = QPlainTextEdit()
        self.facts.setTabChangesFocus(True)
        self.facts.setPlaceholderText("纠纷简要情况")
        self.facts.setMaximumHeight(90)
        self.requests = QPlainTextEdit()
        self.requests.setTabChangesFocus(True)
        self.requests.setPlaceholderText("申请事项，每行一项")
        self.requests.setMaximumHeight(70)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText("元，如 12000")
        self.lead = QComboBox()
        self.assistant = QComboBox()
        self._wanted: tuple[uuid.UUID | None, uuid.UUID | None] = (None, None)
        self.party_editor = PartiesEditor()
        self.parties = self.party_editor.table
        self.relationship = QLineEdit()
        self.relationship.setPlaceholderText("如：夫妻、父子、兄妹")
        self.risk = enum_combo(ViolenceRisk)
        self.risk_warning = QLabel(
            "⚠ 家庭暴力高风险：注意当事人安全，单独约谈，及时转介公安、妇联。"
        )
        self.risk_warning.setProperty("role", "error")
        self.risk_warning.setWordWrap(True)
        self.risk_warning.setVisible(False)
        self.risk.currentIndexChanged.connect(self._risk_changed)
        f = QFormLayout()
        f.addRow("纠纷类型", self.dispute_type)
        f.addRow("案件来源", self.source)
        f.addRow("移送单位", self.referred_by)
        f.addRow("调解形式", self.form)
        f.addRow("案件名称", self.title)
        f.addRow("纠纷简要情况", self.facts)
        f.addRow("申请事项", self.requests)
        f.addRow("争议金额", self.amount)
        f.addRow("主调解员", self.lead)
        f.addRow("协助调解员", self.assistant)
        if room == CaseRoom.FAMILY:
            f.addRow("当事人关系", self.relationship)
            f.addRow("家暴风险", self.risk)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.risk_warning)
        layout.addLayout(f)
        layout.addWidget(self.party_editor)

    def _risk_changed(self) -> None:
        self.risk_warning.setVisible(
            self.room == CaseRoom.FAMILY and self.risk.currentData() == ViolenceRisk.HIGH
        )

    def set_mediators(self, choices: list[tuple[uuid.UUID, str]]) -> None:
        """The choices (they may arrive after the case is shown: what the case asked for is
        chosen then; with nothing asked for, 主调解员 waits to be chosen)."""
        for combo, wanted in ((self.lead, self._wanted[0]), (self.assistant, self._wanted[1])):
            # What is chosen stays chosen, （无） too; before the first choices, the case's.
            keep = combo.currentData() if combo.count() else wanted
            combo.clear()
            combo.addItem("（请选择）" if combo is self.lead else "（无）", None)
            for uid, name in choices:
                combo.addItem(name, uid)
            combo.setCurrentIndex(max(0, find_data(combo, keep)))

    def add_party(self, p: PartyInput | None = None) -> int:
        return self.party_editor.add_party(p)

    def set_value(self, d: CaseInput, read_only: bool) -> None:
        self.dispute_type.setCurrentIndex(find_data(self.dispute_type, DisputeType(d.dispute_type)))
        self.source.setCurrentIndex(find_data(self.source, CaseSource(d.source)))
        self.form.setCurrentIndex(find_data(self.form, MediationForm(d.form)))
        self.referred_by.setText(d.referred_by)
        self.title.setText(d.title)
        self.facts.setPlainText(d.facts)
        self.requests.setPlainText(d.requests)
        self.amount.setText("" if d.amount is None else str(d.amount))
        lead = d.mediator_ids[0] if d.mediator_ids else None
        other = d.mediator_ids[1] if len(d.mediator_ids) > 1 else None
        self._wanted = (lead, other)
        self.lead.setCurrentIndex(max(0, find_data(self.lead, lead)))
        self.assistant.setCurrentIndex(max(0, find_data(self.assistant, other)))
        self.relationship.setText(d.relationship)
        self.risk.setCurrentIndex(find_data(self.risk, ViolenceRisk(d.violence_risk or "none")))
        self.party_editor.set_parties(d.parties)
        self.set_read_only(read_only)

    def connect_changed(self, slot) -> None:
        """``slot()`` after each change the user makes (not after ``set_value``)."""
        for w in (self.referred_by, self.title, self.amount, self.relationship):
            w.textEdited.connect(slot)
        for w in (self.facts, self.requests):
            w.textChanged.connect(slot)
        for w in (self.dispute_type, self.source, self.form, self.lead, self.assistant, self.risk):
            w.activated.connect(lambda _i: slot())
        self.party_editor.edited.connect(slot)

    def raw_state(self) -> dict:
        """What the form shows, as typed (a draft: the age may still be words)."""

        def code(combo: QComboBox) -> str | None:
            value = combo.currentData()
            return None if value is None else str(value)

        def mediator(combo: QComboBox, wanted: uuid.UUID | None) -> str | None:
            if combo.count():
                return code(combo)
            return None if wanted is None else str(wanted)  # the choices not read yet

        return {
            "dispute_type": code(self.dispute_type),
            "source": code(self.source),
            "form": code(self.form),
            "referred_by": self.referred_by.text(),
            "title": self.title.text(),
            "facts": self.facts.toPlainText(),
            "requests": self.requests.toPlainText(),
            "amount": self.amount.text(),
            "lead": mediator(self.lead, self._wanted[0]),
            "assistant": mediator(self.assistant, self._wanted[1]),
            "relationship": self.relationship.text(),
            "risk": code(self.risk),
            "parties": self.party_editor.raw_state(),
        }

    def set_raw_state(self, d: dict) -> None:
        """A draft (``raw_state``) back in the form."""
        for combo, enum, key in (
            (self.dispute_type, DisputeType, "dispute_type"),
            (self.source, CaseSource, "source"),
            (self.form, MediationForm, "form"),
            (self.risk, ViolenceRisk, "risk"),
        ):
            if d.get(key):
                combo.setCurrentIndex(max(0, find_data(combo, enum(d[key]))))
        for key in ("referred_by", "title", "amount", "relationship"):
            getattr(self, key).setText(d.get(key, ""))
        self.facts.setPlainText(d.get("facts", ""))
        self.requests.setPlainText(d.get("requests", ""))
        wanted = tuple(uuid.UUID(d[k]) if d.get(k) else None for k in ("lead", "assistant"))
        self._wanted = wanted  # the choices may not have arrived yet
        for combo, uid in zip((self.lead, self.assistant), wanted, strict=True):
            combo.setCurrentIndex(max(0, find_data(combo, uid)))
        self.party_editor.set_raw_state(d.get("parties", []))

    def set_read_only(self, ro: bool) -> None:
        for w in (self.referred_by, self.title, self.amount, self.relationship):
            w.setReadOnly(ro)
        for w in (self.facts, self.requests):
            w.setReadOnly(ro)
        for w in (self.dispute_type, self.source, self.form, self.lead, self.assistant, self.risk):
            w.setEnabled(not ro)
        self.party_editor.set_read_only(ro)

    def value(self) -> CaseInput:
        problems: dict[str, str] = {}
        parties = self.party_editor.value(problems)
        if problems:
            raise ValidationError(problems)
        mediators = [u for u in (self.lead.currentData(), self.assistant.currentData()) if u]
        return CaseInput(
            room=self.room,
            dispute_type=self.dispute_type.currentData(),
            facts=self.facts.toPlainText(),
            parties=parties,
            mediator_ids=mediators,
            source=self.source.currentData(),
            referred_by=self.referred_by.text(),
            form=self.form.currentData(),
            title=self.title.text(),
            requests=self.requests.toPlainText(),
            amount=self.amount.text(),
            relationship=self.relationship.text(),
            violence_risk=self.risk.currentData() if self.room == CaseRoom.FAMILY else None,
        )


def scroll(w: QWidget) -> QScrollArea:
    s = QScrollArea()
    s.setWidget(w)
    s.setWidgetResizable(True)
    return s


# Moves after which the case can no longer be changed: unsaved typing is asked about first.
CLOSING_MOVES = frozenset({CaseMove.FAIL, CaseMove.TERMINATE, CaseMove.TRANSFER})


class CasePage(QWidget):
    """The form scrolls; 保存案件 and the moves stay in sight below it. What is typed in
    the form is kept as a draft (a new case's too) until the case is saved."""

    def __init__(self, host: MediationTab, parent=None):
        super().__init__(parent)
        self.host = host
        self.form = CaseForm(host.room)
        self.drafts = DraftController(
            host.ctx,
            f"case-form-{host.room.value}",
            self._draft_payload,
            typed=lambda payload: payload["form"],
            parent=self,
        )
        self.drafts.restore.connect(self._restore)
        self.form.connect_changed(self.drafts.edited)
        self.save_button = QPushButton("保存案件 (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.move_buttons: dict[CaseMove, QPushButton] = {}
        moves = QHBoxLayout()
        moves.addWidget(self.save_button)
        for mv in CaseMove:
            b = QPushButton(mv.label)
            b.clicked.connect(lambda _c=False, mv=mv: self.do_move(mv))
            self.move_buttons[mv] = b
            if mv != CaseMove.SUCCEED:  # success comes with the signed agreement
                moves.addWidget(b)
        moves.addStretch(1)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(scroll(self.form), 1)
        v.addLayout(moves)

    def set_mediators(self, choices: list[tuple[uuid.UUID, str]]) -> None:
        """The mediators to choose from, arriving after the form was filled: choosing the
        one the case names is not typing."""
        clean = not self.drafts.dirty()
        self.form.set_mediators(choices)
        if clean:
            self.drafts.mark_clean()

    def show_case(self, screen: CaseScreen, again: bool) -> None:
        """The case as read; ``again`` (the same case after a write): unsaved typing stays."""
        d = screen.detail
        read_only = not (d.can_edit and d.status.is_open)
        if again and self.drafts.dirty():
            self.form.set_read_only(read_only)
            return
        self.form.set_value(screen.case, read_only=read_only)
        self.drafts.mark_clean()

    # --- the draft
    def offer_draft(self) -> None:
        self.drafts.offer(
            lambda at, d: (
                f"发现 {at:%m-%d %H:%M} 未保存的案件信息（{d.get('case_number') or '新案件'}）。"
            )
        )

    def _draft_payload(self) -> dict:
        host = self.host
        return {
            "case": str(host.current) if host.current else None,
            "matter": str(host.matter_id) if host.matter_id else None,
            "case_number": host.detail.number if host.detail and host.current else "",
            "form": self.form.raw_state(),
        }

    def _restore(self, d: dict) -> None:
        host = self.host

        def fill() -> bool:
            if d.get("matter") and host.current is None:
                host.matter_id = uuid.UUID(d["matter"])
                host.header.setText("新案件（来自事项，未保存）")
            self.form.set_raw_state(d["form"])
            return not self.form.title.isReadOnly()

        host.restore_draft(self.drafts, d, fill, 0, "案件信息")

    def update_buttons(self, d: mediation.CaseDetail | None, editing_new: bool) -> None:
        can_edit = editing_new or (d is not None and d.can_edit)
        self.save_button.setEnabled(editing_new or (can_edit and d.status.is_open))
        for mv, b in self.move_buttons.items():
            b.setEnabled(d is not None and mv in d.moves)

    def save(self) -> None:
        host = self.host
        try:
            data = self.form.value()
        except ValidationError as exc:
            host.message.show_error(exc)
            return
        actor, current = host.ctx.actor, host.current
        keep = self.drafts.after_save()

        if current is None:
            job = op(mediation.open_case, actor, data, matter_id=host.matter_id)
            host.run(job, "已立案。", keep)
        else:
            host.run(op(mediation.update_case, actor, current, data), "已保存。", keep)

    def do_move(self, move: CaseMove) -> None:
        host = self.host
        actor, case_id = host.ctx.actor, host.current
        if case_id is None:
            return
        give_up = None  # a closing move gives up unsaved typing once it is done
        if move in CLOSING_MOVES and (give_up := host.may_close(move.label)) is None:
            return
        if move == CaseMove.START:
            host.run(op(mediation.start_mediation, actor, case_id), f"已{move.label}。")
        elif move in (CaseMove.FAIL, CaseMove.TERMINATE):
            status = CaseStatus.FAILED if move == CaseMove.FAIL else CaseStatus.TERMINATED
            label = (
                "调解不成功的原因及告知的其他解决途径："
                if move == CaseMove.FAIL
                else "终止调解的原因："
            )
            # A dialog that stays open with the reason typed when it is refused.
            reason = QPlainTextEdit()
            reason.setTabChangesFocus(True)
            note = QLabel(label)
            note.setWordWrap(True)
            dlg = FormDialog(move.label, host, [("", note)])
            dlg.row("", reason, field="reason")

            def close() -> None:
                job = op(mediation.close_case, actor, case_id, status, reason.toPlainText())
                host.run(job, f"已{move.label}。", give_up, dialog=dlg)

            host.ask(dlg, close)
        elif move == CaseMove.TRANSFER:
            body = enum_combo(TransferBody)
            to, reason = QLineEdit(), QPlainTextEdit()
            to.setPlaceholderText("如：乐清市人民法院")
            dlg = FormDialog(
                "转办", host, [("转办去向", body), ("接收单位", to), ("转办理由", reason)]
            )

            def ok() -> None:
                b, t, r = body.currentData(), to.text(), reason.toPlainText()
                job = op(mediation.transfer_case, actor, case_id, b, t, r)
                host.run(job, f"已{move.label}。", give_up, dialog=dlg)

            host.ask(dlg, ok)
        elif move == CaseMove.ARCHIVE:
            retention, ok = QInputDialog.getItem(
                self, "归档", "保管期限：", ["长期", "永久", "30年", "10年"], 0, False
            )
            if ok:
                job = op(mediation.archive_case, actor, case_id, retention)
                host.run(job, f"已{move.label}。")
