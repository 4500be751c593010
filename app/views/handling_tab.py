"""事项办理: the matters in the flow, with only the moves this user may make on each."""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, QDateTime, QEvent, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.errors import ValidationError
from app.core.ops import op
from app.models import ArrangementKind, ExtensionStatus, MatterStatus, Role, Satisfaction
from app.services.center.reference import Lookups, load_lookups
from app.services.command import aid
from app.services.reception import (
    arrangements,
    attachments,
    detail,
    flow,
    handling_list,
    intake,
    linkage,
    petitions,
    posts,
    supervision,
    work_rules,
)
from app.services.reception.flow import Move
from app.services.reception.handling_list import IN_FLOW
from app.services.reception.intake import MatterFilter
from app.services.security.permissions import Action, allowed

from . import bus as kinds
from .combos import TypeAheadCombo, find_data
from .context import ViewContext
from .matter_documents import MatterDocumentsPanel
from .matter_table_model import (
    COL_CHANNEL,
    COL_DEADLINE,
    COL_STATUS,
    COL_SUMMARY,
    COLUMN_WIDTHS,
    ID_ROLE,
    MatterTableModel,
    WarningDelegate,
)
from .pdf_preview_dialog import PdfPreviewDialog
from .procedure_dialogs import (
    AssignmentDialog,
    PauseDialog,
    ResumeDialog,
    ReviewDecisionDialog,
    ReviewRequestDialog,
    UpperResultDialog,
    procedure_items,
    procedure_lines,
)
from .register_dialog import RegisterRecordDialog
from .tables import set_column_widths
from .widgets import FormDialog, MessageBar, load_when_shown, open_copy, show_file
from .widgets.tables import DateEdit

FILE_NAME_ROLE = Qt.ItemDataRole.UserRole + 1  # an attachment's own name, for its copy

TEXT_LABELS = {
    Move.RETURN: "退回理由",
    Move.PROGRESS: "办理进展",
    Move.REQUEST_EXTENSION: "延期理由",
    Move.REFUSE_EXTENSION: "不予延期的理由",
    Move.COMPLETE: "办理结果",
    Move.FEEDBACK: "反馈情况（可不填）",
    Move.REOPEN: "重新办理的理由",
    Move.REJECT: "不予受理的理由",
    Move.TRANSFER: "移送的材料",
}


STATUS_WIDTH = 112
# What the handler sees in the list about their extension request.
EXTENSION_MARKS = {
    ExtensionStatus.PENDING: "延期待批",
    ExtensionStatus.APPROVED: "已延期",
    ExtensionStatus.REFUSED: "不予延期",
}


class HandlingTableModel(MatterTableModel):
    """The matter list, its 状态 telling where an extension request stands (``marks``)."""

    def __init__(self, fetch_page, parent=None):
        super().__init__(fetch_page, parent)
        self.marks: dict[uuid.UUID, ExtensionStatus | None] = {}

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        value = super().data(index, role)
        if index.isValid() and index.column() == COL_STATUS:
            row = self.row_at(index.row())
            mark = self.marks.get(row.id) if row is not None else None
            if mark is not None and role == Qt.ItemDataRole.DisplayRole:
                return f"{value} · {EXTENSION_MARKS[mark]}"
            if mark is not None and role == Qt.ItemDataRole.ToolTipRole:
                return f"延期申请：{mark.label}"
        return value


def extension_line(x: flow.ExtensionView) -> str:
    """One extension request in the matter's detail."""
    asked = (
        f"延期申请：{x.requested_by or '—'} {x.requested_at:%Y-%m-%d %H:%M} 申请将期限由 "
        f"{x.old_deadline:%Y-%m-%d} 延至 {x.proposed_deadline:%Y-%m-%d}（{x.reason}）"
    )
    if x.status == ExtensionStatus.PENDING:
        return f"{asked} —— 待主任审批"
    if x.status == ExtensionStatus.APPROVED:
        note = f"：{x.decision_note}" if x.decision_note else ""
        return f"{asked} —— {x.decided_by} 已批准，延至 {x.approved_deadline:%Y-%m-%d}{note}"
    if x.status == ExtensionStatus.REFUSED:
        return f"{asked} —— {x.decided_by} 不予延期：{x.decision_note}"
    return f"{asked} —— {x.status.label}"


