"""值班值守: the roster, the duty log (with 交接班 and 突发事件) and 信息报送, as three pages.

Every rule is in ``services/command/duty.py`` and ``reports_upward.py``; this tab only shows
the lists, opens the forms and runs the operations. A red banner names every 突发事件 whose
首报 has not been signed yet (the 指挥研判 tab shows the same banner).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.errors import EnvironmentProblem, ValidationError
from app.core.ops import op
from app.models import Channel, EmergencyLevel, ReportKind, ReportStage
from app.services.center.reference import Lookups
from app.services.command import duty, reports_upward
from app.services.command.duty import EmergencyAlert, EntryRow, HandoverRow, Person, RosterDay
from app.services.command.reports_upward import ReportInput, ReportRow
from app.services.security.permissions import Action, allowed

from . import bus as kinds
from .pdf_preview_dialog import PdfPreviewDialog
from .widgets import (
    DraftController,
    FormDialog,
    MessageBar,
    Row,
    date_edit,
    enum_combo,
    open_copy,
    rows_view,
    run_op,
    show_file,
)
from .widgets.screen import fit_to_screen
from .widgets.tab_helpers import load_when_shown


def _qdate(e) -> date:
    return e.date().toPython()


def _text_box(height: int = 90, text: str = "") -> QPlainTextEdit:
    box = QPlainTextEdit(text)
    box.setTabChangesFocus(True)
    box.setMinimumHeight(height)
    return box


class EmergencyBanner(QLabel):
    """Red while any 突发事件 has no signed 首报; hidden otherwise. Its owner reloads it (a
    hidden widget would wait to be shown before reloading on a change): ``watch_from``."""

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.alerts: list[EmergencyAlert] = []
        self.setWordWrap(True)
        self.setStyleSheet(
            "background:#c62828;color:white;font-weight:bold;padding:6px 10px;border-radius:3px;"
        )
        self.hide()

    def watch_from(self, owner: QWidget) -> None:
        """Reload whenever duty or reports change and ``owner`` is (or is next) shown."""
        self.ctx.bus.watch(owner, [kinds.DUTY, kinds.REPORTS], self.reload)
        load_when_shown(owner, self.reload)

    def reload(self) -> None:
        if not allowed(self.ctx.actor, Action.KEEP_DUTY):
            return
        self.ctx.worker.submit(
            op(duty.pending_first_reports, self.ctx.actor), self.show_alerts, lambda _e: None
        )

    def show_alerts(self, alerts: list[EmergencyAlert]) -> None:
        self.alerts = alerts
        self.setText("\n".join("⚠ " + a.text for a in alerts))
        self.setVisible(bool(alerts))


# --- 值班表 ------------------------------------------------------------------------------------


class RosterPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.people: list[Person] = []
        self.days: list[RosterDay] = []
        self.dialog: FormDialog | None = None
        self.preview: PdfPreviewDialog | None = None
        self.choose_file: Callable[[str], str] = lambda name: QFileDialog.getSaveFileName(
            self, "导出值班表", name, "Excel 工作簿 (*.xlsx)"
        )[0]
        today = clock.today()
        first = today.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        self.since, self.until = date_edit(first), date_edit(last)
        self.show_button = QPushButton("查看")
        self.show_button.clicked.connect(self.reload)
        self.week_button = QPushButton("本周")
        self.week_button.clicked.connect(lambda: self.show_period(week=True))
        self.month_button = QPushButton("本月")
        self.month_button.clicked.connect(lambda: self.show_period(week=False))
        self.build_button = QPushButton("轮流排班…")
        self.build_button.clicked.connect(self.open_build)
        self.edit_button = QPushButton("调整这一天…")
        self.edit_button.clicked.connect(self.open_edit)
        self.print_button = QPushButton("打印")
        self.print_button.clicked.connect(self.print_roster)
        self.export_button = QPushButton("导出 XLSX")
        self.export_button.clicked.connect(self.export_xlsx)
        manage = allowed(ctx.actor, Action.MANAGE_ROSTER)
        if not manage:  # (showing a button that has no parent yet would open it as a window)
            self.build_button.hide()
            self.edit_button.hide()
        top = QHBoxLayout()
        for w in (QLabel("从"), self.since, QLabel("到"), self.until, self.show_button,
                  self.week_button, self.month_button):  # fmt: skip
            top.addWidget(w)
        top.addStretch(1)
        for w in (self.build_button, self.edit_button, self.print_button, self.export_button):
            top.addWidget(w)
        self.table = rows_view(
            ["日期", "星期", "带班领导", "值班人员", "值班电话", "备注"],
            stretch=5,
            widths=[(0, 110), (1, 70), (2, 110), (3, 110), (4, 140)],
        )
        self.table.doubleClicked.connect(lambda _i: manage and self.open_edit())
        self.message = MessageBar()
        col = QVBoxLayout(self)
        col.addLayout(top)
        col.addWidget(self.message)
        col.addWidget(self.table, 1)
        ctx.bus.watch(self, [kinds.DUTY, kinds.USERS, kinds.CALENDAR], self.reload)
        load_when_shown(self, self.reload)

    def show_period(self, week: bool) -> None:
        """This week (Monday to Sunday) or this month."""
        today = clock.today()
        if week:
            first = today - timedelta(days=today.weekday())
            last = first + timedelta(days=6)
        else:
            first = today.replace(day=1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        self.since.setDate(first)
        self.until.setDate(last)
        self.reload()

    def reload(self) -> None:
        actor = self.ctx.actor
        self.ctx.worker.submit(op(duty.duty_people, actor), self._people, self.message.show_error)
        self.ctx.worker.submit(
            op(duty.roster, actor, _qdate(self.since), _qdate(self.until)),
            self._show,
            self.message.show_error,
        )

    def _people(self, people: list[Person]) -> None:
        self.people = people

    def _show(self, days: list[RosterDay]) -> None:
        self.days = days
        rows = []
        for d in days:
            kind = f"节假日值班（{d.holiday}）" if d.holiday else ("休息日" if d.rest_day else "")
            note = "；".join(x for x in (kind, d.note) if x)
            cells = (f"{d.day:%Y-%m-%d}", d.weekday, d.leader, d.staff, d.phone, note)
            rows.append(Row(cells, d.day, "soon" if d.holiday else None))
        self.table.set_rows(rows)

    def _checklist(self, people: list[Person]) -> QListWidget:
        box = QListWidget()
        for p in people:
            item = QListWidgetItem(f"{p.name}（{p.role.label}）")
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            box.addItem(item)
        box.setMaximumHeight(150)
        return box

    @staticmethod
    def _checked(box: QListWidget) -> list[uuid.UUID]:
        return [
            box.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(box.count())
            if box.item(i).checkState() == Qt.CheckState.Checked
        ]

    def open_build(self) -> None:
        from app.services.security.permissions import DIRECTORS

        d = FormDialog("轮流排班", self)
        since = d.row("开始日期", date_edit(_qdate(self.since)), "since")
        until = d.row("结束日期", date_edit(_qdate(self.until)), "until")
        leaders = d.row(
            "带班领导（按顺序轮流）",
            self._checklist([p for p in self.people if p.role in DIRECTORS]),
            "leaders",
        )
        staff = d.row(
            "值班人员（按顺序轮流）",
            self._checklist([p for p in self.people if p.role not in DIRECTORS]),
            "staff",
        )
        phone = d.row("值班电话", QLineEdit(), "phone")
        phone.setPlaceholderText("留空：中心电话")
        hint = QLabel("请假的人员当天自动跳过，由名单中下一位顶上；已排的日期会被覆盖。")
        hint.setWordWrap(True)
        d.row("", hint)

        def done(result: duty.BuildResult) -> None:
            text = f"已排 {result.days} 天。"
            if result.skipped:
                text += "跳过：" + "，".join(result.skipped[:6]) + "。"
            if result.unfilled:
                text += f"有 {len(result.unfilled)} 天无人可排，请手工调整。"
                self.message.warning(text)
            else:
                self.message.success(text)
            self.since.setDate(since.date())
            self.until.setDate(until.date())

        d.submit(
            self.ctx,
            lambda: op(
                duty.build_roster,
                self.ctx.actor,
                _qdate(since),
                _qdate(until),
                self._checked(leaders),
                self._checked(staff),
                phone.text(),
            ),
            done=done,
        )
        fit_to_screen(d, 520, 640)
        self.dialog = d
        d.open()

    def open_edit(self) -> None:
        from app.services.security.permissions import DIRECTORS

        day = self.table.current_id()
        if day is None:
            self.message.error("请先在值班表中选择一天。")
            return
        current = next(x for x in self.days if x.day == day)
        d = FormDialog(f"调整值班 {day:%Y-%m-%d}", self)
        leader, staff = QComboBox(), QComboBox()
        for box, people, chosen in (
            (leader, [p for p in self.people if p.role in DIRECTORS], current.leader_id),
            (staff, self.people, current.staff_id),
        ):
            box.addItem("（不排）", None)
            for p in people:
                box.addItem(p.name, p.id)
            box.setCurrentIndex(max(0, box.findData(chosen)))
        d.row("带班领导", leader, "leader")
        d.row("值班人员", staff, "staff")
        phone = d.row("值班电话", QLineEdit(current.phone), "phone")
        note = d.row("备注", QLineEdit(current.note), "note")
        d.submit(
            self.ctx,
            lambda: op(
                duty.set_roster_day,
                self.ctx.actor,
                day,
                leader.currentData(),
                staff.currentData(),
                phone.text(),
                note.text(),
            ),
            done=lambda _v: self.message.success(f"{day.month}月{day.day}日的值班已调整。"),
        )
        self.dialog = d
        d.open()

    def print_roster(self) -> None:
        since, until = _qdate(self.since), _qdate(self.until)

        def shown(pdf: bytes) -> None:
            self.preview = PdfPreviewDialog(pdf, "值班表", f"值班表-{since:%Y%m%d}.pdf", self)
            self.preview.open()

        run_op(
            self.ctx,
            op(duty.roster_pdf, self.ctx.actor, since, until),
            done=shown,
            message=self.message,
        )

    def export_xlsx(self) -> None:
        since, until = _qdate(self.since), _qdate(self.until)
        path = self.choose_file(f"值班表-{since:%Y%m%d}-{until:%Y%m%d}.xlsx")
        if not path:
            return

        def save(data: bytes) -> None:
            try:
                Path(path).write_bytes(data)
            except OSError as exc:
                self.message.show_error(
                    EnvironmentProblem(f"没有保存：{exc.strerror or exc}（{path}）")
                )
                return
            self.message.success(f"已导出：{path}")

        run_op(
            self.ctx,
            op(duty.roster_xlsx, self.ctx.actor, since, until),
            done=save,
            message=self.message,
        )


# --- 值班日志 ----------------------------------------------------------------------------------


class LogPage(QWidget):
    def __init__(self, ctx, lookups: Lookups, parent=None):
        super().__init__(parent)
        self.ctx, self.lookups = ctx, lookups
        self.entries: list[EntryRow] = []
        self.notes: list[HandoverRow] = []
        self.people: list[Person] = []
        self.dialog: FormDialog | None = None
        self.preview: PdfPreviewDialog | None = None
        self.day = date_edit()
        self.day.dateChanged.connect(lambda _d: self.reload())
        buttons = [
            ("记录…", self.open_entry),
            ("登记为事项…", self.open_to_matter),
            ("标记突发事件…", self.open_emergency),
            ("交班…", self.open_handover),
            ("接班确认", self.acknowledge),
            ("打印日志", self.print_log),
        ]
        top = QHBoxLayout()
        top.addWidget(QLabel("日期"))
        top.addWidget(self.day)
        top.addStretch(1)
        self.buttons: dict[str, QPushButton] = {}
        for text, slot in buttons:
            b = QPushButton(text)
            b.clicked.connect(slot)
            self.buttons[text] = b
            top.addWidget(b)
        self.table = rows_view(
            ["时间", "来源", "来电人", "事由", "处置情况", "突发事件", "事项", "记录人"],
            stretch=3,
            widths=[(0, 60), (1, 80), (2, 90), (4, 220), (5, 150), (6, 140), (7, 70)],
        )
        self.handover_table = rows_view(
            ["交班时间", "交班人", "接班人", "交接内容", "确认"],
            stretch=3,
            widths=[(0, 80), (1, 80), (2, 80), (4, 120)],
        )
        self.handover_table.setMaximumHeight(150)
        self.message = MessageBar()
        col = QVBoxLayout(self)
        col.addLayout(top)
        col.addWidget(self.message)
        col.addWidget(self.table, 1)
        col.addWidget(QLabel("交接班"))
        col.addWidget(self.handover_table)
        ctx.bus.watch(self, [kinds.DUTY, kinds.MATTERS, kinds.REPORTS], self.reload)
        load_when_shown(self, self.reload)

    def reload(self) -> None:
        actor, day = self.ctx.actor, _qdate(self.day)
        submit = self.ctx.worker.submit
        submit(op(duty.day_log, actor, day), self._show, self.message.show_error)
        submit(op(duty.handovers, actor, day), self._show_notes, self.message.show_error)
        submit(op(duty.duty_people, actor), self._people, self.message.show_error)

    def _people(self, people: list[Person]) -> None:
        self.people = people

    def _show(self, entries: list[EntryRow]) -> None:
        self.entries = entries
        rows = []
        for e in entries:
            level = ""
            warn = None
            if e.level:
                level = e.level.label + ("，已首报" if e.first_report else "，未首报")
                warn = None if e.first_report else "overdue"
            cells = (f"{e.at:%H:%M}", e.source, e.caller, e.content, e.action, level,
                     e.matter_number, e.recorded_by)  # fmt: skip
            rows.append(Row(cells, e.id, warn))
        self.table.set_rows(rows)

    def _show_notes(self, notes: list[HandoverRow]) -> None:
        self.notes = notes
        self.handover_table.set_rows(
            Row(
                (
                    f"{h.written_at:%H:%M}",
                    h.from_user,
                    h.to_user,
                    h.note,
                    f"已确认 {h.acknowledged_at:%H:%M}" if h.acknowledged_at else "待接班人确认",
                ),
                h.id,
                None if h.acknowledged_at else "soon",
            )
            for h in notes
        )

    def _selected(self) -> EntryRow | None:
        eid = self.table.current_id()
        entry = next((e for e in self.entries if e.id == eid), None)
        if entry is None:
            self.message.error("请先在值班日志中选择一条记录。")
        return entry

    def open_entry(self) -> None:
        d = FormDialog("值班记录", self)
        now = clock.now()
        when = QDateTimeEdit(QDateTime(now.replace(second=0, microsecond=0)))
        when.setDisplayFormat("yyyy-MM-dd HH:mm")
        d.row("时间", when, "at")
        source = QComboBox()
        source.setEditable(True)
        source.addItems(duty.SOURCES)
        d.row("来源", source, "source")
        caller = d.row("来电人/报告人", QLineEdit(), "caller")
        phone = d.row("联系电话", QLineEdit(), "phone")
        content = d.row("事由", _text_box(), "content")
        action = d.row("处置情况", _text_box(70), "action")

        def job():
            at: datetime = when.dateTime().toPython()
            data = duty.EntryInput(
                at, source.currentText(), content.toPlainText(), action.toPlainText(),
                caller.text(), phone.text(),
            )  # fmt: skip
            return op(duty.log_entry, self.ctx.actor, data)

        d.submit(self.ctx, job, done=lambda _v: self.message.success("已记入值班日志。"))
        self.dialog = d
        d.open()

    def open_to_matter(self) -> None:
        entry = self._selected()
        if entry is None:
            return
        if entry.matter_id is not None:
            self.message.error(f"这条记录已经登记为事项 {entry.matter_number}。")
            return
        d = FormDialog("登记为事项", self)
        channel = d.row("渠道", enum_combo(Channel, [Channel.CALL, Channel.GRID]), "channel")
        if entry.source == "网格上报":
            channel.setCurrentIndex(1)
        category = QComboBox()
        for c in self.lookups.categories:
            category.addItem(c.name, c.id)
        d.row("事项类别", category, "category_id")
        name = d.row("来电人/当事人", QLineEdit(entry.caller), "visitors")
        phone = d.row("联系电话", QLineEdit(entry.phone), "phone")
        summary = d.row("事项摘要", _text_box(90, entry.content), "summary")

        def job():
            data = duty.MatterFromEntry(
                Channel(channel.currentData()), category.currentData(), name.text(),
                phone.text(), summary.toPlainText(),
            )  # fmt: skip
            return op(duty.entry_to_matter, self.ctx.actor, entry.id, data)

        d.submit(
            self.ctx,
            job,
            done=lambda r: self.message.success(
                f"已登记为事项 {r.number}，期限 {r.deadline_text}。"
            ),
        )
        self.dialog = d
        d.open()

    def open_emergency(self) -> None:
        entry = self._selected()
        if entry is None:
            return
        d = FormDialog("标记突发事件", self)
        level = d.row("级别", enum_combo(EmergencyLevel), "level")
        if entry.level:
            level.setCurrentIndex(level.findData(entry.level))
        d.row(
            "",
            QLabel(
                "较大及以上的突发事件须在规定时间内报送首报（信息报送 → 新建 → 突发事件报告）。"
            ),
        )

        def done(due: datetime | None) -> None:
            text = (
                f"已标记为突发事件，首报应于 {due:%H:%M} 前报送。" if due else "已标记为突发事件。"
            )
            self.message.warning(text)

        d.submit(
            self.ctx,
            lambda: op(
                duty.mark_emergency, self.ctx.actor, entry.id, EmergencyLevel(level.currentData())
            ),
            done=done,
        )
        self.dialog = d
        d.open()

    def open_handover(self) -> None:
        d = FormDialog("交班", self)
        incoming = QComboBox()
        for p in self.people:
            if p.id != self.ctx.actor.user_id:
                incoming.addItem(p.name, p.id)
        d.row("接班人", incoming, "to_user")
        note = d.row("交接内容", _text_box(120), "note")

        def job():
            if incoming.currentData() is None:
                raise ValidationError({"to_user": "请选择接班人"})
            return op(
                duty.write_handover,
                self.ctx.actor,
                incoming.currentData(),
                note.toPlainText(),
                _qdate(self.day),
            )

        d.submit(self.ctx, job, done=lambda _v: self.message.success("已交班，待接班人确认。"))
        self.dialog = d
        d.open()

    def acknowledge(self) -> None:
        hid = self.handover_table.current_id()
        if hid is None:
            mine = [
                h
                for h in self.notes
                if h.to_user_id == self.ctx.actor.user_id and not h.acknowledged_at
            ]
            if len(mine) != 1:
                self.message.error("请先在交接班列表中选择要确认的一条。")
                return
            hid = mine[0].id
        run_op(
            self.ctx,
            op(duty.acknowledge_handover, self.ctx.actor, hid),
            done_text="已确认接班。",
            message=self.message,
        )

    def print_log(self) -> None:
        day = _qdate(self.day)

        def shown(pdf: bytes) -> None:
            self.preview = PdfPreviewDialog(pdf, "值班日志", f"值班日志-{day:%Y%m%d}.pdf", self)
            self.preview.open()

        run_op(
            self.ctx, op(duty.day_log_pdf, self.ctx.actor, day), done=shown, message=self.message
        )


# --- 信息报送 ----------------------------------------------------------------------------------


def _choose_report_file(parent: QWidget) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "选择附件", "", "所有文件 (*)")
    return path


# A report form's draft: each field as text (the kind, stage and event by their values).
_DRAFT_TEXT = ("title", "body", "attachments", "recipient", "copy_no", "secrecy", "urgency",
               "distribution")  # fmt: skip


def report_draft(data: ReportInput) -> dict:
    d = {k: getattr(data, k) for k in _DRAFT_TEXT}
    d["kind"] = data.kind.value
    d["stage"] = data.stage.value if data.stage else None
    d["duty_entry_id"] = str(data.duty_entry_id) if data.duty_entry_id else None
    return d


def report_from_draft(d: dict) -> ReportInput:
    entry = d.get("duty_entry_id")
    return ReportInput(
        ReportKind(d["kind"]),
        stage=ReportStage(d["stage"]) if d.get("stage") else None,
        duty_entry_id=uuid.UUID(entry) if entry else None,
        **{k: str(d.get(k) or "") for k in _DRAFT_TEXT},
    )


class ReportDialog(FormDialog):
    """新建 / 修改 a report; 插入统计数据 appends the month's figures to the text; files are
    added and removed here and saved with the form (``added`` paths, ``removed`` ids).
    ``edited`` (a callable) runs after each change, for the page's draft."""

    def __init__(
        self,
        ctx,
        emergencies: list[EntryRow],
        data: ReportInput | None,
        parent=None,
        *,
        kind_fixed: bool | None = None,
    ):
        super().__init__("信息报送" if data is None else "修改报告", parent)
        self.ctx = ctx
        self.edited: Callable[[], None] = lambda: None
        self.report_id: uuid.UUID | None = None  # None: a new report
        self.number = ""
        self.choose_file: Callable[[QWidget], str] = _choose_report_file
        self.show_file: Callable[[Path], None] = show_file  # the system viewer (tests swap it)
        self.existing: list[reports_upward.ReportFile] = []
        self.added: list[Path] = []
        self.removed: list[uuid.UUID] = []
        self.kind = self.row("种类", enum_combo(ReportKind), "kind")
        self.stage = self.row("阶段", enum_combo(ReportStage), "stage")
        self.entry = QComboBox()
        for e in emergencies:
            self.entry.addItem(f"{e.at:%m-%d %H:%M} {e.level.label} {e.content[:24]}", e.id)
        self.row("突发事件", self.entry, "duty_entry")
        self.title_edit = self.row("标题", QLineEdit(), "title")
        self.recipient = self.row("主送机关", QLineEdit(), "recipient")
        marks = QHBoxLayout()
        self.copy_no, self.secrecy, self.urgency = QLineEdit(), QComboBox(), QComboBox()
        self.copy_no.setPlaceholderText("份号")
        self.copy_no.setMaximumWidth(90)
        self.secrecy.addItems(["（不涉密）", *reports_upward.SECRECIES[1:]])
        self.urgency.addItems(["（一般）", *reports_upward.URGENCIES[1:]])
        for w in (self.copy_no, QLabel("密级"), self.secrecy, QLabel("紧急程度"), self.urgency):
            marks.addWidget(w)
        box = QWidget()
        box.setLayout(marks)
        marks.setContentsMargins(0, 0, 0, 0)
        self.row("份号", box, "copy_no")
        self.body = self.row("正文", _text_box(130), "body")
        self.figures_button = QPushButton("插入本月统计数据")
        self.figures_button.clicked.connect(self.insert_figures)
        self.row("", self.figures_button)
        self.attachments = self.row("附件说明（每行一个）", _text_box(40), "attachments")
        self.attachments.setMaximumHeight(56)
        self.files = QListWidget()
        self.files.setMaximumHeight(76)
        self.files.setAccessibleName("附件文件")
        self.files.itemActivated.connect(self.open_file)
        self.add_file_button = QPushButton("添加附件…")
        self.add_file_button.clicked.connect(self.add_file)
        self.remove_file_button = QPushButton("移除附件")
        self.remove_file_button.clicked.connect(self.remove_file)
        file_buttons = QVBoxLayout()
        file_buttons.setContentsMargins(0, 0, 0, 0)
        file_buttons.addWidget(self.add_file_button)
        file_buttons.addWidget(self.remove_file_button)
        file_buttons.addStretch(1)
        file_row = QHBoxLayout()
        file_row.setContentsMargins(0, 0, 0, 0)
        file_row.addWidget(self.files, 1)
        file_row.addLayout(file_buttons)
        file_box = QWidget()
        file_box.setLayout(file_row)
        self.row("附件文件", file_box, "file")
        self.distribution = self.row("抄送", QLineEdit(), "distribution")
        self.kind.currentIndexChanged.connect(self._kind_changed)
        if data is not None:
            self.kind.setCurrentIndex(self.kind.findData(data.kind))
            self.kind.setEnabled(not (data is not None if kind_fixed is None else kind_fixed))
            if data.stage:
                self.stage.setCurrentIndex(self.stage.findData(data.stage))
            if data.duty_entry_id:
                self.entry.setCurrentIndex(max(0, self.entry.findData(data.duty_entry_id)))
            self.title_edit.setText(data.title)
            self.recipient.setText(data.recipient)
            self.copy_no.setText(data.copy_no)
            self.secrecy.setCurrentIndex(max(0, self.secrecy.findText(data.secrecy)))
            self.urgency.setCurrentIndex(max(0, self.urgency.findText(data.urgency)))
            self.body.setPlainText(data.body)
            self.attachments.setPlainText(data.attachments)
            self.distribution.setText(data.distribution)
        self._kind_changed()
        for combo in (self.kind, self.stage, self.entry, self.secrecy, self.urgency):
            combo.currentIndexChanged.connect(self._edited)
        for line in (self.title_edit, self.recipient, self.copy_no, self.distribution):
            line.textEdited.connect(self._edited)
        for text in (self.body, self.attachments):
            text.textChanged.connect(self._edited)
        fit_to_screen(self, 640, 720)

    def _edited(self, *_args) -> None:
        self.edited()

    def _kind_changed(self) -> None:
        emergency = self.kind.currentData() == ReportKind.EMERGENCY
        for key in ("stage", "duty_entry"):
            self.fields[key].setEnabled(emergency)

    # --- files
    def set_files(
        self,
        existing: list[reports_upward.ReportFile],
        added: list[Path] = (),
        removed: list[uuid.UUID] = (),
    ) -> None:
        self.existing, self.added, self.removed = list(existing), list(added), list(removed)
        self._show_files()

    def _show_files(self) -> None:
        self.files.clear()
        for f in self.existing:
            if f.id not in self.removed:
                item = QListWidgetItem(f"{f.file_name}（{f.size // 1024 + 1} KB）")
                item.setData(Qt.ItemDataRole.UserRole, f.id)
                self.files.addItem(item)
        for path in self.added:
            item = QListWidgetItem(f"{path.name}（待保存）")
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.files.addItem(item)

    def add_file(self) -> None:
        name = self.choose_file(self)
        if not name:
            return
        path = Path(name)
        if path not in self.added:
            self.added.append(path)
        self._show_files()
        self.edited()

    def open_file(self, item: QListWidgetItem) -> None:
        """A saved file opens (after its hash is checked); one not yet saved from where it is."""
        key = item.data(Qt.ItemDataRole.UserRole)
        if not isinstance(key, uuid.UUID):
            self.show_file(Path(key))
            return
        name = next((f.file_name for f in self.existing if f.id == key), "附件")
        self.ctx.worker.submit(  # the checked file, shown through a copy with its own name
            op(reports_upward.report_file_path, self.ctx.actor, key, self.ctx.attachments),
            lambda path: open_copy(name, path, self.show_error, self.show_file),
            self.show_error,
        )

    def remove_file(self) -> None:
        item = self.files.currentItem()
        if item is None:
            self.show_error("请先在附件列表中选择要移除的文件。")
            return
        key = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(key, uuid.UUID):
            self.removed.append(key)
        else:
            self.added = [p for p in self.added if str(p) != key]
        self._show_files()
        self.edited()

    def value(self) -> ReportInput:
        emergency = self.kind.currentData() == ReportKind.EMERGENCY
        return ReportInput(
            ReportKind(self.kind.currentData()),
            self.title_edit.text(),
            self.body.toPlainText(),
            ReportStage(self.stage.currentData()) if emergency else None,
            self.attachments.toPlainText(),
            self.recipient.text(),
            self.copy_no.text(),
            self.secrecy.currentText() if self.secrecy.currentIndex() else "",
            self.urgency.currentText() if self.urgency.currentIndex() else "",
            self.distribution.text(),
            self.entry.currentData() if emergency else None,
        )

    def insert_figures(self) -> None:
        today = clock.today()

        def put(text: str) -> None:
            self.body.appendPlainText(text)

        self.ctx.worker.submit(
            op(reports_upward.figures_text, self.ctx.actor, today.replace(day=1), today),
            put,
            self.show_error,
        )


