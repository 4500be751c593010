"""事项办理: the matters in the flow, with only the moves this user may make on each."""

from __future__ import annotations

import html
import uuid
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QDateTime, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.core.ops import op
from app.models import ArrangementKind, MatterStatus, Role, Satisfaction
from app.services.center.reference import Lookups, load_lookups
from app.services.reception import (
    arrangements,
    attachments,
    flow,
    intake,
    posts,
    supervision,
    work_rules,
)
from app.services.reception.flow import Move
from app.services.reception.intake import MatterFilter
from app.services.security import auth
from app.services.security.permissions import Action, allowed

from . import bus as kinds
from .context import ViewContext
from .matter_table_model import (
    COL_DEADLINE,
    COL_STATUS,
    COL_SUMMARY,
    COLUMN_WIDTHS,
    ID_ROLE,
    MatterTableModel,
    WarningDelegate,
)
from .messages import error_text
from .pdf_preview_dialog import PdfPreviewDialog
from .tables import set_column_widths
from .widgets.tab_helpers import load_when_shown

IN_FLOW = frozenset(
    {MatterStatus.REGISTERED, MatterStatus.ROUTED, MatterStatus.IN_PROGRESS, MatterStatus.DONE}
)
TEXT_LABELS = {
    Move.RETURN: "退回理由",
    Move.PROGRESS: "办理进展",
    Move.EXTEND: "延期理由",
    Move.COMPLETE: "办理结果",
    Move.FEEDBACK: "反馈情况（可不填）",
    Move.REOPEN: "重新办理的理由",
    Move.REJECT: "不予受理的理由",
    Move.TRANSFER: "移送的材料",
}


class MoveDialog(QDialog):
    """Asks what one move needs; ``values()`` gives them to ``flow.perform``."""

    def __init__(self, move: Move, lookups: Lookups, deadline: date, parent=None):
        super().__init__(parent)
        self.move = move
        self.setWindowTitle(move.label)
        form = QFormLayout(self)
        self.unit = self.handler = self.handler_user = self.deadline = self.method = None
        self.satisfaction = self.where = self.text = None
        if move == Move.ROUTE:
            self.unit = QComboBox()
            for u in lookups.routable():
                self.unit.addItem(u.name, u.id)
            self.handler = QLineEdit()
            self.handler.setPlaceholderText("没有账号的承办人，写姓名")
            self.handler_user = QComboBox()
            self.handler_user.addItem("（不指定账号）", None)
            for person in lookups.staff:
                self.handler_user.addItem(f"{person.name}（{person.role.label}）", person.id)
            form.addRow("承办单位", self.unit)
            form.addRow("首办责任人", self.handler_user)
            form.addRow("或填写姓名", self.handler)
        if move == Move.EXTEND:
            self.deadline = QDateEdit(QDate(deadline).addDays(7))
            self.deadline.setCalendarPopup(True)
            self.deadline.setDisplayFormat("yyyy-MM-dd")
            form.addRow("新的期限", self.deadline)
        if move == Move.FEEDBACK:
            self.method = QComboBox()
            self.method.addItems(["电话", "当面", "上门", "短信", "书面"])
            self.satisfaction = QComboBox()
            for sat in Satisfaction:
                self.satisfaction.addItem(sat.label, sat)
            form.addRow("反馈方式", self.method)
            form.addRow("群众评价", self.satisfaction)
        if move in (Move.REJECT, Move.TRANSFER):
            self.where = QLineEdit()
            form.addRow("告知的办理途径" if move == Move.REJECT else "接收机关", self.where)
        if move in TEXT_LABELS:
            self.text = QPlainTextEdit()
            self.text.setTabChangesFocus(True)
            self.text.setMaximumHeight(110)
            form.addRow(TEXT_LABELS[move], self.text)
        if move in (Move.ACCEPT, Move.ARCHIVE):
            form.addRow(QLabel(f"确认{move.label}这件事项？"))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

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
        return v


