"""会议纪要: meetings list and editor, decisions tracked to done, weekly/monthly compliance."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.errors import ValidationError
from app.core.ops import op
from app.models import AttendanceKind, DecisionStatus, MeetingKind, MeetingStatus
from app.services.meetings import meetings
from app.services.meetings.meetings import AttendeeInput, DecisionInput, ItemInput, MeetingInput
from app.services.security.permissions import Action, allowed

from .bus import MEETINGS
from .combos import find_data
from .context import ViewContext
from .pdf_preview_dialog import PdfPreviewDialog
from .tables import set_column_widths
from .widgets import (
    DraftController,
    FormDialog,
    MessageBar,
    Row,
    add_row,
    ask_to_give_up,
    cell,
    input_table,
    load_when_shown,
    rows_view,
    run_op,
    select_row_quietly,
    tab_shortcut,
)


class MeetingEditor(QWidget):
    """One meeting's record. Signals: ``changed`` on any edit (for the draft)."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.row_buttons: list[QPushButton] = []  # 添加一行/删除所选行 of each section
        self.kind = QComboBox()
        for k in MeetingKind:
            self.kind.addItem(k.label, k)
        self.starts_at = QDateTimeEdit(QDateTime(clock.now()))
        self.starts_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.starts_at.setCalendarPopup(True)
        self.place = QLineEdit()
        self.place.setPlaceholderText("如：中心三楼会议室")
        self.chair = QLineEdit()
        self.recorder = QLineEdit()
        self.title = QLineEdit()
        self.title.setPlaceholderText("不填则为“中心名称 + 会议类型”")
        self.attendees = input_table(["姓名", "单位", "出席情况", "请假原因"], 1)
        self.situation = QPlainTextEdit()
        self.situation.setTabChangesFocus(True)
        self.situation.setPlaceholderText("社会治安形势分析研判（可点“生成本期数据草稿”后修改）")
        self.figures_button = QPushButton("生成本期数据草稿")
        self.items = input_table(["议题", "讨论情况"], 1)
        self.decisions = input_table(["议定事项", "责任单位/责任人", "完成期限（年-月-日）"], 0)
        set_column_widths(self.decisions, [(1, 150), (2, 160)])
        set_column_widths(self.attendees, [(0, 110), (2, 90), (3, 150)])
        set_column_widths(self.items, [(0, 220)])
        self.review = QLabel()
        self.review.setWordWrap(True)
        self.review.setProperty("role", "hint")
        self.distribution = QLineEdit()
        self.distribution.setPlaceholderText("分送单位，如：各派驻单位，各村（社区）")
        form = QFormLayout()
        form.addRow("会议类型", self.kind)
        form.addRow("会议时间", self.starts_at)
        form.addRow("地点", self.place)
        form.addRow("主持人", self.chair)
        form.addRow("记录人", self.recorder)
        form.addRow("会议名称", self.title)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self._section("参会人员", self.attendees, self._add_attendee))
        row = QHBoxLayout()
        row.addWidget(QLabel("形势分析研判"))
        row.addStretch(1)
        row.addWidget(self.figures_button)
        layout.addLayout(row)
        layout.addWidget(self.situation)
        layout.addWidget(self._section("议题及讨论", self.items, lambda: self._add(self.items)))
        layout.addWidget(self.review)
        layout.addWidget(
            self._section("议定事项", self.decisions, lambda: self._add(self.decisions))
        )
        form2 = QFormLayout()
        form2.addRow("分送", self.distribution)
        layout.addLayout(form2)
        for w in (self.place, self.chair, self.recorder, self.title, self.distribution):
            w.textEdited.connect(self.changed)
        self.situation.textChanged.connect(self.changed)
        for t in (self.attendees, self.items, self.decisions):
            t.itemChanged.connect(lambda _i: self.changed.emit())

    def raw_state(self) -> dict:
        """Everything on screen as plain strings (a draft keeps even what does not parse yet)."""

        def rows(t: QTableWidget) -> list[list[str]]:
            out = []
            for r in range(t.rowCount()):
                row = [cell(t, r, c) for c in range(t.columnCount())]
                combo = t.cellWidget(r, 2) if t is self.attendees else None
                if combo is not None:
                    row[2] = str(combo.currentData())
                out.append(row)
            return out

        return {
            "kind": str(self.kind.currentData()),
            "starts_at": self.starts_at.dateTime().toPython().isoformat(timespec="minutes"),
            "place": self.place.text(),
            "chair": self.chair.text(),
            "recorder": self.recorder.text(),
            "title": self.title.text(),
            "situation": self.situation.toPlainText(),
            "distribution": self.distribution.text(),
            "attendees": rows(self.attendees),
            "items": rows(self.items),
            "decisions": rows(self.decisions),
        }

    def set_raw_state(self, d: dict) -> None:
        self.kind.setCurrentIndex(
            max(0, find_data(self.kind, MeetingKind(d.get("kind", "weekly"))))
        )
        self.starts_at.setDateTime(QDateTime(datetime.fromisoformat(d["starts_at"])))
        for key in ("place", "chair", "recorder", "title", "distribution"):
            getattr(self, key).setText(d.get(key, ""))
        self.situation.setPlainText(d.get("situation", ""))
        for t in (self.attendees, self.items, self.decisions):
            t.setRowCount(0)
        for name, unit, attendance, reason in d.get("attendees", []):
            self._add_attendee(AttendeeInput(name, unit, AttendanceKind(attendance), reason))
        for row in d.get("items", []):
            self._add(self.items, row)
        for row in d.get("decisions", []):
            self._add(self.decisions, row)
        self.set_read_only(False)

    def _section(self, title: str, table: QTableWidget, add) -> QWidget:
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        h = QHBoxLayout()
        h.addWidget(QLabel(title))
        h.addStretch(1)
        plus, minus = QPushButton("添加一行"), QPushButton("删除所选行")
        self.row_buttons += [plus, minus]
        plus.clicked.connect(add)
        minus.clicked.connect(lambda: table.removeRow(table.currentRow()))
        h.addWidget(plus)
        h.addWidget(minus)
        v.addLayout(h)
        table.setMinimumHeight(110)
        v.addWidget(table)
        return box

    @staticmethod
    def _add(table: QTableWidget, values: list[str] | None = None) -> int:
        return add_row(table, values or [])

    def _add_attendee(self, a: AttendeeInput | None = None) -> None:
        a = a or AttendeeInput("")
        row = self._add(self.attendees, [a.name, a.unit, "", a.reason])
        combo = QComboBox()
        for k in AttendanceKind:
            combo.addItem(k.label, k)
        combo.setCurrentIndex(find_data(combo, AttendanceKind(a.attendance)))
        self.attendees.setCellWidget(row, 2, combo)

    def set_value(self, d: MeetingInput, read_only: bool) -> None:
        self.kind.setCurrentIndex(find_data(self.kind, MeetingKind(d.kind)))
        self.starts_at.setDateTime(QDateTime(d.starts_at))
        self.place.setText(d.place)
        self.chair.setText(d.chair)
        self.recorder.setText(d.recorder)
        self.title.setText(d.title)
        self.situation.setPlainText(d.situation)
        self.distribution.setText(d.distribution)
        for t in (self.attendees, self.items, self.decisions):
            t.setRowCount(0)
        for a in d.attendees:
            self._add_attendee(a)
        for it in d.items:
            self._add(self.items, [it.title, it.discussion])
        for dec in d.decisions:
            deadline = dec.deadline.isoformat() if dec.deadline else ""
            self._add(self.decisions, [dec.content, dec.responsible, deadline])
        self.set_read_only(read_only)

    def set_read_only(self, ro: bool) -> None:
        for w in (self.place, self.chair, self.recorder, self.title, self.distribution):
            w.setReadOnly(ro)
        self.situation.setReadOnly(ro)
        # Issued minutes are frozen: their rows can be neither added nor removed on screen.
        for w in (self.kind, self.starts_at, self.figures_button, *self.row_buttons):
            w.setEnabled(not ro)
        triggers = (
            QAbstractItemView.EditTrigger.NoEditTriggers
            if ro
            else QAbstractItemView.EditTrigger.AllEditTriggers
        )
        for t in (self.attendees, self.items, self.decisions):
            t.setEditTriggers(triggers)
            t.setEnabled(True)

    def value(self) -> MeetingInput:
        problems: dict[str, str] = {}
        attendees = []
        for r in range(self.attendees.rowCount()):
            combo = self.attendees.cellWidget(r, 2)
            name = cell(self.attendees, r, 0)
            if name or cell(self.attendees, r, 1):
                attendees.append(
                    AttendeeInput(
                        name,
                        cell(self.attendees, r, 1),
                        combo.currentData() if combo else "present",
                        cell(self.attendees, r, 3),
                    )
                )
        items = [
            ItemInput(cell(self.items, r, 0), cell(self.items, r, 1))
            for r in range(self.items.rowCount())
            if cell(self.items, r, 0) or cell(self.items, r, 1)
        ]
        decisions = []
        for r in range(self.decisions.rowCount()):
            content, who, due = (cell(self.decisions, r, c) for c in range(3))
            if not (content or who or due):
                continue
            try:
                deadline = date.fromisoformat(due) if due else None
            except ValueError:
                problems[f"decisions[{r}].deadline"] = (
                    f"第 {r + 1} 项议定事项的期限“{due}”看不懂，请写成 2026-12-31 这样的日期"
                )
                deadline = None
            decisions.append(DecisionInput(content, who, deadline))
        if problems:
            raise ValidationError(problems)
        return MeetingInput(
            kind=self.kind.currentData(),
            starts_at=self.starts_at.dateTime().toPython().replace(second=0, microsecond=0),
            place=self.place.text(),
            chair=self.chair.text(),
            recorder=self.recorder.text(),
            title=self.title.text(),
            situation=self.situation.toPlainText(),
            distribution=self.distribution.text(),
            attendees=attendees,
            items=items,
            decisions=decisions,
        )