def _date_edit(day: date) -> QDateEdit:
    edit = DateEdit(QDate(day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def _text_edit() -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)
    edit.setMaximumHeight(110)
    return edit


class MoveDialog(FormDialog):
    """Asks what one move needs; ``values()`` gives them to ``flow.perform``. A refused 确定
    leaves it open with what was typed (FormDialog)."""

    def __init__(
        self,
        move: Move,
        lookups: Lookups,
        deadline: date,
        parent=None,
        *,
        proposed: date | None = None,
        request: flow.ExtensionView | None = None,
    ):
        """``deadline``: the matter's current one; ``proposed``: the date an extension request
        starts with (``flow.extension_default``); ``request``: the one waiting for a decision."""
        super().__init__(move.label, parent)
        self.move = move
        self.unit = self.handler = self.handler_user = self.deadline = self.method = None
        self.satisfaction = self.where = self.text = self.note = None
        if move == Move.ROUTE:
            self.unit = TypeAheadCombo()  # 承办单位 by characters or pinyin initials
            for u in lookups.routable():
                self.unit.addItem(u.name, u.id)
            self.unit.setPlaceholderText("（请选择承办单位）")  # chosen, never pre-selected
            self.unit.setCurrentIndex(-1)
            self.handler = QLineEdit()
            self.handler.setPlaceholderText("没有账号的承办人，写姓名")
            self.handler_user = TypeAheadCombo()
            self.handler_user.addItem("（不指定账号）", None)
            for person in lookups.staff:
                self.handler_user.addItem(f"{person.name}（{person.role.label}）", person.id)
            self.row("承办单位", self.unit, "unit")
            self.row("首办责任人", self.handler_user)
            self.row("或填写姓名", self.handler, "handler")
        if move in (Move.EXTEND, Move.REFUSE_EXTENSION) and request is not None:
            asked = QLabel(
                f"{request.requested_by or '承办人'} {request.requested_at:%Y-%m-%d %H:%M} 申请"
                f"将期限由 {deadline:%Y-%m-%d} 延至 {request.proposed_deadline:%Y-%m-%d}。\n"
                f"理由：{request.reason}"
            )
            asked.setWordWrap(True)
            self.form.addRow(asked)
        if move == Move.REQUEST_EXTENSION:
            self.form.addRow(
                QLabel(f"现在的期限：{deadline:%Y-%m-%d}；批准后才改期，只能延期一次。")
            )
            self.deadline = _date_edit(proposed or deadline + timedelta(days=1))
            self.row("申请延至", self.deadline, "deadline")
        if move == Move.EXTEND:
            start = request.proposed_deadline if request is not None else proposed or deadline
            self.deadline = _date_edit(start)
            self.row("批准延至", self.deadline, "deadline")
            self.note = _text_edit()
            self.row("审批意见（可不填）", self.note, "note")
        if move == Move.FEEDBACK:
            self.method = QComboBox()
            self.method.addItems(["电话", "当面", "上门", "短信", "书面"])
            self.satisfaction = QComboBox()
            for sat in Satisfaction:
                self.satisfaction.addItem(sat.label, sat)
            # Nothing is recorded for the person until the user chooses it.
            self.satisfaction.setPlaceholderText("（请选择）")
            self.satisfaction.setCurrentIndex(-1)
            self.row("反馈方式", self.method, "method")
            self.row("群众评价", self.satisfaction, "satisfaction")
        if move in (Move.REJECT, Move.TRANSFER):
            self.where = QLineEdit()
            self.row("告知的办理途径" if move == Move.REJECT else "接收机关", self.where, "where")
        if move in TEXT_LABELS:
            self.text = _text_edit()
            self.row(TEXT_LABELS[move], self.text, "text")
        if move in (Move.ACCEPT, Move.ARCHIVE):
            self.form.addRow(QLabel(f"确认{move.label}这件事项？"))

    def values(self) -> dict:
        v: dict = {}
        if self.unit is not None:
            v["unit_id"], v["handler"] = self.unit.currentData(), self.handler.text()
            v["handler_user_id"] = self.handler_user.currentData()
        if self.deadline is not None:
            v["deadline"] = self.deadline.date().toPython()
        if self.method is not None:
            v["method"], v["satisfaction"] = (
                self.method.currentText(),
                self.satisfaction.currentData(),
            )
        if self.where is not None:
            v["where"] = self.where.text()
        if self.text is not None:
            v["text"] = self.text.toPlainText()
        if self.note is not None:
            v["note"] = self.note.toPlainText()
        return v


class SupervisionDialog(FormDialog):
    """督办: which unit (the matter's own, to start with), what is required, by when the reply
    is due (a working day, ``supervision.order_defaults``)."""

    def __init__(self, lookups: Lookups, defaults: supervision.OrderDefaults, parent=None):
        super().__init__("督办", parent)
        self.unit = TypeAheadCombo()
        for u in lookups.units:
            self.unit.addItem(u.name, u.id)
        self.unit.setPlaceholderText("（请选择被督办单位）")
        self.unit.setCurrentIndex(find_data(self.unit, defaults.unit_id))
        self.requirement = _text_edit()
        self.reply_by = _date_edit(defaults.reply_by)
        self.row("被督办单位", self.unit, "unit")
        self.row("督办要求", self.requirement, "requirement")
        self.row("回复期限", self.reply_by, "reply_by")

    def values(self) -> tuple[uuid.UUID, str, date]:
        return (
            self.unit.currentData(),
            self.requirement.toPlainText(),
            self.reply_by.date().toPython(),
        )


class ArrangementDialog(FormDialog):
    """预约联动 / 信访陪访 / 代理服务: when, with whom, who goes, by when."""

    def __init__(self, parent=None):
        super().__init__("服务安排", parent)
        self.kind = QComboBox()
        for k in ArrangementKind:
            self.kind.addItem(k.label, k)
        tomorrow = clock.now().replace(second=0) + timedelta(days=1)
        self.at = QDateTimeEdit(QDateTime(tomorrow))
        self.at.setCalendarPopup(True)
        self.at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.parties = QLineEdit()
        self.parties.setPlaceholderText("参加单位 / 前往机关 / 代理人")
        self.staff = QLineEdit()
        self.promised = _date_edit(clock.today() + timedelta(days=7))
        self.row("类型", self.kind)
        self.row("时间", self.at)
        self.row("单位/机关/代理人", self.parties, "parties")
        self.row("陪同/经办人员", self.staff, "staff")
        self.row("承诺办结（代理服务）", self.promised, "promised_by")

    def values(self) -> dict:
        kind = ArrangementKind(self.kind.currentData())
        return {
            "kind": kind,
            "at": self.at.dateTime().toPython(),
            "parties": self.parties.text(),
            "staff": self.staff.text(),
            "promised_by": self.promised.date().toPython()
            if kind == ArrangementKind.PROXY
            else None,
        }


class TeamDialog(FormDialog):
    """组团服务: the team's name and its members."""

    def __init__(self, parent=None):
        super().__init__("组团服务", parent)
        self.name = self.row("服务团名称", QLineEdit(), "name")
        self.members = self.row("成员（网格员、单位人员）", QLineEdit(), "members")


class LeaderDialog(FormDialog):
    """领导接访: which leader received the person (chosen, never pre-selected)."""

    def __init__(self, leaders: list, parent=None):
        super().__init__("领导接访", parent)
        self.leader = QComboBox()
        for p in leaders:
            self.leader.addItem(p.name, p.id)
        self.leader.setPlaceholderText("（请选择）")
        self.leader.setCurrentIndex(0 if len(leaders) == 1 else -1)
        self.row("接访领导", self.leader, "leader")


class TextDialog(FormDialog):
    """One piece of text: a 督办 reply, an arrangement's outcome."""

    def __init__(self, title: str, label: str, field: str, intro: str = "", parent=None):
        super().__init__(title, parent)
        if intro:
            note = QLabel(intro)
            note.setWordWrap(True)
            self.form.addRow(note)
        self.text = self.row(label, _text_edit(), field)


# Procedure steps that wait on this user, shown before the moves (procedure_dialogs).
WAITING_STEPS = ("upper_result", "review_decide")

# The order of a matter's moves under it: the next step of the work first, 退回 and the
# ways out of the flow last.
_ORDER = [
    Move.EXTEND,  # a request waiting for the director comes first
    Move.REFUSE_EXTENSION,
    Move.ROUTE,
    Move.ACCEPT,
    Move.PROGRESS,
    Move.COMPLETE,
    Move.FEEDBACK,
    Move.ARCHIVE,
    Move.REQUEST_EXTENSION,
    Move.REOPEN,
    Move.RETURN,
    Move.REJECT,
    Move.TRANSFER,
    Move.ANSWER,
]
# At most this many actions show as buttons under a matter; the rest are in 更多, so the
# detail pane never grows wide enough to push the list's columns out of view.
PRIMARY_ACTIONS = 3


class HandlingTab(QWidget):
    """Signals: none; listens to the bus for matter changes.

    The actions on the chosen matter are ``actions`` (QActions by key: a ``Move``,
    "supervise", "attach", "arrange", "team", "leader", "outcome:<id>", "reply:<number>");
    the first few are buttons, the others are in the 更多 menu. Each opens a dialog
    (``dialog``) that stays open with what was typed when its 确定 is refused."""

    def __init__(self, ctx: ViewContext, lookups: Lookups, calendar, parent=None):
        super().__init__(parent)
        self.ctx, self.lookups, self.calendar = ctx, lookups, calendar
        self.current: uuid.UUID | None = None
        self.current_deadline = clock.today()
        self.extension_default: date | None = None  # for 申请延期
        self.pending_extension: flow.ExtensionView | None = None  # for 批准/不予延期
        self.procedure: petitions.ProcedureState | None = None  # 信访 procedure, 上下联动
        self.dialog: QDialog | None = None
        self.preview: PdfPreviewDialog | None = None
        self.show_file: Callable[[Path], None] = show_file  # the system viewer (tests swap it)
        self.view_filter = QComboBox()
        self.view_filter.addItem("在办事项", "flow")
        self.view_filter.addItem("我承办的", "mine")
        self.view_filter.addItem("本单位的", "unit")
        self.view_filter.addItem("领导接访的", "leader")
        self.view_filter.addItem("即将到期和超期", "due")
        self.view_filter.addItem("只看超期", "overdue")
        self.view_filter.addItem("待反馈（已办结）", MatterStatus.DONE)
        self.view_filter.addItem("已反馈（待归档）", MatterStatus.FED_BACK)
        self.view_filter.addItem("等待上级反馈", MatterStatus.TRANSFERRED)
        self.view_filter.addItem("督办中", "supervised")
        self.view_filter.addItem("延期申请待审批", "extension")
        self.view_filter.addItem("承办人不在岗（AB岗）", "absent")
        self.view_filter.addItem("今日预约/陪访/代理", "today")
        self.view_filter.currentIndexChanged.connect(self.reload)
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索：编号、姓名、拼音、电话尾号、摘要")
        self.search.textChanged.connect(self.reload)
        self.count = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.view_filter)
        top.addWidget(self.search, 1)
        top.addWidget(self.count)
        self.model = HandlingTableModel(self._fetch_rows, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        delegate = WarningDelegate(self.table)
        for col in (COL_STATUS, COL_DEADLINE):
            self.table.setItemDelegateForColumn(col, delegate)
        header = self.table.horizontalHeader()
        widths = dict((c, w) for c, w in enumerate(COLUMN_WIDTHS) if w)
        widths[COL_STATUS] = STATUS_WIDTH  # room for "办理中 · 延期待批"
        set_column_widths(self.table, list(widths.items()))
        header.setSectionResizeMode(COL_SUMMARY, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.detail = QTextBrowser()
        self.files = QListWidget()
        self.files.itemDoubleClicked.connect(self.open_attachment)
        self.files.setToolTip("双击打开附件")
        self.files.setVisible(False)
        self.documents = MatterDocumentsPanel(ctx)  # 文书: listed and printed again
        # The action area: a few buttons and 更多 (a menu), never wider than the pane.
        self.actions: dict[object, QAction] = {}
        self.action_buttons: dict[object, QPushButton] = {}
        self.action_area = QWidget()
        self.action_area.installEventFilter(self)
        # Its width follows the pane, never the other way round: what does not fit goes to 更多.
        self.action_area.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.actions_box = QHBoxLayout(self.action_area)
        self.actions_box.setContentsMargins(0, 0, 0, 0)
        self.more_menu = QMenu(self)
        self.more = QPushButton("更多")
        self.more.setToolTip("其他操作（Alt+M）")
        self.more.setShortcut(QKeySequence("Alt+M"))
        self.more.setMenu(self.more_menu)
        self.more.setVisible(False)
        self.actions_box.addStretch(1)
        self.actions_box.addWidget(self.more)
        self._secondary: list[QAction] = []
        self.message = MessageBar()
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addWidget(self.detail, 1)
        rv.addWidget(self.files)
        rv.addWidget(self.documents)
        rv.addWidget(self.action_area)
        rv.addWidget(self.message)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addLayout(top)
        lv.addWidget(self.table)
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(left)
        self.split.addWidget(right)
        self.split.setStretchFactor(0, 5)
        self.split.setStretchFactor(1, 2)
        self.split.setChildrenCollapsible(False)
        # The list keeps most of the width (at 1366 px the pane is about 380 px wide).
        self.split.setSizes([1000, 400])
        self.table.setColumnHidden(COL_CHANNEL, True)  # 来源 shows in the matter's detail
        layout = QVBoxLayout(self)
        layout.addWidget(self.split)
        ctx.bus.watch(self, [kinds.MATTERS], self.reload)
        # 中心资料 changed: the route and supervision dialogs offer the new units.
        ctx.bus.watch(self, [kinds.REFERENCE], self._reload_lookups)
        load_when_shown(self, self.reload)

    def _reload_lookups(self) -> None:
        self.ctx.worker.submit(op(load_lookups), lambda lk: setattr(self, "lookups", lk))

    def current_filter(self) -> MatterFilter:
        choice = self.view_filter.currentData()
        f = MatterFilter(query=self.search.text(), today=clock.today())
        if choice == "mine":
            f.handler_user_id = self.ctx.actor.user_id
            f.statuses = IN_FLOW
        elif choice == "leader":
            f.leader_only = True
        elif choice == "overdue":
            f.overdue_only = True
        elif choice in (MatterStatus.DONE, MatterStatus.FED_BACK, MatterStatus.TRANSFERRED):
            f.statuses = frozenset({choice})
        elif choice not in ("supervised", "absent", "today", "unit", "extension"):
            f.statuses = IN_FLOW - {MatterStatus.DONE} if choice == "due" else IN_FLOW
        return f

    def reload(self) -> None:
        """The list paged by key, never every id (``handling_list.handling_page``): the first
        page, then its size (exact when small, else "约 N 件")."""
        f, actor, cal = self.current_filter(), self.ctx.actor, self.calendar
        view = self.view_filter.currentData()
        today = clock.today()
        worker = self.ctx.worker

        def marked(page: handling_list.HandlingPage) -> list[intake.MatterRow]:
            self.model.marks.update({r.id: page.marks.get(r.id) for r in page.rows})
            return page.rows

        def fetch_after(last: intake.MatterRow, callback) -> None:
            after = (last.received_at, last.number)
            job = op(handling_list.handling_page, actor, f, view, today, cal, after)
            worker.submit(job, lambda page: callback(marked(page)))

        def first_page(page: handling_list.HandlingPage) -> None:
            self.model.set_first_page(marked(page), fetch_after)
            if page.filter is None or len(page.rows) < intake.PAGE:  # counted already
                self.count.setText(intake.Estimate(len(page.rows), True).text())
                return
            worker.submit(
                op(handling_list.handling_count, actor, page.filter, view, cal),
                lambda e: self.count.setText(e.text()),
                supersede=(self, "count"),
            )

        self.count.setText("")
        worker.submit(
            op(handling_list.handling_page, actor, f, view, today, cal),
            first_page,
            supersede=(self, "list"),
        )

    def _fetch_rows(self, ids, callback) -> None:
        def arrived(result) -> None:
            rows, marks = result
            self.model.marks.update({r.id: marks.get(r.id) for r in rows})
            callback(rows)

        job = op(handling_list.handling_rows, self.ctx.actor, ids, self.calendar)
        self.ctx.worker.submit(job, arrived)

    def _row_changed(self, current, _previous) -> None:
        if current.isValid():
            self.message.clear()
            self.show_matter(self.model.data(current, ID_ROLE))

    def show_matter(self, matter_id: uuid.UUID) -> None:
        actor = self.ctx.actor
        self.current = matter_id
        self.documents.show_matter(matter_id)
        today = clock.today()

        def load(s):
            covered = [
                c for c in posts.waiting_on_absent(s, actor, today) if c.matter_id == matter_id
            ]
            return (
                detail.matter_detail(s, actor, matter_id),
                flow.moves_for(s, actor, matter_id),
                supervision.list_orders(s, actor, matter_id=matter_id),
                covered,
                attachments.list_attachments(s, actor, matter_id),
                arrangements.list_arrangements(s, actor, matter_id=matter_id),
                flow.extension_requests(s, actor, matter_id),
                flow.extension_default(s, actor, matter_id),
                petitions.procedure_state(s, actor, matter_id),
            )

        self.ctx.worker.submit(load, self._shown, self._failed)

    def _shown(self, result) -> None:
        d, moves, orders, covered, files, arranged, extensions, proposed, procedure = result
        self.procedure = procedure
        self.files.clear()
        for f in files:
            item = QListWidgetItem(
                f"附件：{f.file_name}（{f.size // 1024 + 1} KB，"
                f"{f.added_by} {f.added_at:%m-%d %H:%M}）"
            )
            item.setData(Qt.ItemDataRole.UserRole, f.id)
            item.setData(FILE_NAME_ROLE, f.file_name)
            self.files.addItem(item)
        self.files.setVisible(bool(files))
        if files:  # as tall as its rows (three at most), so the detail above keeps the room
            rows = min(len(files), 3) * self.files.sizeHintForRow(0)
            self.files.setFixedHeight(rows + 2 * self.files.frameWidth() + 4)
        self.current_deadline = d.deadline
        e = html.escape
        events = "".join(
            f"<li><b>{ev.at:%Y-%m-%d %H:%M}</b> {e(ev.kind)} · {e(ev.who)}"
            f"{'：' + e(ev.note) if ev.note else ''}</li>"
            for ev in d.events
        )
        self.detail.setHtml(
            f"<h3>{e(d.number)} · {e(d.status.label)}</h3>"
            f"<p>{e(d.channel.label)} · {e(d.category)} · "
            f"{e(' '.join(p.name for p in d.persons))} · "
            f"承办：{e(d.unit or '—')} {e(d.handler)} · 期限：{e(d.deadline_text)}</p>"
            + (f"<p>网格：{e(d.grid)}</p>" if d.grid else "")
            + (f"<p>上报网格员：{e(d.grid_reporter)}</p>" if d.grid_reporter else "")
            + f"<p>{e(d.summary)}</p><h4>办理过程</h4><ul>{events}</ul>"
        )
        for c in covered:
            self.detail.append(f"AB岗：承办人 {c.absent} 不在岗，由 {c.covered_by} 代为办理。")
        self.extension_default = proposed
        self.pending_extension = next(
            (x for x in extensions if x.status == ExtensionStatus.PENDING), None
        )
        for x in extensions:
            self.detail.append(extension_line(x))
        for line in procedure_lines(procedure, clock.today()):
            self.detail.append(line)
        items: list[tuple[object, str, Callable[[], None]]] = []
        # What is waiting on this user comes first: a 督办 reply, an outcome to record.
        for order in orders:
            if order.can_reply:  # the supervised unit (or the director) replies
                items.append((f"reply:{order.number}", "回复督办", lambda o=order: self.reply(o)))
        open_order = d.status != MatterStatus.ARCHIVED
        for a in arranged:
            when = f"{a.at:%Y-%m-%d %H:%M}"
            result = f"；结果：{a.outcome}" if a.outcome else "（待记录结果）"
            self.detail.append(f"{a.kind.label}：{when} {a.parties} {a.staff}{result}")
            if not a.outcome and allowed(self.ctx.actor, Action.HANDLE_MATTER):
                items.append(
                    (
                        f"outcome:{a.id}",
                        f"记录{a.kind.label}结果",
                        lambda row=a: self.record_outcome(row),
                    )
                )
        # 信访 procedure and 上下联动 (记录上级反馈 has its own dialog, with the reply's files):
        # an answer waiting to be recorded comes first, 暂停计时 and the rest after the moves.
        procedure_steps = procedure_items(self.ctx.actor, procedure, self.procedure_action)
        items += [i for i in procedure_steps if i[0] in WAITING_STEPS]
        for move in sorted(moves, key=lambda m: _ORDER.index(m) if m in _ORDER else 99):
            if move != Move.UPPER_RESULT:
                items.append((move, move.label, lambda m=move: self.do_move(m)))
        items += [i for i in procedure_steps if i[0] not in WAITING_STEPS]
        if open_order and allowed(self.ctx.actor, Action.SUPERVISE):
            items.append(("supervise", "督办…", self.supervise))
        if open_order and allowed(self.ctx.actor, Action.HANDLE_MATTER):
            items.append(("attach", "添加附件…", self.attach))
            items.append(("arrange", "预约/陪访/代理…", self.arrange))
        if open_order and allowed(self.ctx.actor, Action.ROUTE_MATTER):
            items.append(("team", "组团服务…", self.form_team))
        leaders = [p for p in self.lookups.staff if p.role in (Role.DIRECTOR, Role.DEPUTY_DIRECTOR)]
        if open_order and leaders and allowed(self.ctx.actor, Action.REGISTER_MATTER):
            items.append(("leader", "领导接访…", lambda: self.mark_leader(leaders)))
        if open_order and aid.can_make_aid(self.ctx.actor, d.category):
            items.append(("aid", "登记社会救助…", lambda: self.make_aid(d.id, d.number)))
        self._set_actions(items, orders)
        if d.status == MatterStatus.ARCHIVED:
            self.detail.append("（已归档，只读）")

    def _set_actions(self, items, orders) -> None:
        """The first PRIMARY_ACTIONS items as buttons where they fit, the rest in 更多."""
        for b in self.action_buttons.values():  # Qt deletes them; no Python owner left behind
            b.hide()
            self.actions_box.removeWidget(b)
            b.deleteLater()
        self.action_buttons.clear()
        self.more_menu.clear()
        for a in self.actions.values():
            a.deleteLater()
        self.actions.clear()
        self._secondary = []
        numbers = {f"reply:{o.number}": o.number for o in orders}
        for i, (key, label, run) in enumerate(items):
            action = QAction(label, self)
            if key in numbers:
                action.setToolTip(f"回复督办单 {numbers[key]}")
            action.triggered.connect(lambda _c=False, r=run: r())
            self.actions[key] = action
            if i < PRIMARY_ACTIONS:
                b = QPushButton(label)
                b.setToolTip(action.toolTip())
                b.clicked.connect(action.trigger)
                self.actions_box.insertWidget(i, b)
                self.action_buttons[key] = b
            else:
                self._secondary.append(action)
        self._fit_actions()

    def _fit_actions(self) -> None:
        """Show the buttons that fit the action area's width; what does not fit is in 更多."""
        room = self.action_area.width()
        spacing = self.actions_box.spacing()
        more = self.more.sizeHint().width() + spacing
        buttons = list(self.action_buttons.items())
        used, shown = 0, 0
        for n, (_key, b) in enumerate(buttons):
            w = b.sizeHint().width() + spacing
            last = n == len(buttons) - 1 and not self._secondary
            if used + w + (0 if last else more) > room:
                break
            used, shown = used + w, shown + 1
        self.more_menu.clear()
        for n, (key, b) in enumerate(buttons):
            b.setVisible(n < shown)
            if n >= shown:
                self.more_menu.addAction(self.actions[key])
        for action in self._secondary:
            self.more_menu.addAction(action)
        self.more.setVisible(not self.more_menu.isEmpty())

    def eventFilter(self, watched, event) -> bool:
        if watched is self.action_area and event.type() == QEvent.Type.Resize:
            self._fit_actions()
        return super().eventFilter(watched, event)

    # --- dialogs: each stays open with what was typed when 确定 is refused ---------------

    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.open()

    def _after(self, text: str, mid: uuid.UUID | None):
        def done(_r) -> None:
            self.message.success(text)
            # Shown again if it still is the one chosen: a slow write finishing after the
            # user picked another matter does not bring the old one (and its actions) back.
            if mid is not None and mid == self.current:
                self.show_matter(mid)

        return done

    def do_move(self, move: Move) -> None:
        if self.current is None:
            return
        dialog = MoveDialog(
            move,
            self.lookups,
            self.current_deadline,
            self,
            proposed=self.extension_default,
            request=self.pending_extension,
        )
        actor, mid = self.ctx.actor, self.current
        dialog.submit(
            self.ctx,
            lambda: op(flow.perform, actor, mid, move, dialog.values()),
            done=self._after(f"已{move.label}。", mid),
        )
        self._open(dialog)

    def procedure_action(self, key: str) -> None:
        """暂停/恢复计时, 复查/复核, 上级交办, 记录上级反馈 (procedure_dialogs)."""
        actor, mid, state = self.ctx.actor, self.current, self.procedure
        if mid is None:
            return
        if key == "pause":
            dialog = PauseDialog(self)
            job = lambda: op(petitions.pause, actor, mid, dialog.values())  # noqa: E731
            done = "已暂停计时。"
        elif key == "resume":
            dialog = ResumeDialog(f"{state.paused_at:%Y-%m-%d %H:%M}", self)
            job = lambda: op(petitions.resume, actor, mid, dialog.note.text())  # noqa: E731
            done = "已恢复计时，期限已按暂停的时间顺延。"
        elif key == "review_request":
            kind = state.next_review.label
            dialog = ReviewRequestDialog(kind, self)
            job = lambda: op(petitions.request_review, actor, mid, *dialog.values())  # noqa: E731
            done = f"已登记{kind}请求。"
        elif key == "review_decide":
            review = state.pending_review
            dialog = ReviewDecisionDialog(review, self)
            job = lambda: op(petitions.decide_review, actor, review.id, *dialog.values())  # noqa: E731
            done = f"已记录{review.kind.label}意见，可在“文书”中打印意见书。"
        elif key == "assignment":
            dialog = AssignmentDialog(state, self.current_deadline, self)
            job = lambda: op(linkage.set_assignment, actor, mid, *dialog.values())  # noqa: E731
            done = "已登记上级交办文号和期限。"
        else:  # upper_result
            dialog = UpperResultDialog(state.waiting_since, self)
            folder = self.ctx.attachments

            def job():
                on, text, files = dialog.values()
                return op(linkage.record_answer, actor, mid, on, text, files, folder)

            done = "已记录上级反馈，事项已办结，请向群众反馈结果。"
        dialog.submit(self.ctx, job, done=self._after(done, mid))
        self._open(dialog)

    def make_aid(self, mid: uuid.UUID, number: str) -> None:
        """社会救助 from a 求助 matter: the register's form, filled in from the matter."""

        def ask(values) -> None:
            dialog = RegisterRecordDialog(
                self.ctx, "aid", self.lookups, values=values, matter=(mid, number), parent=self
            )
            done = self._after("已登记社会救助（见工作台账的社会救助台账）。", mid)
            dialog.saved.connect(done)
            self._open(dialog)

        self.ctx.worker.submit(op(aid.aid_defaults, self.ctx.actor, mid), ask, self._failed)

    def supervise(self) -> None:
        actor, mid = self.ctx.actor, self.current
        if mid is None:
            return

        def ask(defaults: supervision.OrderDefaults) -> None:
            dialog = SupervisionDialog(self.lookups, defaults, self)

            def done(result) -> None:
                order_id, number, pdf = result
                self.message.success(f"已督办（{number}）。")
                self.show_matter(mid)
                self.preview = PdfPreviewDialog(
                    pdf, f"督办单 {number}", f"督办单-{number}.pdf", self, kind="notice"
                )
                printed = op(supervision.record_order_print, actor, order_id)  # once printed
                self.preview.printed.connect(lambda _name: self.ctx.worker.submit(printed))
                self.preview.open()

            dialog.submit(
                self.ctx,
                lambda: op(supervision.issue_for_print, actor, mid, *dialog.values()),
                done=done,
            )
            self._open(dialog)

        self.ctx.worker.submit(op(supervision.order_defaults, actor, mid), ask, self._failed)

    def choose_file(self) -> str:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "选择附件",
            "",
            "扫描件和照片 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;所有文件 (*)",
        )
        return path

    def attach(self) -> None:
        path = self.choose_file()
        if not path:
            return
        actor, mid, folder = self.ctx.actor, self.current, self.ctx.attachments
        self.ctx.worker.submit(
            op(attachments.add_attachment, actor, mid, Path(path), folder),
            self._after("已添加附件。", mid),
            self._failed,
        )

    def open_attachment(self, item: QListWidgetItem) -> None:
        actor, folder = self.ctx.actor, self.ctx.attachments
        att_id, name = item.data(Qt.ItemDataRole.UserRole), item.data(FILE_NAME_ROLE)
        self.ctx.worker.submit(  # the checked file, shown through a copy with its own name
            op(attachments.attachment_path, actor, att_id, folder),
            lambda path: open_copy(name, path, self._failed, self.show_file),
            self._failed,
        )

    def arrange(self) -> None:
        dialog = ArrangementDialog(self)
        actor, mid = self.ctx.actor, self.current

        def job():
            v = dialog.values()
            return op(
                arrangements.arrange,
                actor,
                mid,
                v["kind"],
                v["at"],
                v["parties"],
                v["staff"],
                v["promised_by"],
            )

        dialog.submit(
            self.ctx,
            job,
            done=lambda r: self._after(f"已安排{dialog.values()['kind'].label}。", mid)(r),
        )
        self._open(dialog)

    def form_team(self) -> None:
        dialog = TeamDialog(self)
        actor, mid = self.ctx.actor, self.current
        dialog.submit(
            self.ctx,
            lambda: op(
                work_rules.form_team,
                actor,
                dialog.name.text(),
                dialog.members.text(),
                matter_id=mid,
            ),
            done=lambda r: self._after(f"已组建{dialog.name.text().strip()}。", mid)(r),
        )
        self._open(dialog)

    def mark_leader(self, leaders) -> None:
        dialog = LeaderDialog(leaders, self)
        actor, mid = self.ctx.actor, self.current

        def job():
            leader = dialog.leader.currentData()
            if leader is None:
                raise ValidationError({"leader": "请选择接访的领导"})
            return op(work_rules.mark_received_by_leader, actor, mid, leader)

        dialog.submit(
            self.ctx,
            job,
            done=lambda r: self._after(f"已记为{dialog.leader.currentText()}接访。", mid)(r),
        )
        self._open(dialog)

    def record_outcome(self, row) -> None:
        dialog = TextDialog(f"{row.kind.label}结果", "结果", "outcome", parent=self)
        actor, mid = self.ctx.actor, self.current
        dialog.submit(
            self.ctx,
            lambda: op(arrangements.record_outcome, actor, row.id, dialog.text.toPlainText()),
            done=self._after(f"已记录{row.kind.label}结果。", mid),
        )
        self._open(dialog)

    def reply(self, order: supervision.OrderRow) -> None:
        dialog = TextDialog(
            f"回复督办 {order.number}",
            "办理情况",
            "reply",
            intro=f"督办要求：{order.requirement}（{order.reply_by:%Y-%m-%d}前回复）",
            parent=self,
        )
        actor, mid = self.ctx.actor, self.current
        dialog.submit(
            self.ctx,
            lambda: op(supervision.record_reply, actor, order.id, dialog.text.toPlainText()),
            done=self._after(f"已回复督办（{order.number}）。", mid),
        )
        self._open(dialog)

    def _failed(self, exc: BaseException) -> None:
        self.message.show_error(exc)