class SupervisionDialog(QDialog):
    """督办: which unit, what is required, by when the reply is due."""

    def __init__(self, lookups: Lookups, parent=None):
        super().__init__(parent)
        self.setWindowTitle("督办")
        self.unit = QComboBox()
        for u in lookups.units:
            self.unit.addItem(u.name, u.id)
        self.requirement = QPlainTextEdit()
        self.requirement.setTabChangesFocus(True)
        self.requirement.setMaximumHeight(110)
        self.reply_by = QDateEdit(QDate.currentDate().addDays(3))
        self.reply_by.setCalendarPopup(True)
        self.reply_by.setDisplayFormat("yyyy-MM-dd")
        form = QFormLayout(self)
        form.addRow("被督办单位", self.unit)
        form.addRow("督办要求", self.requirement)
        form.addRow("回复期限", self.reply_by)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[uuid.UUID, str, date]:
        return (
            self.unit.currentData(),
            self.requirement.toPlainText(),
            self.reply_by.date().toPython(),
        )


class ArrangementDialog(QDialog):
    """预约联动 / 信访陪访 / 代理服务: when, with whom, who goes, by when."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("服务安排")
        self.kind = QComboBox()
        for k in ArrangementKind:
            self.kind.addItem(k.label, k)
        self.at = QDateTimeEdit(QDateTime.currentDateTime().addDays(1))
        self.at.setCalendarPopup(True)
        self.at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.parties = QLineEdit()
        self.parties.setPlaceholderText("参加单位 / 前往机关 / 代理人")
        self.staff = QLineEdit()
        self.promised = QDateEdit(QDate.currentDate().addDays(7))
        self.promised.setCalendarPopup(True)
        self.promised.setDisplayFormat("yyyy-MM-dd")
        form = QFormLayout(self)
        form.addRow("类型", self.kind)
        form.addRow("时间", self.at)
        form.addRow("单位/机关/代理人", self.parties)
        form.addRow("陪同/经办人员", self.staff)
        form.addRow("承诺办结（代理服务）", self.promised)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict:
        kind = self.kind.currentData()
        return {
            "kind": kind,
            "at": self.at.dateTime().toPython(),
            "parties": self.parties.text(),
            "staff": self.staff.text(),
            "promised_by": self.promised.date().toPython()
            if kind == ArrangementKind.PROXY
            else None,
        }


class HandlingTab(QWidget):
    """Signals: none; listens to the bus for matter changes."""

    def __init__(self, ctx: ViewContext, lookups: Lookups, calendar, parent=None):
        super().__init__(parent)
        self.ctx, self.lookups, self.calendar = ctx, lookups, calendar
        self.current: uuid.UUID | None = None
        self.current_deadline = date.today()
        self.dialog_factory = MoveDialog  # tests inject a filled-in dialog
        self.supervision_dialog_factory = SupervisionDialog
        self.arrangement_dialog_factory = ArrangementDialog
        self.preview: PdfPreviewDialog | None = None
        self.view_filter = QComboBox()
        self.view_filter.addItem("在办事项", "flow")
        self.view_filter.addItem("我承办的", "mine")
        self.view_filter.addItem("本单位的", "unit")
        self.view_filter.addItem("领导接访的", "leader")
        self.view_filter.addItem("即将到期和超期", "due")
        self.view_filter.addItem("只看超期", "overdue")
        self.view_filter.addItem("待反馈（已办结）", MatterStatus.DONE)
        self.view_filter.addItem("督办中", "supervised")
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
        self.model = MatterTableModel(self._fetch_rows, self)
        self.model.total_changed.connect(lambda n: self.count.setText(f"共 {n} 件"))
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        delegate = WarningDelegate(self.table)
        for col in (COL_STATUS, COL_DEADLINE):
            self.table.setItemDelegateForColumn(col, delegate)
        header = self.table.horizontalHeader()
        set_column_widths(self.table, [(c, w) for c, w in enumerate(COLUMN_WIDTHS) if w])
        header.setSectionResizeMode(COL_SUMMARY, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.detail = QTextBrowser()
        self.files = QListWidget()
        self.files.setMaximumHeight(90)
        self.files.itemDoubleClicked.connect(self.open_attachment)
        self.files.setToolTip("双击打开附件")
        self.actions_box = QHBoxLayout()
        self.message = QLabel()
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.buttons: dict[Move, QPushButton] = {}
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addWidget(self.detail, 1)
        rv.addWidget(self.files)
        rv.addLayout(self.actions_box)
        rv.addWidget(self.message)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addLayout(top)
        lv.addWidget(self.table)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([900, 520])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        ctx.bus.watch(self, [kinds.MATTERS], self.reload)
        # 中心资料 changed: the route and supervision dialogs offer the new units.
        ctx.bus.watch(self, [kinds.REFERENCE], self._reload_lookups)
        load_when_shown(self, self.reload)

    def _reload_lookups(self) -> None:
        self.ctx.worker.submit(op(load_lookups), lambda lk: setattr(self, "lookups", lk))

    def current_filter(self) -> MatterFilter:
        choice = self.view_filter.currentData()
        f = MatterFilter(query=self.search.text(), today=date.today())
        if choice == "mine":
            f.handler_user_id = self.ctx.actor.user_id
            f.statuses = IN_FLOW
        elif choice == "leader":
            f.leader_only = True
        elif choice == "overdue":
            f.overdue_only = True
        elif choice == MatterStatus.DONE:
            f.statuses = frozenset({MatterStatus.DONE})
        elif choice not in ("supervised", "absent", "today", "unit"):
            f.statuses = IN_FLOW - {MatterStatus.DONE} if choice == "due" else IN_FLOW
        return f

    def reload(self) -> None:
        f, actor = self.current_filter(), self.ctx.actor
        due_only = self.view_filter.currentData() == "due"
        supervised = self.view_filter.currentData() == "supervised"
        absent = self.view_filter.currentData() == "absent"
        today_only = self.view_filter.currentData() == "today"
        cal = self.calendar

        my_unit = self.view_filter.currentData() == "unit"

        def ids(s):
            if my_unit:  # the unit is looked up when asked: an admin may have just moved them
                f.unit_id = auth.unit_of(s, actor.user_id)
                f.statuses = IN_FLOW
                if f.unit_id is None:
                    return []
            found = intake.list_matter_ids(s, actor, f)
            if supervised or absent or today_only:
                if supervised:
                    wanted = {o.matter_id for o in supervision.list_orders(s, actor)}
                elif today_only:
                    wanted = {
                        a.matter_id
                        for a in arrangements.list_arrangements(s, actor, day=date.today())
                    }
                else:
                    wanted = {c.matter_id for c in posts.waiting_on_absent(s, actor, date.today())}
                found = [i for i in found if i in wanted]
            if due_only:  # due within two working days, or overdue
                rows = intake.matter_rows(s, actor, found, calendar=cal)
                found = [r.id for r in rows if r.overdue or r.due_soon]
            return found

        self.ctx.worker.submit(ids, self.model.set_ids)

    def _fetch_rows(self, ids, callback) -> None:
        actor, cal = self.ctx.actor, self.calendar
        self.ctx.worker.submit(op(intake.matter_rows, actor, ids, calendar=cal), callback)

    def _row_changed(self, current, _previous) -> None:
        if current.isValid():
            self.message.clear()
            self.show_matter(self.model.data(current, ID_ROLE))

    def show_matter(self, matter_id: uuid.UUID) -> None:
        actor = self.ctx.actor
        self.current = matter_id

        def load(s):
            covered = [
                c
                for c in posts.waiting_on_absent(s, actor, date.today())
                if c.matter_id == matter_id
            ]
            return (
                intake.matter_detail(s, actor, matter_id),
                flow.moves_for(s, actor, matter_id),
                supervision.list_orders(s, actor, matter_id=matter_id),
                covered,
                attachments.list_attachments(s, actor, matter_id),
                arrangements.list_arrangements(s, actor, matter_id=matter_id),
            )

        self.ctx.worker.submit(load, self._shown, self._failed)

    def _shown(self, result) -> None:
        d, moves, orders, covered, files, arranged = result
        self.files.clear()
        for f in files:
            item = QListWidgetItem(
                f"附件：{f.file_name}（{f.size // 1024 + 1} KB，"
                f"{f.added_by} {f.added_at:%m-%d %H:%M}）"
            )
            item.setData(Qt.ItemDataRole.UserRole, f.id)
            self.files.addItem(item)
        self.current_deadline = d.deadline
        e = html.escape
        events = "".join(
            f"<li><b>{ev.at:%Y-%m-%d %H:%M}</b> {e(ev.kind)} · {e(ev.who)}"
            f"{'：' + e(ev.note) if ev.note else ''}</li>"
            for ev in d.events
        )
        self.detail.setHtml(
            f"<h3>{e(d.number)} · {e(d.status.label)}</h3>"
            f"<p>{e(d.category)} · {e(' '.join(p.name for p in d.persons))} · "
            f"承办：{e(d.unit or '—')} {e(d.handler)} · 期限：{e(d.deadline_text)}</p>"
            f"<p>{e(d.summary)}</p><h4>办理过程</h4><ul>{events}</ul>"
        )
        for c in covered:
            self.detail.append(f"AB岗：承办人 {c.absent} 不在岗，由 {c.covered_by} 代为办理。")
        for b in self.buttons.values():
            b.setParent(None)
        self.buttons.clear()
        for move in moves:
            b = QPushButton(move.label)
            b.clicked.connect(lambda _c=False, m=move: self.do_move(m))
            self.actions_box.addWidget(b)
            self.buttons[move] = b
        open_order = d.status != MatterStatus.ARCHIVED
        if open_order and allowed(self.ctx.actor, Action.SUPERVISE):
            b = QPushButton("督办")
            b.clicked.connect(self.supervise)
            self.actions_box.addWidget(b)
            self.buttons["supervise"] = b
        if open_order and allowed(self.ctx.actor, Action.HANDLE_MATTER):
            b = QPushButton("添加附件…")
            b.clicked.connect(self.attach)
            self.actions_box.addWidget(b)
            self.buttons["attach"] = b
            b = QPushButton("预约/陪访/代理…")
            b.clicked.connect(self.arrange)
            self.actions_box.addWidget(b)
            self.buttons["arrange"] = b
        if open_order and allowed(self.ctx.actor, Action.ROUTE_MATTER):
            b = QPushButton("组团服务…")
            b.clicked.connect(self.form_team)
            self.actions_box.addWidget(b)
            self.buttons["team"] = b
        leaders = [p for p in self.lookups.staff if p.role == Role.DIRECTOR]
        if open_order and leaders and allowed(self.ctx.actor, Action.REGISTER_MATTER):
            b = QPushButton("领导接访")
            b.clicked.connect(lambda: self.mark_leader(leaders))
            self.actions_box.addWidget(b)
            self.buttons["leader"] = b
        for a in arranged:
            when = f"{a.at:%Y-%m-%d %H:%M}"
            result = f"；结果：{a.outcome}" if a.outcome else "（待记录结果）"
            self.detail.append(f"{a.kind.label}：{when} {a.parties} {a.staff}{result}")
            if not a.outcome and allowed(self.ctx.actor, Action.HANDLE_MATTER):
                b = QPushButton(f"记录{a.kind.label}结果")
                b.clicked.connect(lambda _c=False, row=a: self.record_outcome(row))
                self.actions_box.addWidget(b)
                self.buttons[f"outcome:{a.id}"] = b
        for order in orders:
            if order.can_reply:  # the supervised unit (or the director) replies
                b = QPushButton(f"回复督办 {order.number}")
                b.clicked.connect(lambda _c=False, o=order: self.reply(o))
                self.actions_box.addWidget(b)
                self.buttons[f"reply:{order.number}"] = b
        if d.status == MatterStatus.ARCHIVED:
            self.detail.append("（已归档，只读）")

    def do_move(self, move: Move) -> None:
        if self.current is None:
            return
        dialog = self.dialog_factory(move, self.lookups, self.current_deadline, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        values, actor, mid = dialog.values(), self.ctx.actor, self.current

        def done(_r) -> None:
            self.message.setText(f"已{move.label}。")
            self.show_matter(mid)

        self.ctx.worker.submit(op(flow.perform, actor, mid, move, values), done, self._failed)

    def supervise(self) -> None:
        dialog = self.supervision_dialog_factory(self.lookups, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        unit, requirement, reply_by = dialog.values()
        actor, mid = self.ctx.actor, self.current

        def done(result) -> None:
            number, pdf = result
            self.message.setText(f"已督办（{number}）。")
            self.show_matter(mid)
            self.preview = PdfPreviewDialog(pdf, f"督办单 {number}", f"督办单-{number}.pdf", self)
            self.preview.open()

        self.ctx.worker.submit(
            op(supervision.issue_and_print, actor, mid, unit, requirement, reply_by),
            done,
            self._failed,
        )

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

        def done(_r) -> None:
            self.message.setText("已添加附件。")
            self.show_matter(mid)

        self.ctx.worker.submit(
            op(attachments.add_attachment, actor, mid, Path(path), folder), done, self._failed
        )

    def open_attachment(self, item: QListWidgetItem) -> None:
        actor, folder = self.ctx.actor, self.ctx.attachments
        att_id = item.data(Qt.ItemDataRole.UserRole)
        self.ctx.worker.submit(
            op(attachments.attachment_path, actor, att_id, folder),
            lambda path: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))),
            self._failed,
        )

    def arrange(self) -> None:
        dialog = self.arrangement_dialog_factory(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        v, actor, mid = dialog.values(), self.ctx.actor, self.current

        def done(_r) -> None:
            self.message.setText(f"已安排{v['kind'].label}。")
            self.show_matter(mid)

        self.ctx.worker.submit(
            op(
                arrangements.arrange,
                actor,
                mid,
                v["kind"],
                v["at"],
                v["parties"],
                v["staff"],
                v["promised_by"],
            ),
            done,
            self._failed,
        )

    def form_team(self) -> None:
        name, members, ok = self.team_input()
        if not ok:
            return
        actor, mid = self.ctx.actor, self.current

        def done(_r) -> None:
            self.message.setText(f"已组建{name}。")
            self.show_matter(mid)

        self.ctx.worker.submit(
            op(work_rules.form_team, actor, name, members, matter_id=mid), done, self._failed
        )

    def team_input(self) -> tuple[str, str, bool]:
        name, ok = QInputDialog.getText(self, "组团服务", "服务团名称：")
        if not ok:
            return "", "", False
        members, ok = QInputDialog.getText(self, "组团服务", "成员（网格员、单位人员）：")
        return name, members, ok

    def mark_leader(self, leaders) -> None:
        labels = [p.name for p in leaders]
        label, ok = self.leader_input(labels)
        if not ok:
            return
        leader = leaders[labels.index(label)]
        actor, mid = self.ctx.actor, self.current

        def done(_r) -> None:
            self.message.setText(f"已记为{leader.name}接访。")
            self.show_matter(mid)

        self.ctx.worker.submit(
            op(work_rules.mark_received_by_leader, actor, mid, leader.id), done, self._failed
        )

    def leader_input(self, labels: list[str]) -> tuple[str, bool]:
        return QInputDialog.getItem(self, "领导接访", "接访领导：", labels, 0, False)

    def record_outcome(self, row) -> None:
        text, ok = self.outcome_input(row)
        if not ok:
            return
        actor, mid = self.ctx.actor, self.current

        def done(_r) -> None:
            self.message.setText(f"已记录{row.kind.label}结果。")
            self.show_matter(mid)

        self.ctx.worker.submit(
            op(arrangements.record_outcome, actor, row.id, text), done, self._failed
        )

    def outcome_input(self, row) -> tuple[str, bool]:
        return QInputDialog.getMultiLineText(self, f"{row.kind.label}结果", "结果：")

    def reply(self, order: supervision.OrderRow) -> None:
        text, ok = self.reply_input(order)
        if not ok:
            return
        actor, mid = self.ctx.actor, self.current

        def done(_r) -> None:
            self.message.setText(f"已回复督办（{order.number}）。")
            self.show_matter(mid)

        self.ctx.worker.submit(
            op(supervision.record_reply, actor, order.id, text), done, self._failed
        )

    def reply_input(self, order: supervision.OrderRow) -> tuple[str, bool]:
        return QInputDialog.getMultiLineText(
            self, f"回复督办 {order.number}", f"督办要求：{order.requirement}\n办理情况："
        )

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(error_text(exc))
