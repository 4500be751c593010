"""矛盾调解 · 家事调解: the case list with its filters, and one case in detail.

One widget class serves both rooms (``room``); the family room adds its own page. Every
database call goes through the worker; after a change the bus says ``CASES``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QDateTime,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.models import (
    AgreementKind,
    AgreementStatus,
    CaseRoom,
    CaseSource,
    CaseStatus,
    ConfirmationResult,
    DisputeType,
    FamilyService,
    FollowUpMethod,
    MediationForm,
    PartyKind,
    PartyRole,
    Performance,
    ProtectionKind,
    Satisfaction,
    TransferBody,
    ViolenceRisk,
)
from app.services import mediation
from app.services.errors import ValidationError
from app.services.mediation import (
    AgreementInput,
    CaseDetail,
    CaseFilter,
    CaseInput,
    CaseMove,
    CaseRow,
    Document,
    FollowUpInput,
    MinorInput,
    PartyInput,
    SessionInput,
    StatementInput,
)

from .bus import CASES, MATTERS
from .combos import find_data
from .context import ViewContext
from .matter_table_model import DUE_SOON_BG, OVERDUE_BG, WarningDelegate
from .messages import error_text
from .pdf_preview_dialog import PdfPreviewDialog
from .tables import set_column_widths

ID_ROLE = Qt.ItemDataRole.UserRole + 1
HIGH_RISK_BG = QColor("#ffcdd2")
_ROOT = QModelIndex()


class CaseTableModel(QAbstractTableModel):
    """The room's cases as plain rows (``CaseRow``)."""

    HEADERS = ["案号", "案件", "类型", "状态", "受理", "调解员", "提醒"]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[CaseRow] = []

    def set_rows(self, rows: list[CaseRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        r = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            status = r.status.label + ("（超期）" if r.overdue else "")
            risk = "【家暴高风险】" if r.violence_risk == ViolenceRisk.HIGH else ""
            return [
                r.number,
                risk + r.title,
                r.dispute_type.label,
                status,
                f"{r.accepted_at:%Y-%m-%d}",
                r.lead,
                r.reminder,
            ][index.column()]
        if role == Qt.ItemDataRole.BackgroundRole:
            if r.overdue or r.violence_risk == ViolenceRisk.HIGH:
                return QBrush(OVERDUE_BG)
            if r.reminder:
                return QBrush(DUE_SOON_BG)
        if role == ID_ROLE:
            return r.id
        return None


def _table(headers: list[str], stretch: int | None = None) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if stretch is not None:
        t.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    t.setMinimumHeight(110)
    return t


def _cell(t: QTableWidget, row: int, col: int) -> str:
    item = t.item(row, col)
    return item.text().strip() if item else ""


def _add_row(t: QTableWidget, values: list[str]) -> int:
    row = t.rowCount()
    t.insertRow(row)
    for col, text in enumerate(values):
        t.setItem(row, col, QTableWidgetItem(text))
    return row


def _read_only_table(headers: list[str], stretch: int | None = None) -> QTableWidget:
    t = _table(headers, stretch)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return t


def _enum_combo(enum, values=None) -> QComboBox:
    c = QComboBox()
    for m in values or enum:
        c.addItem(m.label, m)
    return c


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _date_edit(d: date | None = None) -> QDateEdit:
    e = QDateEdit(_qdate(d or date.today()))
    e.setDisplayFormat("yyyy-MM-dd")
    e.setCalendarPopup(True)
    return e


class FormDialog(QDialog):
    """A small form of labelled widgets with OK / Cancel."""

    def __init__(self, title: str, rows: list[tuple[str, QWidget]], parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout(self)
        for label, w in rows:
            form.addRow(label, w)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


# --- the case form ----------------------------------------------------------------------

PARTY_HEADERS = ["身份", "类型", "姓名/名称", "性别", "年龄", "身份证号", "电话", "住址", "代理人"]


class CaseForm(QWidget):
    """案件信息: facts, parties, mediators; the family room's relationship and risk."""

    def __init__(self, room: CaseRoom, parent=None):
        super().__init__(parent)
        self.room = room
        self.dispute_type = _enum_combo(DisputeType)
        self.source = _enum_combo(CaseSource)
        self.referred_by = QLineEdit()
        self.referred_by.setPlaceholderText("委托移送时填：如 白石派出所")
        self.form = _enum_combo(MediationForm)
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
        self.parties = _table(PARTY_HEADERS)
        set_column_widths(self.parties, enumerate([92, 118, 130, 58, 58, 156, 112, 120, 96]))
        self.parties.horizontalHeader().setStretchLastSection(True)
        self.parties.setMinimumHeight(150)  # header and four parties before it scrolls
        add = QPushButton("添加当事人")
        add.clicked.connect(lambda: self.add_party())
        remove = QPushButton("删除所选当事人")
        remove.clicked.connect(lambda: self.parties.removeRow(self.parties.currentRow()))
        self.relationship = QLineEdit()
        self.relationship.setPlaceholderText("如：夫妻、父子、兄妹")
        self.risk = _enum_combo(ViolenceRisk)
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
        row = QHBoxLayout()
        row.addWidget(QLabel("当事人（申请人、被申请人、第三人；自然人或单位，可填代理人）"))
        row.addStretch(1)
        row.addWidget(add)
        row.addWidget(remove)
        layout.addLayout(row)
        layout.addWidget(self.parties)

    def _risk_changed(self) -> None:
        self.risk_warning.setVisible(
            self.room == CaseRoom.FAMILY and self.risk.currentData() == ViolenceRisk.HIGH
        )

    def set_mediators(self, choices: list[tuple[uuid.UUID, str]]) -> None:
        for combo in (self.lead, self.assistant):
            keep = combo.currentData()
            combo.clear()
            if combo is self.assistant:
                combo.addItem("（无）", None)
            for uid, name in choices:
                combo.addItem(name, uid)
            if (i := find_data(combo, keep)) >= 0:
                combo.setCurrentIndex(i)

    def add_party(self, p: PartyInput | None = None) -> int:
        p = p or PartyInput(
            PartyRole.APPLICANT if not self.parties.rowCount() else PartyRole.RESPONDENT, ""
        )
        age = "" if p.age is None else str(p.age)
        agent = p.agent_name + (f"（{p.agent_kind}）" if p.agent_kind else "")
        row = _add_row(
            self.parties, ["", "", p.name, p.sex, age, p.id_number, p.phone, p.address, agent]
        )
        role = _enum_combo(PartyRole)
        role.setCurrentIndex(find_data(role, PartyRole(p.role)))
        kind = _enum_combo(PartyKind)
        kind.setCurrentIndex(find_data(kind, PartyKind(p.kind)))
        self.parties.setCellWidget(row, 0, role)
        self.parties.setCellWidget(row, 1, kind)
        return row

    def set_value(self, d: CaseInput, read_only: bool) -> None:
        self.dispute_type.setCurrentIndex(find_data(self.dispute_type, DisputeType(d.dispute_type)))
        self.source.setCurrentIndex(find_data(self.source, CaseSource(d.source)))
        self.form.setCurrentIndex(find_data(self.form, MediationForm(d.form)))
        self.referred_by.setText(d.referred_by)
        self.title.setText(d.title)
        self.facts.setPlainText(d.facts)
        self.requests.setPlainText(d.requests)
        self.amount.setText("" if d.amount is None else str(d.amount))
        if d.mediator_ids:
            self.lead.setCurrentIndex(max(0, find_data(self.lead, d.mediator_ids[0])))
        other = d.mediator_ids[1] if len(d.mediator_ids) > 1 else None
        self.assistant.setCurrentIndex(max(0, find_data(self.assistant, other)))
        self.relationship.setText(d.relationship)
        self.risk.setCurrentIndex(find_data(self.risk, ViolenceRisk(d.violence_risk or "none")))
        self.parties.setRowCount(0)
        for p in d.parties:
            self.add_party(p)
        self.set_read_only(read_only)

    def set_read_only(self, ro: bool) -> None:
        for w in (self.referred_by, self.title, self.amount, self.relationship):
            w.setReadOnly(ro)
        for w in (self.facts, self.requests):
            w.setReadOnly(ro)
        for w in (self.dispute_type, self.source, self.form, self.lead, self.assistant, self.risk):
            w.setEnabled(not ro)
        self.parties.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers
            if ro
            else QAbstractItemView.EditTrigger.AllEditTriggers
        )

    def value(self) -> CaseInput:
        problems: dict[str, str] = {}
        parties = []
        for r in range(self.parties.rowCount()):
            cells = [_cell(self.parties, r, c) for c in range(len(PARTY_HEADERS))]
            if not any(cells[2:]):
                continue
            age = None
            if cells[4]:
                try:
                    age = int(cells[4])
                except ValueError:
                    problems[f"parties[{r}].age"] = f"第 {r + 1} 位当事人的年龄“{cells[4]}”应为数字"
            agent, agent_kind = cells[8], ""
            if agent.endswith("）") and "（" in agent:
                agent, agent_kind = agent[:-1].split("（", 1)
            parties.append(
                PartyInput(
                    role=self.parties.cellWidget(r, 0).currentData(),
                    kind=self.parties.cellWidget(r, 1).currentData(),
                    name=cells[2],
                    sex=cells[3],
                    age=age,
                    id_number=cells[5],
                    phone=cells[6],
                    address=cells[7],
                    agent_name=agent,
                    agent_kind=agent_kind,
                )
            )
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


# --- 调解笔录 editor ---------------------------------------------------------------------


class RecordEditor(QWidget):
    """One session's record; statements are rows of (who, what)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.at = QDateTimeEdit(QDateTime.currentDateTime())
        self.at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.at.setCalendarPopup(True)
        self.place = QLineEdit()
        self.place.setPlaceholderText("如：中心一楼调解室")
        self.attendees = QLineEdit()
        self.recorder = QLineEdit()
        self.rights_told = QCheckBox("已告知当事人权利义务")
        self.statements = _table(["发言人", "陈述内容"], 1)
        set_column_widths(self.statements, [(0, 100)])
        add = self.add_button = QPushButton("添加发言")
        add.clicked.connect(lambda: _add_row(self.statements, ["", ""]))
        self.facts_checked = QPlainTextEdit()
        self.risks_warned = QPlainTextEdit()
        self.result = QPlainTextEdit()
        self.next_step = QPlainTextEdit()
        for w in (self.facts_checked, self.risks_warned, self.result, self.next_step):
            w.setMaximumHeight(60)
            w.setTabChangesFocus(True)
        f = QFormLayout(self)
        f.setContentsMargins(0, 0, 0, 0)
        f.addRow("调解时间", self.at)
        f.addRow("地点", self.place)
        f.addRow("参加人员", self.attendees)
        f.addRow("记录人", self.recorder)
        f.addRow("", self.rights_told)
        f.addRow("当事人陈述", self.statements)
        f.addRow("", add)
        f.addRow("查明的事实", self.facts_checked)
        f.addRow("风险提示", self.risks_warned)
        f.addRow("调解结果", self.result)
        f.addRow("下一步安排", self.next_step)

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

    def raw_state(self) -> dict:
        return {
            "at": self.at.dateTime().toPython().isoformat(timespec="minutes"),
            "place": self.place.text(),
            "attendees": self.attendees.text(),
            "recorder": self.recorder.text(),
            "rights_told": self.rights_told.isChecked(),
            "statements": [
                [_cell(self.statements, r, 0), _cell(self.statements, r, 1)]
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
            _add_row(self.statements, row)

    def set_value(self, s: SessionInput) -> None:
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

    def value(self) -> SessionInput:
        d = self.raw_state()
        return SessionInput(
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


# --- 调解协议 editor ---------------------------------------------------------------------


class AgreementEditor(QWidget):
    """The agreement: facts, an ordered list of terms, performance; frozen once signed."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.kind = _enum_combo(AgreementKind)
        self.facts = QPlainTextEdit()
        self.facts.setTabChangesFocus(True)
        self.facts.setPlaceholderText("纠纷的主要事实、争议事项及各方责任")
        self.facts.setMaximumHeight(90)
        self.terms = _table(["协议内容（按顺序）"], 0)
        add = QPushButton("添加一项")
        add.clicked.connect(lambda: _add_row(self.terms, [""]))
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
        self.deadline = _date_edit()
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
        a, b = _cell(self.terms, r, 0), _cell(self.terms, to, 0)
        self.terms.setItem(r, 0, QTableWidgetItem(b))
        self.terms.setItem(to, 0, QTableWidgetItem(a))
        self.terms.setCurrentCell(to, 0)

    def set_value(self, a: AgreementInput | None, read_only: bool) -> None:
        a = a or AgreementInput(AgreementKind.WRITTEN, "", [])
        self.kind.setCurrentIndex(find_data(self.kind, AgreementKind(a.kind)))
        self.facts.setPlainText(a.facts)
        self.terms.setRowCount(0)
        for t in a.terms:
            _add_row(self.terms, [t])
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
            terms=[_cell(self.terms, r, 0) for r in range(self.terms.rowCount())],
            performance_method=self.method.text(),
            performance_deadline=(
                self.deadline.date().toPython() if self.has_deadline.isChecked() else None
            ),
        )


# --- the tab ----------------------------------------------------------------------------


class MediationTab(QWidget):
    """A room's cases. The record being typed is kept as a draft (saved as it goes)."""

    def __init__(self, ctx: ViewContext, room: CaseRoom, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.room = room
        self.detail: CaseDetail | None = None
        self.current: uuid.UUID | None = None
        self.matter_id: uuid.UUID | None = None  # when a new case comes from a matter
        self.session_id: uuid.UUID | None = None
        self.preview: PdfPreviewDialog | None = None
        self.DRAFT_FORM = f"case-record-{room.value}"
        # --- list side
        self.reminder_label = QLabel()
        self.reminder_label.setWordWrap(True)
        self.status_filter = QComboBox()
        self.status_filter.addItem("全部状态", None)
        for st in CaseStatus:
            self.status_filter.addItem(st.label, st)
        self.type_filter = QComboBox()
        self.type_filter.addItem("全部类型", None)
        for t in DisputeType:
            self.type_filter.addItem(t.label, t)
        self.mediator_filter = QComboBox()
        self.mediator_filter.addItem("全部调解员", None)
        self.due_filter = QCheckBox("待回访/履行到期")
        self.overdue_filter = QCheckBox("超期未结")
        self.query = QLineEdit()
        self.query.setPlaceholderText("案号、案件名称或当事人姓名")
        self._filling = False  # the mediator filter is being refilled: not a user's choice
        for w in (self.status_filter, self.type_filter, self.mediator_filter):
            w.currentIndexChanged.connect(self._filter_changed)
        for w in (self.due_filter, self.overdue_filter):
            w.toggled.connect(self.reload)
        self.query.returnPressed.connect(self.reload)
        self.model = CaseTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegate(WarningDelegate(self))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        set_column_widths(
            self.table, [(c, w) for c, w in enumerate([128, 160, 64, 64, 86, 60, 72]) if c != 1]
        )
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.new_button = QPushButton("新建案件")
        self.new_button.clicked.connect(self.new_case)
        self.from_matter = QComboBox()
        self.from_matter.setMinimumWidth(160)
        self.from_matter_button = QPushButton("从事项立案")
        self.from_matter_button.clicked.connect(self.case_from_matter)
        self.from_matter_button.setEnabled(False)  # until the waiting matters are known
        filters = QFormLayout()
        row1 = QHBoxLayout()
        row1.addWidget(self.status_filter)
        row1.addWidget(self.type_filter)
        row1.addWidget(self.mediator_filter)
        row2 = QHBoxLayout()
        row2.addWidget(self.due_filter)
        row2.addWidget(self.overdue_filter)
        row2.addWidget(self.query, 1)
        filters.addRow(row1)
        filters.addRow(row2)
        top = QHBoxLayout()
        top.addWidget(self.new_button)
        top.addStretch(1)
        top.addWidget(self.from_matter, 1)
        top.addWidget(self.from_matter_button)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.addLayout(top)
        lv.addWidget(self.reminder_label)
        lv.addLayout(filters)
        lv.addWidget(self.table)
        # --- detail side
        self.header = QLabel("新案件（未保存）")
        self.header.setProperty("role", "title")
        self.header.setWordWrap(True)
        self.risk_banner = QLabel()
        self.risk_banner.setProperty("role", "error")
        self.risk_banner.setWordWrap(True)
        self.risk_banner.setVisible(False)
        self.case_form = CaseForm(room)
        self.save_case_button = QPushButton("保存案件 (Ctrl+S)")
        self.save_case_button.clicked.connect(self.save_case)
        self.move_buttons: dict[CaseMove, QPushButton] = {}
        moves = QHBoxLayout()
        moves.addWidget(self.save_case_button)
        for mv in CaseMove:
            b = QPushButton(mv.label)
            b.clicked.connect(lambda _c=False, mv=mv: self.do_move(mv))
            self.move_buttons[mv] = b
            if mv != CaseMove.SUCCEED:  # success comes with the signed agreement
                moves.addWidget(b)
        moves.addStretch(1)
        # The form scrolls; the save and move buttons stay in sight below it.
        case_page = QWidget()
        cv = QVBoxLayout(case_page)
        cv.setContentsMargins(0, 0, 0, 0)
        cv.addWidget(self._scroll(self.case_form), 1)
        cv.addLayout(moves)
        # records
        self.sessions = _read_only_table(["时间", "地点", "发言", "调解结果"], 3)
        set_column_widths(self.sessions, enumerate([140, 140, 56]))
        self.sessions.itemSelectionChanged.connect(self._session_selected)
        self.record = RecordEditor()
        self.record.connect_changed(self._record_edited)
        self.new_record_button = QPushButton("新笔录")
        self.new_record_button.clicked.connect(self.new_record)
        self.save_record_button = QPushButton("保存笔录")
        self.save_record_button.clicked.connect(self.save_record)
        self.print_record_button = QPushButton("打印笔录")
        self.print_record_button.clicked.connect(self.print_record)
        self.draft_bar = QWidget()
        bar = QHBoxLayout(self.draft_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        self.draft_label = QLabel()
        self.restore_draft_button = QPushButton("恢复草稿")
        self.restore_draft_button.clicked.connect(self.restore_draft)
        discard = QPushButton("丢弃")
        discard.clicked.connect(self.discard_draft)
        bar.addWidget(self.draft_label, 1)
        bar.addWidget(self.restore_draft_button)
        bar.addWidget(discard)
        self.draft_bar.setVisible(False)
        self._pending_draft: dict | None = None
        rb = QHBoxLayout()
        for b in (self.new_record_button, self.save_record_button, self.print_record_button):
            rb.addWidget(b)
        rb.addStretch(1)
        record_page = QWidget()
        rv = QVBoxLayout(record_page)
        rv.addWidget(self.sessions)
        rv.addWidget(self.record)
        rv.addLayout(rb)
        # agreement
        self.agreement_state = QLabel()
        self.agreement_state.setWordWrap(True)
        self.agreement = AgreementEditor()
        self.signed_on = _date_edit()
        self.save_agreement_button = QPushButton("保存协议草稿")
        self.save_agreement_button.clicked.connect(self.save_agreement)
        self.sign_button = QPushButton("各方已签署（生效）")
        self.sign_button.clicked.connect(self.sign_agreement)
        self.correct_button = QPushButton("更正（新版本）")
        self.correct_button.clicked.connect(self.correct_agreement)
        self.print_agreement_button = QPushButton("打印协议书 (Ctrl+P)")
        self.print_agreement_button.clicked.connect(self.print_agreement)
        self.confirm_button = QPushButton("登记司法确认")
        self.confirm_button.clicked.connect(self.record_confirmation)
        self.confirm_label = QLabel()
        self.confirm_label.setWordWrap(True)
        ab = QHBoxLayout()
        ab.addWidget(self.save_agreement_button)
        ab.addWidget(QLabel("签署日期"))
        ab.addWidget(self.signed_on)
        ab.addWidget(self.sign_button)
        ab.addWidget(self.correct_button)
        ab.addWidget(self.print_agreement_button)
        ab.addStretch(1)
        cb = QHBoxLayout()
        cb.addWidget(self.confirm_label, 1)
        cb.addWidget(self.confirm_button)
        agreement_page = QWidget()
        av = QVBoxLayout(agreement_page)
        av.addWidget(self.agreement_state)
        av.addWidget(self.agreement)
        av.addLayout(ab)
        av.addLayout(cb)
        # follow-ups
        self.followups = _read_only_table(
            ["计划日期", "回访日期", "方式", "回访对象", "履行情况", "满意度"], 4
        )
        self.plan_button = QPushButton("计划回访")
        self.plan_button.clicked.connect(self.plan_followup)
        self.followup_button = QPushButton("记录回访")
        self.followup_button.clicked.connect(self.record_followup)
        self.print_followup_button = QPushButton("打印回访记录")
        self.print_followup_button.clicked.connect(self.print_followup)
        fb = QHBoxLayout()
        for b in (self.plan_button, self.followup_button, self.print_followup_button):
            fb.addWidget(b)
        fb.addStretch(1)
        follow_page = QWidget()
        fv = QVBoxLayout(follow_page)
        fv.addWidget(self.followups)
        fv.addLayout(fb)
        # documents and timeline
        doc_page = QWidget()
        dv = QVBoxLayout(doc_page)
        docs = QHBoxLayout()
        self.doc_buttons: dict[Document, QPushButton] = {}
        for doc in (Document.APPLICATION, Document.REGISTRATION, Document.CASEFILE):
            b = QPushButton(f"打印{doc.label}")
            b.clicked.connect(lambda _c=False, doc=doc: self.print_document(doc, self.current))
            self.doc_buttons[doc] = b
            docs.addWidget(b)
        docs.addStretch(1)
        self.timeline = _read_only_table(["时间", "步骤", "经办人", "说明"], 3)
        set_column_widths(self.timeline, [(0, 130)])
        dv.addLayout(docs)
        dv.addWidget(QLabel("事项办理过程"))
        dv.addWidget(self.timeline)
        self.pages = QTabWidget()
        self.pages.addTab(case_page, "案件信息")
        self.pages.addTab(self._scroll(record_page), "调解笔录")
        self.pages.addTab(self._scroll(agreement_page), "调解协议")
        self.pages.addTab(follow_page, "回访")
        if room == CaseRoom.FAMILY:
            self.pages.addTab(self._scroll(self._family_page()), "家事服务")
        self.pages.addTab(doc_page, "文书与过程")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setProperty("role", "error")
        right = QWidget()
        rv2 = QVBoxLayout(right)
        rv2.addWidget(self.header)
        rv2.addWidget(self.risk_banner)
        rv2.addWidget(self.draft_bar)
        rv2.addWidget(self.pages, 1)
        rv2.addWidget(self.message)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([660, 780])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self._shortcut(QKeySequence.StandardKey.Save, self.save_current_page)
        self._shortcut(QKeySequence.StandardKey.Print, self.print_agreement)
        # A matter routed to the room appears among those waiting for a case.
        ctx.bus.watch(self, [CASES, MATTERS], self.reload)
        self._draft_timer = QTimer(self, singleShot=True, interval=800)
        self._draft_timer.timeout.connect(self.save_draft)
        self._loaded_once = False
        self._mediators: list[tuple[uuid.UUID, str]] = []
        self._record_case: uuid.UUID | None = None
        self.new_case()
        self._offer_draft()

    def _family_page(self) -> QWidget:
        self.minors_note = QLabel()
        self.minors_note.setWordWrap(True)
        self.minors = _table(["姓名", "性别", "年龄", "与当事人关系", "情况说明"], 4)
        set_column_widths(self.minors, [(1, 40), (2, 40), (3, 130)])
        add_minor = QPushButton("添加未成年人")
        add_minor.clicked.connect(lambda: _add_row(self.minors, ["", "", "", "", ""]))
        self.save_minors_button = QPushButton("保存未成年人信息")
        self.save_minors_button.clicked.connect(self.save_minors)
        self.protections = _read_only_table(["日期", "防护措施", "情况"], 2)
        set_column_widths(self.protections, [(1, 260)])
        self.add_protection_button = QPushButton("登记防护措施")
        self.add_protection_button.clicked.connect(self.add_protection)
        self.services = _read_only_table(["日期", "服务", "情况"], 2)
        self.add_service_button = QPushButton("登记服务")
        self.add_service_button.clicked.connect(self.add_service)
        self.complaints = _read_only_table(["接收日期", "投诉内容", "转介单位", "转介日期"], 1)
        self.add_complaint_button = QPushButton("登记妇女儿童权益投诉")
        self.add_complaint_button.clicked.connect(self.add_complaint)
        page = QWidget()
        v = QVBoxLayout(page)
        h = QHBoxLayout()
        h.addWidget(QLabel("涉及的未成年人（仅本案调解员可见）"))
        h.addStretch(1)
        h.addWidget(add_minor)
        h.addWidget(self.save_minors_button)
        v.addLayout(h)
        v.addWidget(self.minors_note)
        v.addWidget(self.minors)
        for title, table, button in (
            (
                "家暴防护措施（告诫书、人身安全保护令、临时庇护）",
                self.protections,
                self.add_protection_button,
            ),
            ("提供的服务", self.services, self.add_service_button),
            ("妇女儿童权益侵害投诉", self.complaints, self.add_complaint_button),
        ):
            h = QHBoxLayout()
            h.addWidget(QLabel(title))
            h.addStretch(1)
            h.addWidget(button)
            v.addLayout(h)
            v.addWidget(table)
        return page

    @staticmethod
    def _scroll(w: QWidget) -> QScrollArea:
        s = QScrollArea()
        s.setWidget(w)
        s.setWidgetResizable(True)
        return s

    def _shortcut(self, key, slot) -> None:
        sc = QShortcut(key, self, slot)
        sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def showEvent(self, event) -> None:
        if not self._loaded_once:
            self._loaded_once = True
            self.reload()
        super().showEvent(event)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(error_text(exc))

    # --- the list
    def _filter_changed(self) -> None:
        if not self._filling:
            self.reload()

    def reload(self) -> None:
        actor, room = self.ctx.actor, self.room
        f = CaseFilter(
            status=self.status_filter.currentData(),
            dispute_type=self.type_filter.currentData(),
            mediator_id=self.mediator_filter.currentData(),
            due_followups=self.due_filter.isChecked(),
            overdue=self.overdue_filter.isChecked(),
            query=self.query.text(),
        )

        def load(s):
            return (
                mediation.list_cases(s, actor, room, f),
                mediation.reminders(s, actor, room=room),
                mediation.mediator_choices(s, actor),
                mediation.matters_waiting(s, actor, room),
            )

        self.ctx.worker.submit(load, self._loaded, self._failed)

    def _loaded(self, result) -> None:
        rows, reminders, mediators, waiting = result
        keep = self.current
        self.model.set_rows(rows)
        today = date.today()
        if reminders:
            late = sum(1 for r in reminders if r.overdue(today))
            items = "；".join(f"{r.text}（{r.due:%m-%d}）" for r in reminders[:4])
            self.reminder_label.setText(
                f"提醒 {len(reminders)} 条"
                + (f"，其中已过期 {late} 条" if late else "")
                + f"：{items}"
            )
        else:
            self.reminder_label.setText("没有到期的回访或履行期限。")
        if mediators != self._mediators:
            self._mediators = mediators
            self.case_form.set_mediators(mediators)
            keep_filter = self.mediator_filter.currentData()
            self._filling = True
            self.mediator_filter.clear()
            self.mediator_filter.addItem("全部调解员", None)
            for uid, name in mediators:
                self.mediator_filter.addItem(name, uid)
            self.mediator_filter.setCurrentIndex(
                max(0, find_data(self.mediator_filter, keep_filter))
            )
            self._filling = False
        self.from_matter.clear()
        for w in waiting:
            self.from_matter.addItem(f"{w.number} {w.persons}", w.id)
        self.from_matter.setEnabled(bool(waiting))
        self.from_matter_button.setEnabled(bool(waiting))
        if not waiting:
            self.from_matter.addItem("（没有待立案的事项）", None)
        if keep is not None:
            for r, row in enumerate(rows):
                if row.id == keep:
                    self.table.selectRow(r)
                    break

    def _selected(self) -> None:
        idx = self.table.currentIndex()
        if not idx.isValid():
            return
        case_id = self.model.rows[idx.row()].id
        if case_id != self.current or self.detail is None:
            self.show_case(case_id)

    def show_case(self, case_id: uuid.UUID) -> None:
        actor = self.ctx.actor

        def load(s):
            d = mediation.case_detail(s, actor, case_id)
            data = mediation.case_input(s, actor, case_id)
            agreement = d.current_agreement
            a_in = mediation.agreement_input(s, actor, agreement.id) if agreement else None
            return d, data, a_in

        self.ctx.worker.submit(load, self._shown, self._failed)

    def _shown(self, result) -> None:
        d, data, a_in = result
        self.detail, self.current, self.matter_id = d, d.id, None
        self.case_form.set_value(data, read_only=not (d.can_edit and d.status.is_open))
        self.case_form.risk_warning.setVisible(False)  # the banner above says it
        risk = self.room == CaseRoom.FAMILY and d.violence_risk == ViolenceRisk.HIGH
        self.risk_banner.setVisible(risk)
        self.risk_banner.setText(
            "⚠ 家庭暴力高风险案件：注意当事人和未成年人安全，单独约谈，"
            "必要时转介公安机关出具告诫书、"
            "引导申请人身安全保护令。"
            if risk
            else ""
        )
        matter = f"　事项 {d.matter_number}" if d.matter_number else ""
        late = "（超期）" if d.overdue else ""
        self.header.setText(f"{d.number}　{d.title}　【{d.status.label}{late}】{matter}")
        # records
        self.sessions.setRowCount(0)
        for r in d.sessions:
            _add_row(
                self.sessions, [f"{r.at:%Y-%m-%d %H:%M}", r.place, str(r.statements), r.result]
            )
        if d.id != self._record_case:  # another case: a fresh record (typing is kept otherwise)
            self._record_case = d.id
            self.new_record()
        # agreement
        current = d.current_agreement
        frozen = current is not None and current.status != AgreementStatus.DRAFT
        self.agreement.set_value(a_in, read_only=frozen or not d.can_edit)
        versions = "；".join(
            f"第{a.version}版 {a.status.label}"
            + (f"（{a.signed_on:%Y-%m-%d} 签署）" if a.signed_on else "")
            for a in d.agreements
        )
        self.agreement_state.setText(
            f"协议编号 {current.number}：{versions}" if current else "尚未制作调解协议。"
        )
        self.save_agreement_button.setEnabled(d.can_edit and not frozen)
        self.sign_button.setEnabled(d.can_edit and current is not None and not frozen)
        self.signed_on.setEnabled(self.sign_button.isEnabled())
        self.correct_button.setEnabled(d.can_edit and frozen and d.status != CaseStatus.ARCHIVED)
        self.print_agreement_button.setEnabled(current is not None)
        signed = next(
            (a for a in reversed(d.agreements) if a.status == AgreementStatus.SIGNED), None
        )
        if signed and signed.window:
            text = signed.window.text(date.today())
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
        # follow-ups
        self.followups.setRowCount(0)
        for f in d.followups:
            _add_row(
                self.followups,
                [
                    f"{f.planned_on:%Y-%m-%d}",
                    f"{f.done_on:%Y-%m-%d}" if f.done_on else "",
                    f.method,
                    f.visited,
                    f.performance,
                    f.satisfaction,
                ],
            )
        self.timeline.setRowCount(0)
        for e in d.timeline:
            _add_row(self.timeline, [f"{e.at:%Y-%m-%d %H:%M}", e.kind, e.who, e.note])
        if self.room == CaseRoom.FAMILY:
            self._show_family(d)
        self._update_buttons()

    def _show_family(self, d: CaseDetail) -> None:
        self.minors.setRowCount(0)
        if d.minors is None:
            self.minors_note.setText(
                f"本案涉及未成年人 {d.minors_count} 名；其信息只有本案调解员可以查看。"
            )
            self.minors.setEnabled(False)
        else:
            self.minors_note.setText("")
            self.minors.setEnabled(True)
            for m in d.minors:
                age = "" if m.age is None else str(m.age)
                _add_row(self.minors, [m.name, m.sex, age, m.relation, m.note])
        self.save_minors_button.setEnabled(d.minors is not None)
        for table, rows in ((self.protections, d.protections), (self.services, d.services)):
            table.setRowCount(0)
            for on, what, note in rows:
                _add_row(table, [f"{on:%Y-%m-%d}", what, note])
        self.complaints.setRowCount(0)
        for got, content, to, on in d.complaints:
            _add_row(
                self.complaints, [f"{got:%Y-%m-%d}", content, to, f"{on:%Y-%m-%d}" if on else ""]
            )

    def _update_buttons(self) -> None:
        d = self.detail
        editing_new = self.current is None
        can_edit = editing_new or (d is not None and d.can_edit)
        self.save_case_button.setEnabled(editing_new or (can_edit and d.status.is_open))
        for mv, b in self.move_buttons.items():
            b.setEnabled(d is not None and mv in d.moves)
        has_case = self.current is not None
        open_case = has_case and d is not None and d.status.is_open and d.can_edit
        for b in (self.new_record_button, self.save_record_button):
            b.setEnabled(open_case)
        self.record.set_read_only(not open_case)
        self.print_record_button.setEnabled(self.session_id is not None)
        for b in (self.plan_button, self.followup_button):
            b.setEnabled(has_case and d is not None and d.can_edit)
        self.print_followup_button.setEnabled(
            has_case and d is not None and any(f.done_on for f in d.followups)
        )
        for b in self.doc_buttons.values():
            b.setEnabled(has_case)
        if self.room == CaseRoom.FAMILY:
            for b in (
                self.add_protection_button,
                self.add_service_button,
                self.add_complaint_button,
            ):
                b.setEnabled(has_case and d is not None and d.can_edit)
        if editing_new:
            for b in (self.save_agreement_button, self.sign_button, self.correct_button):
                b.setEnabled(False)
            self.print_agreement_button.setEnabled(False)
            self.confirm_button.setEnabled(False)

    # --- the case
    def new_case(self) -> None:
        self.current, self.detail, self.matter_id, self.session_id = None, None, None, None
        self.table.clearSelection()
        me = self.ctx.actor.user_id
        self.case_form.set_value(
            CaseInput(
                room=self.room,
                dispute_type=DisputeType.MARRIAGE_FAMILY
                if self.room == CaseRoom.FAMILY
                else DisputeType.NEIGHBOUR,
                facts="",
                parties=[],
                mediator_ids=[me] if me else [],
            ),
            read_only=False,
        )
        self.case_form.add_party()
        self.case_form.add_party()
        self.header.setText("新案件（未保存）")
        self.risk_banner.setVisible(False)
        self._record_case = None
        self.record.set_value(self._blank_record())
        self.agreement.set_value(None, read_only=True)
        self.agreement_state.setText("保存案件后可以记录调解笔录、制作调解协议。")
        for t in (self.sessions, self.followups, self.timeline):
            t.setRowCount(0)
        self.pages.setCurrentIndex(0)
        self.message.clear()
        self._update_buttons()

    def case_from_matter(self) -> None:
        matter_id = self.from_matter.currentData()
        if matter_id is None:
            return
        actor = self.ctx.actor

        def shown(data: CaseInput) -> None:
            self.new_case()
            self.matter_id = matter_id
            data.room = self.room
            self.case_form.set_value(data, read_only=False)
            if len(data.parties) < 2:
                self.case_form.add_party(PartyInput(PartyRole.RESPONDENT, ""))
            self.header.setText(f"新案件（来自事项 {self.from_matter.currentText()}）")

        self.ctx.worker.submit(
            lambda s: mediation.input_from_matter(s, actor, matter_id), shown, self._failed
        )

    def _run(self, fn, done_text: str, after=None) -> None:
        def done(result) -> None:
            self.message.setText("")
            if isinstance(result, mediation.CaseRef):
                self.current = result.id
            if after:
                after(result)
            self.ctx.bus.announce([CASES, MATTERS])
            if self.current is not None:
                self.show_case(self.current)
            self.message.setText(done_text)

        self.ctx.worker.submit(fn, done, self._failed, write=True)

    def save_case(self) -> None:
        try:
            data = self.case_form.value()
        except ValidationError as exc:
            self.message.setText(error_text(exc))
            return
        actor, current, matter_id = self.ctx.actor, self.current, self.matter_id
        if current is None:
            self._run(
                lambda s: mediation.open_case(s, actor, data, matter_id=matter_id), "已立案。"
            )
        else:
            self._run(lambda s: mediation.update_case(s, actor, current, data), "已保存。")

    def save_current_page(self) -> None:
        page = self.pages.currentIndex()
        if page == 1:
            self.save_record()
        elif page == 2:
            self.save_agreement()
        else:
            self.save_case()

    def do_move(self, move: CaseMove) -> None:
        actor, case_id = self.ctx.actor, self.current
        if case_id is None:
            return
        if move == CaseMove.START:
            fn = lambda s: mediation.start_mediation(s, actor, case_id)  # noqa: E731
        elif move in (CaseMove.FAIL, CaseMove.TERMINATE):
            status = CaseStatus.FAILED if move == CaseMove.FAIL else CaseStatus.TERMINATED
            label = (
                "调解不成功的原因及告知的其他解决途径："
                if move == CaseMove.FAIL
                else "终止调解的原因："
            )
            reason, ok = QInputDialog.getMultiLineText(self, move.label, label)
            if not ok:
                return
            fn = lambda s: mediation.close_case(s, actor, case_id, status, reason)  # noqa: E731
        elif move == CaseMove.TRANSFER:
            body = _enum_combo(TransferBody)
            to, reason = QLineEdit(), QPlainTextEdit()
            to.setPlaceholderText("如：乐清市人民法院")
            dlg = FormDialog(
                "转办", [("转办去向", body), ("接收单位", to), ("转办理由", reason)], self
            )
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return
            b, t, r = body.currentData(), to.text(), reason.toPlainText()
            fn = lambda s: mediation.transfer_case(s, actor, case_id, b, t, r)  # noqa: E731
        elif move == CaseMove.ARCHIVE:
            retention, ok = QInputDialog.getItem(
                self, "归档", "保管期限：", ["长期", "永久", "30年", "10年"], 0, False
            )
            if not ok:
                return
            fn = lambda s: mediation.archive_case(s, actor, case_id, retention)  # noqa: E731
        else:
            return
        self._run(fn, f"已{move.label}。")

    # --- records (saved as typed into the draft store, into the database on 保存)
    @staticmethod
    def _blank_record() -> SessionInput:
        return SessionInput(at=datetime.now().replace(second=0, microsecond=0))

    def new_record(self) -> None:
        self.session_id = None
        self.sessions.clearSelection()
        blank = self._blank_record()
        blank.recorder = self.ctx.actor.display_name
        if self.detail:
            blank.attendees = "、".join(p.name for p in self.detail.parties)
        self.record.set_value(blank)
        self._draft_timer.stop()
        self._update_buttons()

    def _session_selected(self) -> None:
        r = self.sessions.currentRow()
        if self.detail is None or not 0 <= r < len(self.detail.sessions):
            return
        sid = self.detail.sessions[r].id
        actor = self.ctx.actor

        def shown(data: SessionInput) -> None:
            self.session_id = sid
            self.record.set_value(data)
            self._draft_timer.stop()
            self._update_buttons()

        self.ctx.worker.submit(
            lambda s: mediation.session_input(s, actor, sid), shown, self._failed
        )

    def _record_edited(self) -> None:
        if self.current is not None:
            self._draft_timer.start()

    def save_draft(self) -> None:
        store = self.ctx.drafts
        if store is None or self.current is None:
            return
        payload = {
            "case": str(self.current),
            "case_number": self.detail.number if self.detail else "",
            "session": str(self.session_id) if self.session_id else None,
            "editor": self.record.raw_state(),
        }
        user, form = self.ctx.actor.username, self.DRAFT_FORM
        self.ctx.worker.submit(lambda _s: store.save(user, form, payload))

    def _clear_draft(self) -> None:
        store = self.ctx.drafts
        if store is not None:
            self._draft_timer.stop()
            user, form = self.ctx.actor.username, self.DRAFT_FORM
            self.ctx.worker.submit(lambda _s: store.clear(user, form))

    def _offer_draft(self) -> None:
        store = self.ctx.drafts
        found = store.load(self.ctx.actor.username, self.DRAFT_FORM) if store else None
        if found:
            saved_at, self._pending_draft = found
            number = self._pending_draft.get("case_number", "")
            self.draft_label.setText(f"发现 {saved_at:%m-%d %H:%M} 未保存的调解笔录（{number}）。")
            self.draft_bar.setVisible(True)

    def restore_draft(self) -> None:
        d = self._pending_draft or {}
        self._pending_draft = None
        self.draft_bar.setVisible(False)
        if not d:
            return
        case_id = uuid.UUID(d["case"])
        session = d.get("session")

        def after(_result) -> None:
            self._record_case = case_id
            self.session_id = uuid.UUID(session) if session else None
            self.record.set_raw_state(d["editor"])
            self.pages.setCurrentIndex(1)
            self._update_buttons()
            self.message.setText("已恢复笔录草稿，请核对后保存。")

        actor = self.ctx.actor

        def load(s):
            det = mediation.case_detail(s, actor, case_id)
            data = mediation.case_input(s, actor, case_id)
            a = det.current_agreement
            return det, data, mediation.agreement_input(s, actor, a.id) if a else None

        def shown(result) -> None:
            self._shown(result)
            after(result)

        self.ctx.worker.submit(load, shown, self._failed)

    def discard_draft(self) -> None:
        self._pending_draft = None
        self.draft_bar.setVisible(False)
        self._clear_draft()

    def save_record(self) -> None:
        if self.current is None:
            self.message.setText("请先保存案件，再记录调解笔录。")
            return
        actor, case_id, sid, data = (
            self.ctx.actor,
            self.current,
            self.session_id,
            self.record.value(),
        )

        def keep(new_id) -> None:
            self.session_id = new_id
            self._clear_draft()

        self._run(
            lambda s: mediation.save_session(s, actor, case_id, data, sid), "笔录已保存。", keep
        )

    def print_record(self) -> None:
        if self.session_id is not None:
            self.print_document(Document.RECORD, self.session_id)

    # --- agreement
    def save_agreement(self) -> None:
        if self.current is None:
            return
        actor, case_id, data = self.ctx.actor, self.current, self.agreement.value()
        self._run(lambda s: mediation.save_agreement(s, actor, case_id, data), "协议草稿已保存。")

    def sign_agreement(self) -> None:
        d = self.detail
        current = d.current_agreement if d else None
        if current is None:
            return
        actor, case_id, data = self.ctx.actor, self.current, self.agreement.value()
        on = self.signed_on.date().toPython()

        def save_then_sign(s):  # what is on screen is what gets signed
            ref = mediation.save_agreement(s, actor, case_id, data)
            return mediation.sign_agreement(s, actor, ref.id, on)

        self._run(save_then_sign, "协议已签署生效，案件调解成功。")

    def correct_agreement(self) -> None:
        d = self.detail
        current = d.current_agreement if d else None
        if current is None:
            return
        actor = self.ctx.actor
        self._run(
            lambda s: mediation.correct_agreement(s, actor, current.id), "已生成更正版本（草稿）。"
        )

    def print_agreement(self) -> None:
        d = self.detail
        if d is None or d.current_agreement is None:
            self.message.setText("请先保存调解协议，再打印。")
            return
        signed = [a for a in d.agreements if a.status == AgreementStatus.SIGNED]
        target = (
            d.current_agreement
            if d.current_agreement.status == AgreementStatus.DRAFT
            else signed[-1]
        )
        self.print_document(Document.AGREEMENT, target.id)

    def record_confirmation(self) -> None:
        d = self.detail
        pending = (
            [c for c in d.confirmations if c.result == ConfirmationResult.PENDING] if d else []
        )
        if pending:
            self.record_confirmation_result(pending[-1].id)
            return
        court = QLineEdit()
        court.setPlaceholderText("如：乐清市人民法院")
        applied = _date_edit()
        dlg = FormDialog("登记司法确认", [("申请日期", applied), ("受理法院", court)], self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        actor, case_id = self.ctx.actor, self.current
        on, name = applied.date().toPython(), court.text()
        self._run(
            lambda s: mediation.record_confirmation(s, actor, case_id, on, name),
            "已登记司法确认申请。",
        )

    def record_confirmation_result(self, confirmation_id: uuid.UUID) -> None:
        result = _enum_combo(
            ConfirmationResult, [ConfirmationResult.CONFIRMED, ConfirmationResult.REFUSED]
        )
        on = _date_edit()
        dlg = FormDialog("法院裁定结果", [("裁定结果", result), ("裁定日期", on)], self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        actor, r, d = self.ctx.actor, result.currentData(), on.date().toPython()
        self._run(
            lambda s: mediation.set_confirmation_result(s, actor, confirmation_id, r, d),
            "已登记法院裁定结果。",
        )

    # --- follow-ups
    def plan_followup(self) -> None:
        when = _date_edit()
        dlg = FormDialog("计划回访", [("计划回访日期", when)], self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        actor, case_id, on = self.ctx.actor, self.current, when.date().toPython()
        self._run(lambda s: mediation.plan_followup(s, actor, case_id, on), "已计划回访。")

    def record_followup(self) -> None:
        d = self.detail
        if d is None:
            return
        planned = [f for f in d.followups if f.done_on is None]
        done_on = _date_edit()
        method = _enum_combo(FollowUpMethod)
        visited = QLineEdit(d.parties[0].name if d.parties else "")
        performance = _enum_combo(Performance)
        satisfaction = _enum_combo(Satisfaction)
        lawsuit = QCheckBox("当事人已起诉")
        escalation, measures = QLineEdit(), QLineEdit()
        dlg = FormDialog(
            "记录回访",
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
            self,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        data = FollowUpInput(
            done_on.date().toPython(),
            method.currentData(),
            visited.text(),
            performance.currentData(),
            satisfaction.currentData(),
            lawsuit.isChecked(),
            escalation.text(),
            measures.text(),
        )
        actor, case_id = self.ctx.actor, self.current
        fid = planned[0].id if planned else None
        self._run(lambda s: mediation.record_followup(s, actor, case_id, data, fid), "回访已记录。")

    def print_followup(self) -> None:
        d = self.detail
        done = [f for f in d.followups if f.done_on] if d else []
        r = self.followups.currentRow()
        chosen = (
            d.followups[r] if d and 0 <= r < len(d.followups) and d.followups[r].done_on else None
        )
        target = chosen or (done[-1] if done else None)
        if target is not None:
            self.print_document(Document.FOLLOWUP, target.id)

    # --- family room
    def save_minors(self) -> None:
        problems = {}
        minors = []
        for r in range(self.minors.rowCount()):
            cells = [_cell(self.minors, r, c) for c in range(5)]
            if not any(cells):
                continue
            age = None
            if cells[2]:
                try:
                    age = int(cells[2])
                except ValueError:
                    problems[f"minors[{r}].age"] = f"第 {r + 1} 名未成年人的年龄应为数字"
            minors.append(MinorInput(cells[0], cells[1], age, cells[3], cells[4]))
        if problems:
            self.message.setText("\n".join(problems.values()))
            return
        actor, case_id = self.ctx.actor, self.current
        self._run(
            lambda s: mediation.save_minors(s, actor, case_id, minors), "未成年人信息已保存。"
        )

    def add_protection(self) -> None:
        kind, on, note = _enum_combo(ProtectionKind), _date_edit(), QLineEdit()
        note.setPlaceholderText("转介单位、办理结果")
        dlg = FormDialog("登记防护措施", [("措施", kind), ("日期", on), ("情况", note)], self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        actor, case_id = self.ctx.actor, self.current
        k, d, n = kind.currentData(), on.date().toPython(), note.text()
        self._run(
            lambda s: mediation.add_protection(s, actor, case_id, k, d, n), "已登记防护措施。"
        )

    def add_service(self) -> None:
        service, on, note = _enum_combo(FamilyService), _date_edit(), QLineEdit()
        dlg = FormDialog("登记服务", [("服务", service), ("日期", on), ("情况", note)], self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        actor, case_id = self.ctx.actor, self.current
        k, d, n = service.currentData(), on.date().toPython(), note.text()
        self._run(lambda s: mediation.add_service(s, actor, case_id, k, d, n), "已登记服务。")

    def add_complaint(self) -> None:
        got, content, to = _date_edit(), QPlainTextEdit(), QLineEdit()
        to.setPlaceholderText("如：街道妇联、派出所、民政办")
        referred = QCheckBox("已转介")
        on = _date_edit()
        dlg = FormDialog(
            "登记妇女儿童权益投诉",
            [
                ("接收日期", got),
                ("投诉内容", content),
                ("转介单位", to),
                ("", referred),
                ("转介日期", on),
            ],
            self,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        actor, case_id = self.ctx.actor, self.current
        g, c, t = got.date().toPython(), content.toPlainText(), to.text()
        r = on.date().toPython() if referred.isChecked() else None
        self._run(lambda s: mediation.add_complaint(s, actor, case_id, g, c, t, r), "已登记投诉。")

    # --- printing
    def print_document(self, document: Document, object_id: uuid.UUID | None) -> None:
        if object_id is None:
            return
        actor = self.ctx.actor

        def shown(result) -> None:
            title, pdf = result
            self.preview = PdfPreviewDialog(pdf, title, f"{title.replace(' ', '-')}.pdf", self)
            self.preview.open()

        self.ctx.worker.submit(
            lambda s: mediation.document_pdf(s, actor, document, object_id),
            shown,
            self._failed,
            write=True,
        )