class MeetingsTab(QWidget):
    def __init__(self, ctx: ViewContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[meetings.MeetingRow] = []
        self.current: uuid.UUID | None = None
        self.current_status: MeetingStatus | None = None
        # The meeting asked for last, and a count of moves from one to another: a meeting
        # read, or a save finishing, for one the user has left is not shown over where they are.
        self.wanted: uuid.UUID | None = None
        self.visit = 0
        self.decision_dialog: FormDialog | None = None
        self.preview: PdfPreviewDialog | None = None
        self.issue_confirm: QMessageBox | None = None
        # Records
        self.list = rows_view(
            ["编号", "版本", "类型", "时间", "状态", "未办结"],
            None,
            enumerate([150, 64, 76, 128, 64, 60]),
        )
        # 编号 never elided: as wide as this center's numbers (BSHY2026-A-001).
        sample = f"{ctx.settings.prefix}HY2026-{ctx.settings.terminal}-000"
        number_w = self.list.fontMetrics().horizontalAdvance(sample) + 28
        set_column_widths(self.list, [(0, number_w)])
        self.list.horizontalHeader().setStretchLastSection(True)
        self.list.selectionModel().selectionChanged.connect(self._selected)
        self.new_button = QPushButton("新建会议")
        self.new_button.clicked.connect(self._new_clicked)
        self.editor = MeetingEditor()
        self.editor.figures_button.clicked.connect(self.fill_figures)
        self.save_button = QPushButton("保存 (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.issue_button = QPushButton("印发")
        self.issue_button.clicked.connect(self.issue)
        if not allowed(ctx.actor, Action.ISSUE_MINUTES):
            self.issue_button.hide()  # (setVisible(True) here, before the layout, would
            # show the button as a window of its own for a moment)
        self.correct_button = QPushButton("更正（新版本）")
        self.correct_button.clicked.connect(self.correct)
        self.print_button = QPushButton("预览/打印 (Ctrl+P)")
        self.print_button.clicked.connect(self.print_minutes)
        self.message = MessageBar()
        self.state = QLabel()
        # drafts: a long record survives the program being killed
        self.drafts = DraftController(
            ctx,
            self.DRAFT_FORM,
            self._draft_payload,
            typed=lambda payload: payload["editor"],  # not which meeting (a new one's id)
            parent=self,
        )
        self.drafts.restore.connect(self.restore_draft)
        self.draft_bar = self.drafts.bar
        self.draft_label = self.draft_bar.label
        self.restore_draft_button = self.draft_bar.restore_button
        buttons = QHBoxLayout()
        for b in (self.save_button, self.issue_button, self.correct_button, self.print_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.state)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.addWidget(self.new_button)
        lv.addWidget(self.list)
        scroll = QScrollArea()
        scroll.setWidget(self.editor)
        scroll.setWidgetResizable(True)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addWidget(self.draft_bar)
        rv.addWidget(scroll)
        rv.addLayout(buttons)
        rv.addWidget(self.message)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([600, 820])  # the list's columns whole at 1366
        # Decisions
        self.decision_table = rows_view(
            ["会议", "议定事项", "责任", "期限", "状态", "办理结果"],
            1,
            ((0, 160), (2, 140), (3, 100), (4, 70), (5, 220)),
        )
        self.close_button = QPushButton("办结所选事项")
        self.close_button.clicked.connect(self.close_decision)
        self.close_button.setEnabled(allowed(ctx.actor, Action.CLOSE_DECISION))
        self.decision_rows: list[meetings.DecisionRow] = []
        # Decisions done stay in view, with what was done and when.
        self.done_table = rows_view(
            ["会议", "议定事项", "责任", "期限", "办结日期", "办理结果"],
            5,
            ((0, 160), (1, 260), (2, 140), (3, 100), (4, 100)),
        )
        self.done_rows: list[meetings.DecisionRow] = []
        dec = QWidget()
        dv = QVBoxLayout(dec)
        dv.addWidget(QLabel("未办结"))
        dv.addWidget(self.decision_table, 3)
        dv.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignLeft)
        dv.addWidget(QLabel("已办结"))
        dv.addWidget(self.done_table, 2)
        # Compliance
        self.compliance_table = rows_view(["周期", "应开会议", "是否召开"], 0)
        self.compliance_summary = QLabel()
        self.compliance_summary.setWordWrap(True)
        # Which stationed units a 联席会议 needs present (the director sets them).
        self.required_units = QLineEdit()
        self.required_units.setPlaceholderText(
            "派驻单位名称，用顿号分隔；不填则至少一个派驻单位出席"
        )
        self.required_units.setToolTip("联席会议只有这些派驻单位都出席才算召开")
        self.required_button = QPushButton("保存应出席单位")
        self.required_button.clicked.connect(self.save_required_units)
        can_set = allowed(ctx.actor, Action.ISSUE_MINUTES) or allowed(
            ctx.actor, Action.MANAGE_SETTINGS
        )
        self.required_units.setReadOnly(not can_set)
        if not can_set:
            self.required_button.hide()  # (not setVisible(True): no parent yet)
        self.required_hint = QLabel()
        self.required_hint.setProperty("role", "hint")
        self.required_hint.setWordWrap(True)
        req = QHBoxLayout()
        req.addWidget(QLabel("联席会议应出席单位"))
        req.addWidget(self.required_units, 1)
        req.addWidget(self.required_button)
        comp = QWidget()
        cv = QVBoxLayout(comp)
        cv.addWidget(self.compliance_summary)
        cv.addLayout(req)
        cv.addWidget(self.required_hint)
        cv.addWidget(self.compliance_table)
        self.message_comp = MessageBar()
        cv.addWidget(self.message_comp)
        self.pages = QTabWidget()
        self.pages.addTab(split, "会议记录")
        self.pages.addTab(dec, "议定事项")
        self.pages.addTab(comp, "例会检查")
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        tab_shortcut(self, QKeySequence.StandardKey.Save, self.save)
        tab_shortcut(self, QKeySequence.StandardKey.Print, self.print_minutes)
        ctx.bus.watch(self, [MEETINGS], self.reload)
        self.editor.changed.connect(self._edited)
        self.new_meeting()
        self.drafts.offer(lambda at, _d: f"发现 {at:%m-%d %H:%M} 未保存的会议记录草稿。")
        load_when_shown(self, self.reload)

    # --- drafts: a long record survives the program being killed
    DRAFT_FORM = "minutes"

    def _edited(self) -> None:
        if self.current_status in (None, MeetingStatus.DRAFT):
            self.drafts.edited()

    def _draft_payload(self) -> dict:
        return {
            "meeting": str(self.current) if self.current else None,
            "editor": self.editor.raw_state(),
        }

    def save_draft(self) -> None:
        self.drafts.save_now()

    def may_leave(self) -> bool:
        """Before the minutes being typed are replaced (another meeting, 新建会议, a draft
        restored): True when nothing unsaved is in them or the user gives it up (its draft
        goes too); 否 keeps them on screen."""
        if not self.drafts.dirty():
            return True
        text = "会议记录还没有保存，要放弃这些内容吗？\n选“否”保留这些内容，可先保存。"
        if not ask_to_give_up(self, "会议纪要", text):
            return False
        self.drafts.clear()
        self.drafts.mark_clean()
        return True

    def _select_current_quietly(self) -> None:
        rows = self.list.rows_model
        select_row_quietly(self.list, rows.row_of(self.current) if self.current else -1)

    def restore_draft(self, d: dict) -> None:
        if not self.may_leave():  # 否: the bar offers the draft again
            self.drafts.offer_again(d)
            return
        meeting = d.get("meeting")
        self.visit += 1
        self.current = self.wanted = uuid.UUID(meeting) if meeting else None
        self.current_status = MeetingStatus.DRAFT if meeting else None
        self._select_current_quietly()
        self.editor.set_raw_state(d["editor"])
        self._update_buttons()
        self.message.info("已恢复草稿，请核对后保存。")

    # --- loading
    def reload(self) -> None:
        actor = self.ctx.actor
        today = clock.today()
        worker = self.ctx.worker
        worker.submit(op(meetings.list_meetings, actor), self._show_list, self._failed)
        worker.submit(
            op(meetings.decisions, actor, only_open=False), self._show_decisions, self._failed
        )
        worker.submit(
            op(meetings.compliance, actor, today - timedelta(weeks=12), today, today),
            self._show_compliance,
            self._failed,
        )
        worker.submit(op(meetings.joint_required_units, actor), self._show_required, self._failed)

    def _show_list(self, rows: list[meetings.MeetingRow]) -> None:
        self.rows = rows
        self.list.set_rows(
            Row(
                (
                    m.number,
                    f"第{m.version}版",
                    m.kind.label,
                    f"{m.starts_at:%Y-%m-%d %H:%M}",
                    m.status.label,
                    str(m.open_decisions or ""),
                ),
                m.id,
            )
            for m in rows
        )
        self._select_current_quietly()  # the meeting on screen (a new version, one just saved)

    def _show_decisions(self, rows: list[meetings.DecisionRow]) -> None:
        today = clock.today()
        self.decision_rows = [d for d in rows if d.status == DecisionStatus.OPEN]
        self.done_rows = sorted(
            (d for d in rows if d.status != DecisionStatus.OPEN),
            key=lambda d: d.closed_on or d.deadline,
            reverse=True,
        )
        self.decision_table.set_rows(
            Row(
                (
                    d.meeting_number,
                    d.content,
                    d.responsible,
                    d.deadline.isoformat(),
                    "超期" if d.overdue(today) else d.status.label,
                    d.result,
                ),
                d.id,
                "overdue" if d.overdue(today) else "soon" if d.due_soon(today) else None,
            )
            for d in self.decision_rows
        )
        self.done_table.set_rows(
            Row(
                (
                    d.meeting_number,
                    d.content,
                    d.responsible,
                    d.deadline.isoformat(),
                    d.closed_on.isoformat() if d.closed_on else "",
                    d.result,
                ),
                d.id,
            )
            for d in self.done_rows
        )

    def _show_compliance(self, comp: meetings.Compliance) -> None:
        rows = [
            (f"{w.year}年第{w.isocalendar()[1]}周（{w.month}月{w.day}日起）", "工作例会", state)
            for w, state in comp.weeks
        ]
        rows += [(f"{y}年{m}月", "联席会议", state) for y, m, state in comp.months]
        self.compliance_table.set_rows(
            Row((period, kind, state), warn="overdue" if state == meetings.MISSING else None)
            for period, kind, state in rows
        )
        missing = comp.missing
        text = (
            "近 12 周的例会和每月联席会议都已召开。"
            if not missing
            else f"缺 {len(missing)} 次：" + "；".join(missing[:6])
        )
        if comp.joint_short:
            text += "\n不算召开的联席会议：" + "；".join(
                f"{d:%Y-%m-%d}（{'、'.join(units)}未出席）" for d, units in comp.joint_short[:4]
            )
        self.compliance_summary.setText(text)

    def _show_required(self, result: tuple[list[str], list[str]]) -> None:
        required, units = result
        if not self.required_units.isModified():  # typed and not saved: stays
            self.required_units.setText("、".join(required))
        self.required_hint.setText(
            "中心资料中的派驻单位：" + ("、".join(units) if units else "（尚未录入）")
        )

    def save_required_units(self) -> None:
        names = [
            n.strip()
            for n in self.required_units.text().replace("，", "、").replace(",", "、").split("、")
        ]

        def saved(_r) -> None:
            self.required_units.setModified(False)  # shown as saved from the next reload on
            self.reload()

        run_op(
            self.ctx,
            op(meetings.set_joint_required_units, self.ctx.actor, names),
            done_text="已保存联席会议应出席单位。",
            message=self.message_comp,
            done=saved,
        )

    def _failed(self, exc: BaseException) -> None:
        self.message.show_error(exc)

    # --- editing
    def _new_clicked(self) -> None:
        if self.may_leave():
            self.new_meeting()

    def new_meeting(self) -> None:
        self.visit += 1
        self.current, self.current_status, self.wanted = None, None, None
        self.list.clearSelection()
        self.editor.set_value(
            MeetingInput(
                kind=MeetingKind.WEEKLY,
                starts_at=clock.now().replace(second=0, microsecond=0),
                recorder=self.ctx.actor.display_name,
            ),
            read_only=False,
        )
        self.drafts.mark_clean()
        self._update_buttons()
        self._show_review(clock.now())
        self.message.clear()

    def _selected(self) -> None:
        r = self.list.current_row()
        if not 0 <= r < len(self.rows):
            return
        row = self.rows[r]
        if row.id == self.wanted:
            return  # shown, or on its way (a meeting just saved is not read over the typing)
        if not self.may_leave():
            self._select_current_quietly()
            return
        self.visit += 1
        visit = self.visit
        self.wanted = row.id

        def shown(data: MeetingInput) -> None:
            if self.visit != visit:  # another meeting chosen since
                return
            self.current, self.current_status = row.id, row.status
            self.editor.set_value(data, read_only=row.status != MeetingStatus.DRAFT)
            self.drafts.mark_clean()
            self._update_buttons()
            self._show_review(data.starts_at)
            self.message.clear()

        def failed(exc: BaseException) -> None:
            if self.visit == visit:  # it stays on the meeting shown
                self.wanted = self.current
                self._select_current_quietly()
            self._failed(exc)

        self.ctx.worker.submit(op(meetings.meeting_input, self.ctx.actor, row.id), shown, failed)

    def _show_review(self, before: datetime) -> None:
        def shown(rows: list[meetings.DecisionRow]) -> None:
            text = "；".join(
                f"{d.content}（{d.responsible}，{d.deadline:%m-%d}）" for d in rows[:8]
            )
            self.editor.review.setText(
                f"前次会议尚未办结的议定事项 {len(rows)} 项：{text}"
                if rows
                else "前次会议的议定事项均已办结。"
            )

        self.ctx.worker.submit(op(meetings.decisions, self.ctx.actor, before=before), shown)

    def _update_buttons(self) -> None:
        draft = self.current_status in (None, MeetingStatus.DRAFT)
        self.save_button.setEnabled(draft)
        self.issue_button.setEnabled(self.current is not None and draft)
        self.correct_button.setEnabled(self.current_status == MeetingStatus.ISSUED)
        self.print_button.setEnabled(self.current is not None)
        self.state.setText(self.current_status.label if self.current_status else "新会议（未保存）")

    def _run(self, job, done_text: str, after=None) -> None:
        visit = self.visit

        def done(ref) -> None:
            self.message.clear()
            if self.visit != visit:  # the user has gone on to another meeting meanwhile
                self.message.success(done_text)
                return
            self.state.setText(done_text)
            if isinstance(ref, meetings.MeetingRef):
                self.current, self.current_status = ref.id, ref.status
                self.wanted = ref.id
                self.editor.set_read_only(ref.status != MeetingStatus.DRAFT)
            self._update_buttons()
            if after:
                after()

        run_op(self.ctx, job, done=done, message=self.message, origin=self)

    def save(self) -> None:
        try:
            data = self.editor.value()
        except ValidationError as exc:
            self.message.show_error(exc)
            return
        actor, current = self.ctx.actor, self.current
        if current is None:
            job = op(meetings.create_meeting, actor, data)
        else:
            job = op(meetings.save_meeting, actor, current, data)
        self._run(job, "已保存", self.drafts.after_save())

    def issue(self) -> None:
        actor, current = self.ctx.actor, self.current
        if current is None:
            return
        try:
            data = self.editor.value()
        except ValidationError as exc:
            self.message.show_error(exc)
            return
        problems = meetings.issue_problems(data)
        if problems:
            self.message.show_error(ValidationError(problems))
            return
        # Issuing freezes the minutes: asked first (not modal, so the record stays readable).
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "印发会议纪要",
            "印发后纪要即定稿，不能再修改（如有错误只能更正为新版本），"
            "其中的议定事项开始跟踪办理。\n确认印发？",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText("确认印发")
        box.button(QMessageBox.StandardButton.No).setText("取消")
        box.setDefaultButton(QMessageBox.StandardButton.No)

        def answered(button) -> None:
            if box.standardButton(button) == QMessageBox.StandardButton.Yes:
                # What is on screen is what gets issued.
                self._run(op(meetings.save_and_issue, actor, current, data), "已印发")

        box.buttonClicked.connect(answered)
        if self.issue_confirm is not None:
            self.issue_confirm.deleteLater()  # the last question, answered
        self.issue_confirm = box
        box.open()

    def correct(self) -> None:
        actor, current = self.ctx.actor, self.current
        if current is not None:
            self._run(op(meetings.correct_minutes, actor, current), "更正版本（草稿）")

    def fill_figures(self) -> None:
        actor = self.ctx.actor
        until = self.editor.starts_at.dateTime().toPython().date()

        def shown(f: meetings.FiguresDraft) -> None:
            current = self.editor.situation.toPlainText().strip()
            self.editor.situation.setPlainText((current + "\n" if current else "") + f.as_text())

        def draft(since: date | None) -> None:
            if since is None or since >= until:
                since = until - timedelta(days=7)
            self.ctx.worker.submit(
                op(meetings.figures_draft, actor, since, until), shown, self._failed
            )

        self.ctx.worker.submit(op(meetings.last_meeting_date), draft, self._failed)

    def print_minutes(self) -> None:
        actor, current = self.ctx.actor, self.current
        if current is None:
            self.message.error("请先保存会议记录，再预览打印。")
            return

        def shown(result) -> None:
            number, pdf = result
            self.preview = PdfPreviewDialog(
                pdf, f"会议纪要 {number}", f"会议纪要-{number}.pdf", self, kind="minutes"
            )
            self.preview.open()

        run_op(self.ctx, op(meetings.minutes_pdf, actor, current), done=shown, message=self.message)

    # --- decisions
    def close_decision(self) -> None:
        r = self.decision_table.current_row()
        if not 0 <= r < len(self.decision_rows):
            self.message.error("请先在议定事项列表中选择一项。")
            return
        d = self.decision_rows[r]
        # A dialog that stays open with the result typed when the save is refused.
        dlg = FormDialog("办结议定事项", self)
        content = QLabel(d.content)
        content.setWordWrap(True)
        dlg.row("议定事项", content)
        result = dlg.row("办理结果", QPlainTextEdit(), field="result")
        result.setTabChangesFocus(True)
        actor = self.ctx.actor
        dlg.submit(
            self.ctx,
            lambda: op(meetings.close_decision, actor, d.id, result.toPlainText()),
            done=lambda _r: self.message.success("已办结"),
            origin=self,
        )
        dlg.finished.connect(dlg.deleteLater)
        self.decision_dialog = dlg
        dlg.open()