class ReportsPage(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.reports: list[ReportRow] = []
        self.emergencies: list[EntryRow] = []
        self.dialog: FormDialog | None = None
        self.preview: PdfPreviewDialog | None = None
        self.search = QLineEdit()
        self.search.setPlaceholderText("按期号、标题或正文查找")
        self.search.returnPressed.connect(self.reload)
        self.kind = QComboBox()
        self.kind.addItem("全部种类", None)
        for k in ReportKind:
            self.kind.addItem(k.label, k)
        self.kind.currentIndexChanged.connect(lambda _i: self.reload())
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.kind)
        self.buttons: dict[str, QPushButton] = {}
        for text, slot in (
            ("新建…", self.open_new),
            ("修改…", self.open_edit),
            ("签发", self.sign),
            ("打印", self.print_report),
            ("呈报事项…", self.open_escalate),
        ):
            b = QPushButton(text)
            b.clicked.connect(slot)
            self.buttons[text] = b
            top.addWidget(b)
        if not allowed(ctx.actor, Action.SIGN_REPORTS):
            self.buttons["签发"].hide()
        self.table = rows_view(
            ["期号", "种类", "标题", "状态", "签发人", "起草时间"],
            stretch=2,
            widths=[(0, 200), (1, 150), (3, 70), (4, 80), (5, 130)],
        )
        self.table.doubleClicked.connect(lambda _i: self.open_edit())
        self.message = MessageBar()
        # The open report form survives the program being killed (恢复草稿 reopens it).
        self.drafts = DraftController(ctx, self.DRAFT_FORM, self._draft_payload, parent=self)
        self.drafts.restore.connect(self.restore_draft)
        self.draft_bar = self.drafts.bar
        col = QVBoxLayout(self)
        col.addLayout(top)
        col.addWidget(self.draft_bar)
        col.addWidget(self.message)
        col.addWidget(self.table, 1)
        ctx.bus.watch(self, [kinds.REPORTS, kinds.DUTY], self.reload)
        load_when_shown(self, self.reload)
        self.drafts.offer(
            lambda at, d: (
                f"发现 {at:%m-%d %H:%M} 未保存的报告草稿"
                f"“{d.get('form', {}).get('title') or '（无标题）'}”。"
            )
        )

    DRAFT_FORM = "upward_report"

    def _draft_payload(self) -> dict | None:
        d = self.dialog
        if not isinstance(d, ReportDialog) or not d.isVisible():
            return None
        return {
            "report": str(d.report_id) if d.report_id else None,
            "number": d.number,
            "form": report_draft(d.value()),
            "added": [str(p) for p in d.added],
            "removed": [str(x) for x in d.removed],
        }

    def restore_draft(self, payload: dict) -> None:
        report = payload.get("report")
        data = report_from_draft(payload["form"])
        added = [Path(p) for p in payload.get("added", [])]
        removed = [uuid.UUID(x) for x in payload.get("removed", [])]
        if report is None:
            dialog = self._open(data, None, "", added=added, kind_fixed=False)
        else:
            dialog = self._open(data, uuid.UUID(report), payload.get("number", ""), added, removed)
        dialog.mark_unsaved()  # 取消 asks before the restored text (and its draft) goes
        self.message.info("已恢复草稿，请核对后保存。")

    def reload(self) -> None:
        actor = self.ctx.actor
        self.ctx.worker.submit(
            op(reports_upward.list_reports, actor, self.search.text(), self.kind.currentData()),
            self._show,
            self.message.show_error,
        )
        since = clock.today() - timedelta(days=90)
        self.ctx.worker.submit(
            op(duty.emergencies, actor, since), self._emergencies, self.message.show_error
        )

    def _emergencies(self, rows: list[EntryRow]) -> None:
        self.emergencies = rows

    def _show(self, reports: list[ReportRow]) -> None:
        self.reports = reports
        self.table.set_rows(
            Row(
                (
                    r.number,
                    r.kind_text,
                    r.title,
                    r.status,
                    r.signer,
                    f"{r.created_at:%Y-%m-%d %H:%M}",
                ),
                r.id,
                None if r.signed_at else "soon",
            )
            for r in reports
        )

    def _selected(self) -> ReportRow | None:
        rid = self.table.current_id()
        r = next((x for x in self.reports if x.id == rid), None)
        if r is None:
            self.message.error("请先在列表中选择一份报告。")
        return r

    def _open(
        self,
        data: ReportInput | None,
        report_id: uuid.UUID | None,
        number: str,
        added: list[Path] = (),
        removed: list[uuid.UUID] = (),
        *,
        kind_fixed: bool | None = None,
    ) -> ReportDialog:
        """The report form: new (``report_id`` None) or an existing draft; 确定 saves the
        report and its files together, and the form's draft is cleared once it saved (or
        when the form is cancelled)."""
        d = ReportDialog(self.ctx, self.emergencies, data, self, kind_fixed=kind_fixed)
        d.report_id, d.number = report_id, number
        d.set_files([], added, removed)
        d.edited = self.drafts.edited
        actor = self.ctx.actor

        def saved(r: ReportRow) -> None:
            self.drafts.clear()
            if report_id is None:
                self.message.success(f"已保存为 {r.number}（草稿），请主任签发。")
            else:
                self.message.success(f"{r.number} 已保存。")

        d.submit(
            self.ctx,
            lambda: op(
                reports_upward.save_report_with_files,
                actor,
                report_id,
                d.value(),
                list(d.added),
                list(d.removed),
                self.ctx.attachments,
            ),
            done=saved,
        )
        d.rejected.connect(self.drafts.clear)
        if report_id is not None:
            self.ctx.worker.submit(
                op(reports_upward.report_files, actor, report_id),
                lambda files: d.set_files(files, d.added, d.removed),
                d.show_error,
            )
        self.dialog = d
        d.open()
        self.drafts.mark_clean()
        return d

    def open_new(self) -> None:
        self._open(None, None, "")

    def open_edit(self) -> None:
        r = self._selected()
        if r is None:
            return
        if r.signed_at:
            self.message.error("已签发的报告不能修改。")
            return

        def opened(data: ReportInput) -> None:
            self._open(data, r.id, r.number)

        self.ctx.worker.submit(
            op(reports_upward.report_input, self.ctx.actor, r.id), opened, self.message.show_error
        )

    def sign(self) -> None:
        r = self._selected()
        if r is None:
            return
        run_op(
            self.ctx,
            op(reports_upward.sign_report, self.ctx.actor, r.id),
            done_text=f"{r.number} 已签发。",
            message=self.message,
        )

    def print_report(self) -> None:
        r = self._selected()
        if r is None:
            return

        def shown(result) -> None:
            number, pdf = result
            self.preview = PdfPreviewDialog(pdf, number, f"{number}.pdf", self)
            self.preview.open()

        run_op(
            self.ctx, op(reports_upward.report_pdf, self.ctx.actor, r.id), done=shown,
            message=self.message,
        )  # fmt: skip

    def open_escalate(self) -> None:
        r = self._selected()
        if r is None:
            return
        d = FormDialog(f"呈报事项（随 {r.number}）", self)
        number = d.row("受理编号", QLineEdit(), "matter")
        body = d.row("呈报机关", QLineEdit(), "body")
        body.setPlaceholderText("如：县委政法委、县综治中心")
        reason = d.row("呈报理由", _text_box(90), "reason")
        d.submit(
            self.ctx,
            lambda: op(
                reports_upward.escalate_by_number,
                self.ctx.actor,
                number.text(),
                body.text(),
                reason.toPlainText(),
                r.id,
            ),  # fmt: skip
            done=lambda _v: self.message.success(f"已呈报{body.text()}，事项时间线已记录。"),
        )
        self.dialog = d
        d.open()


class DutyTab(QWidget):
    """值班值守: 值班表, 值班日志 and 信息报送, under the red 突发事件 banner."""

    def __init__(self, ctx, lookups: Lookups, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.banner = EmergencyBanner(ctx)
        self.roster = RosterPage(ctx)
        self.log = LogPage(ctx, lookups)
        self.pages = QTabWidget()
        self.pages.addTab(self.roster, "值班表")
        self.pages.addTab(self.log, "值班日志")
        self.reports: ReportsPage | None = None
        if allowed(ctx.actor, Action.WRITE_REPORTS):
            self.reports = ReportsPage(ctx)
            self.pages.addTab(self.reports, "信息报送")
        col = QVBoxLayout(self)
        col.addWidget(self.banner)
        col.addWidget(self.pages, 1)
        self.banner.watch_from(self)
