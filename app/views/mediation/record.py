"""调解笔录: the case's records and the one being typed, kept as a draft as it is typed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateTimeEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.ops import op
from app.services.rooms import mediation
from app.services.rooms.mediation import CaseDetail, Document, RecordInput, StatementInput

from ..tables import set_column_widths
from ..widgets import (
    DraftController,
    Row,
    add_row,
    cell,
    input_table,
    rows_view,
    select_row_quietly,
)
from ..widgets.tables import multiline_column

if TYPE_CHECKING:
    from .tab import MediationTab


class RecordEditor(QWidget):
    """One record; statements are rows of (who, what)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.at = QDateTimeEdit(QDateTime(clock.now()))
        self.at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.at.setCalendarPopup(True)
        self.place = QLineEdit()
        self.place.setPlaceholderText("如：中心一楼调解室")
        self.attendees = QLineEdit()
        self.recorder = QLineEdit()
        self.rights_told = QCheckBox("已告知当事人权利义务")
        # Each turn is a block of lines, shown whole and edited in place.
        self.statements = input_table(["发言人", "陈述内容"], 1, min_height=240)
        set_column_widths(self.statements, [(0, 100)])
        multiline_column(self.statements, 1)
        add = self.add_button = QPushButton("添加发言")
        add.clicked.connect(lambda: add_row(self.statements, ["", ""]))
        self.facts_checked = QPlainTextEdit()
        self.risks_warned = QPlainTextEdit()
        self.result = QPlainTextEdit()
        self.next_step = QPlainTextEdit()
        for w in (self.facts_checked, self.risks_warned, self.result, self.next_step):
            w.setMaximumHeight(60)
            w.setTabChangesFocus(True)
        # Time, place, people in two columns: the statements get the height.
        g = QGridLayout(self)
        g.setContentsMargins(0, 0, 0, 0)
        for r, pairs in enumerate(
            (
                (("调解时间", self.at), ("地点", self.place)),
                (("参加人员", self.attendees), ("记录人", self.recorder)),
            )
        ):
            for c, (label, w) in enumerate(pairs):
                g.addWidget(QLabel(label), r, 2 * c)
                g.addWidget(w, r, 2 * c + 1)
        head = QHBoxLayout()
        head.addWidget(self.rights_told)
        head.addStretch(1)
        head.addWidget(add)
        g.addLayout(head, 2, 1, 1, 3)
        g.addWidget(QLabel("当事人陈述"), 3, 0, Qt.AlignmentFlag.AlignTop)
        g.addWidget(self.statements, 3, 1, 1, 3)
        g.setRowStretch(3, 1)
        for i, (label, w) in enumerate(
            (
                ("查明的事实", self.facts_checked),
                ("风险提示", self.risks_warned),
                ("调解结果", self.result),
                ("下一步安排", self.next_step),
            )
        ):
            g.addWidget(QLabel(label), 4 + i // 2, 2 * (i % 2), Qt.AlignmentFlag.AlignTop)
            g.addWidget(w, 4 + i // 2, 2 * (i % 2) + 1)
        g.setColumnStretch(1, 1)
        g.setColumnStretch(3, 1)

    def set_read_only(self, ro: bool) -> None:
        for w in (self.place, self.attendees, self.recorder):
            w.setReadOnly(ro)
        for w in (self.facts_checked, self.risks_warned, self.result, self.next_step):
            w.setReadOnly(ro)
        self.at.setReadOnly(ro)
        self.rights_told.setEnabled(not ro)
        self.add_button.setEnabled(not ro)
        self.statements.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers
            if ro
            else QAbstractItemView.EditTrigger.AllEditTriggers
        )

    def connect_changed(self, slot) -> None:
        for w in (self.place, self.attendees, self.recorder):
            w.textEdited.connect(slot)
        for w in (self.facts_checked, self.risks_warned, self.result, self.next_step):
            w.textChanged.connect(slot)
        self.statements.itemChanged.connect(lambda _i: slot())
        self.rights_told.toggled.connect(lambda _b: slot())
        self.at.dateTimeChanged.connect(lambda _t: slot())

    def raw_state(self) -> dict:
        return {
            "at": self.at.dateTime().toPython().isoformat(timespec="minutes"),
            "place": self.place.text(),
            "attendees": self.attendees.text(),
            "recorder": self.recorder.text(),
            "rights_told": self.rights_told.isChecked(),
            "statements": [
                [cell(self.statements, r, 0), cell(self.statements, r, 1)]
                for r in range(self.statements.rowCount())
            ],
            "facts_checked": self.facts_checked.toPlainText(),
            "risks_warned": self.risks_warned.toPlainText(),
            "result": self.result.toPlainText(),
            "next_step": self.next_step.toPlainText(),
        }

    def set_raw_state(self, d: dict) -> None:
        self.at.setDateTime(QDateTime(datetime.fromisoformat(d["at"])))
        for key in ("place", "attendees", "recorder"):
            getattr(self, key).setText(d.get(key, ""))
        self.rights_told.setChecked(bool(d.get("rights_told")))
        for key in ("facts_checked", "risks_warned", "result", "next_step"):
            getattr(self, key).setPlainText(d.get(key, ""))
        self.statements.setRowCount(0)
        for row in d.get("statements", []):
            add_row(self.statements, row)

    def set_value(self, s: RecordInput) -> None:
        self.set_raw_state(
            {
                "at": s.at.isoformat(),
                "place": s.place,
                "attendees": s.attendees,
                "recorder": s.recorder,
                "rights_told": s.rights_told,
                "statements": [[x.speaker, x.text] for x in s.statements],
                "facts_checked": s.facts_checked,
                "risks_warned": s.risks_warned,
                "result": s.result,
                "next_step": s.next_step,
            }
        )

    def value(self) -> RecordInput:
        d = self.raw_state()
        return RecordInput(
            at=self.at.dateTime().toPython().replace(second=0, microsecond=0),
            place=d["place"],
            attendees=d["attendees"],
            recorder=d["recorder"],
            rights_told=d["rights_told"],
            facts_checked=d["facts_checked"],
            risks_warned=d["risks_warned"],
            result=d["result"],
            next_step=d["next_step"],
            statements=[StatementInput(a, b) for a, b in d["statements"]],
        )


def blank_record() -> RecordInput:
    return RecordInput(at=clock.now().replace(second=0, microsecond=0))


class RecordPage(QWidget):
    """The case's records above, the record being typed below. What is typed is kept as a
    draft (saved as it goes) until 保存笔录 stores it in the database."""

    def __init__(self, host: MediationTab, parent=None):
        super().__init__(parent)
        self.host = host
        self.record_id: uuid.UUID | None = None  # the record being edited, None: a new one
        self.record_case: uuid.UUID | None = None  # the case the editor's record belongs to
        self.record_table = rows_view(
            ["时间", "地点", "发言", "调解结果"], 3, enumerate([140, 140, 56]), min_height=90
        )
        self.record_table.setMaximumHeight(130)  # the record being typed gets the room
        self.record_table.selectionModel().selectionChanged.connect(self._record_selected)
        self.editor = RecordEditor()
        self.new_button = QPushButton("新笔录")
        self.new_button.clicked.connect(self._new_clicked)
        self.save_button = QPushButton("保存笔录")
        self.save_button.clicked.connect(self.save)
        self.print_button = QPushButton("打印笔录")
        self.print_button.clicked.connect(self.print_record)
        self.drafts = DraftController(
            host.ctx,
            f"case-record-{host.room.value}",
            self._draft_payload,
            typed=lambda payload: payload["editor"],  # not which record (a new one's id)
            parent=self,
        )
        self.drafts.restore.connect(self._restore)
        self.editor.connect_changed(self.drafts.edited)
        rb = QHBoxLayout()
        for b in (self.new_button, self.save_button, self.print_button):
            rb.addWidget(b)
        rb.addStretch(1)
        # The record scrolls (a long one has many turns); the buttons stay in sight.
        area = QScrollArea()
        area.setWidget(self.editor)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        v = QVBoxLayout(self)
        v.addWidget(self.record_table)
        v.addWidget(area, 1)
        v.addLayout(rb)

    def offer_draft(self) -> None:
        self.drafts.offer(
            lambda at, d: f"发现 {at:%m-%d %H:%M} 未保存的调解笔录（{d.get('case_number', '')}）。"
        )

    # --- showing
    def clear(self) -> None:
        self.record_id = None
        self.record_case = None
        self.editor.set_value(blank_record())
        self.record_table.set_rows([])

    def show_case(self, d: CaseDetail) -> None:
        self.record_table.set_rows(
            Row((f"{r.at:%Y-%m-%d %H:%M}", r.place, str(r.statements), r.result), r.id)
            for r in d.records
        )
        if d.id != self.record_case:  # another case: a fresh record (typing is kept otherwise)
            self.record_case = d.id
            self.new_record()

    def may_leave(self) -> bool:
        """Before the record being typed is replaced by another record or 新笔录 (the tab's
        ``may_leave`` asks about it)."""
        return self.host.may_leave(pages=[self.drafts])

    def _new_clicked(self) -> None:
        if self.may_leave():
            self.new_record()

    def update_buttons(self, open_case: bool) -> None:
        for b in (self.new_button, self.save_button):
            b.setEnabled(open_case)
        self.editor.set_read_only(not open_case)
        self.print_button.setEnabled(self.record_id is not None)

    def new_record(self) -> None:
        host = self.host
        self.record_id = None
        self.record_table.clearSelection()
        blank = blank_record()
        blank.recorder = host.ctx.actor.display_name
        if host.detail:
            blank.attendees = "、".join(p.name for p in host.detail.parties)
        self.editor.set_value(blank)
        self.drafts.mark_clean()  # filled in, not typed: no draft until something is
        host.update_buttons()

    def _record_selected(self) -> None:
        d = self.host.detail
        r = self.record_table.current_row()
        if d is None or not 0 <= r < len(d.records):
            return
        sid = d.records[r].id
        if sid == self.record_id:
            return
        if not self.may_leave():  # back to the record being typed, selected as it was
            table = self.record_table
            select_row_quietly(table, table.rows_model.row_of(self.record_id))
            return

        def shown(data: RecordInput) -> None:
            self.record_id = sid
            self.editor.set_value(data)
            self.drafts.mark_clean()
            self.host.update_buttons()

        self.host.ctx.worker.submit(
            op(mediation.record_input, self.host.ctx.actor, sid), shown, self.host.failed
        )

    # --- the draft
    def _draft_payload(self) -> dict | None:
        session = str(self.record_id) if self.record_id else None
        return self.host.draft_of_case(session=session, editor=self.editor.raw_state())

    def _restore(self, d: dict) -> None:
        case_id = uuid.UUID(d["case"])
        record_id = d.get("session")  # the draft file's key stays

        def fill() -> bool:
            self.record_case = case_id
            self.record_id = uuid.UUID(record_id) if record_id else None
            self.editor.set_raw_state(d["editor"])
            return not self.editor.place.isReadOnly()

        self.host.restore_draft(self.drafts, d, fill, 1, "笔录")

    # --- saving and printing
    def save(self) -> None:
        host = self.host
        if host.current is None:
            host.message.error("请先保存案件，再记录调解笔录。")
            return
        data = self.editor.value()
        saved = self.drafts.after_save()

        def keep(new_id) -> None:
            self.record_id = new_id
            saved()

        job = op(mediation.save_record, host.ctx.actor, host.current, data, self.record_id)
        host.run(job, "笔录已保存。", keep)

    def print_record(self) -> None:
        if self.record_id is not None:
            self.host.print_document(Document.RECORD, self.record_id)
