"""当事人: the case's parties as an editable grid (role, kind and 民族 chosen from lists)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models import PartyKind, PartyRole
from app.services.rooms.mediation import PartyInput
from app.services.validation import ETHNICITIES, sex_and_age

from ..combos import TypeAheadCombo, find_data
from ..tables import set_column_widths
from ..widgets import add_row, cell, enum_combo, input_table

PARTY_HEADERS = [
    "身份",
    "类型",
    "姓名/名称",
    "性别",
    "民族",
    "年龄",
    "身份证号",
    "职业",
    "工作单位",
    "电话",
    "住址",
    "法定代表人/负责人",
    "职务",
    "代理人",
]
COL = {h: i for i, h in enumerate(PARTY_HEADERS)}
_WIDTHS = [92, 96, 120, 48, 86, 48, 156, 90, 130, 112, 150, 126, 80, 110]


def ethnicity_combo(value: str = "") -> QComboBox:
    """民族: one of the 56 (typed ahead by pinyin: "sz" → 畲族), or left empty."""
    box = TypeAheadCombo()
    box.addItem("", "")
    for name in ETHNICITIES:
        box.addItem(name, name)
    i = box.findText(value)
    if i < 0 and value:  # an old value outside the list stays as it was
        box.addItem(value, value)
        i = box.count() - 1
    box.setCurrentIndex(max(0, i))
    return box


class PartiesEditor(QWidget):
    """The grid (``table``) with 添加当事人 / 删除所选当事人. Typing an 18-digit ID number
    fills in 性别 and 年龄. ``edited``: the user changed a cell, a list or the rows."""

    edited = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = input_table(PARTY_HEADERS)
        set_column_widths(self.table, enumerate(_WIDTHS))
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(150)  # header and four parties before it scrolls
        self.table.itemChanged.connect(self._item_changed)
        self.add_button = QPushButton("添加当事人")
        self.add_button.clicked.connect(lambda: self.add_party())
        self.add_button.clicked.connect(self.edited)
        self.remove_button = QPushButton("删除所选当事人")
        self.remove_button.clicked.connect(lambda: self.table.removeRow(self.table.currentRow()))
        self.remove_button.clicked.connect(self.edited)
        row = QHBoxLayout()
        row.addWidget(QLabel("当事人（自然人或单位，可填代理人；填身份证号自动带出性别、年龄）"))
        row.addStretch(1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addLayout(row)
        v.addWidget(self.table)

    def add_party(self, p: PartyInput | None = None) -> int:
        p = p or PartyInput(
            PartyRole.APPLICANT if not self.table.rowCount() else PartyRole.RESPONDENT, ""
        )
        age = "" if p.age is None else str(p.age)
        agent = p.agent_name + (f"（{p.agent_kind}）" if p.agent_kind else "")
        values = {
            "姓名/名称": p.name,
            "性别": p.sex,
            "年龄": age,
            "身份证号": p.id_number,
            "职业": p.occupation,
            "工作单位": p.workplace,
            "电话": p.phone,
            "住址": p.address,
            "法定代表人/负责人": p.representative,
            "职务": p.representative_title,
            "代理人": agent,
        }
        blocked = self.table.blockSignals(True)
        row = add_row(self.table, [values.get(h, "") for h in PARTY_HEADERS])
        self.table.blockSignals(blocked)
        role = enum_combo(PartyRole)
        role.setCurrentIndex(find_data(role, PartyRole(p.role)))
        kind = enum_combo(PartyKind)
        kind.setCurrentIndex(find_data(kind, PartyKind(p.kind)))
        ethnicity = ethnicity_combo(p.ethnicity)
        for combo in (role, kind, ethnicity):
            combo.activated.connect(self.edited)  # chosen by the user, not set here
        self.table.setCellWidget(row, COL["身份"], role)
        self.table.setCellWidget(row, COL["类型"], kind)
        self.table.setCellWidget(row, COL["民族"], ethnicity)
        return row

    def _item_changed(self, item: QTableWidgetItem) -> None:
        """An ID number typed: 性别 and 年龄 as the number says (the service checks again)."""
        self.edited.emit()
        if item.column() != COL["身份证号"]:
            return
        sex, age = sex_and_age(item.text())
        if not sex:
            return
        r = item.row()
        blocked = self.table.blockSignals(True)
        self.table.setItem(r, COL["性别"], QTableWidgetItem(sex))
        self.table.setItem(r, COL["年龄"], QTableWidgetItem(str(age)))
        self.table.blockSignals(blocked)

    def set_parties(self, parties: list[PartyInput]) -> None:
        self.table.setRowCount(0)
        for p in parties:
            self.add_party(p)

    def raw_state(self) -> list[dict[str, str]]:
        """Each row as typed, by heading (the lists by their codes), for a draft."""
        t = self.table
        rows = []
        for r in range(t.rowCount()):
            row = {h: cell(t, r, c) for c, h in enumerate(PARTY_HEADERS)}
            row["身份"] = str(t.cellWidget(r, COL["身份"]).currentData())
            row["类型"] = str(t.cellWidget(r, COL["类型"]).currentData())
            row["民族"] = t.cellWidget(r, COL["民族"]).currentText()
            rows.append(row)
        return rows

    def set_raw_state(self, rows: list[dict[str, str]]) -> None:
        """The rows of a draft (``raw_state``), as they were typed."""
        self.table.setRowCount(0)
        for row in rows:
            r = self.add_party(
                PartyInput(
                    PartyRole(row.get("身份", PartyRole.APPLICANT.value)),
                    "",
                    kind=PartyKind(row.get("类型", PartyKind.PERSON.value)),
                    ethnicity=row.get("民族", ""),
                )
            )
            blocked = self.table.blockSignals(True)
            for c, h in enumerate(PARTY_HEADERS):
                if h not in ("身份", "类型", "民族"):
                    self.table.setItem(r, c, QTableWidgetItem(row.get(h, "")))
            self.table.blockSignals(blocked)

    def set_read_only(self, ro: bool) -> None:
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers
            if ro
            else QAbstractItemView.EditTrigger.AllEditTriggers
        )
        for r in range(self.table.rowCount()):
            for c in (COL["身份"], COL["类型"], COL["民族"]):
                if (w := self.table.cellWidget(r, c)) is not None:
                    w.setEnabled(not ro)
        self.add_button.setEnabled(not ro)
        self.remove_button.setEnabled(not ro)

    def value(self, problems: dict[str, str]) -> list[PartyInput]:
        """The parties typed (rows left blank skipped); what does not parse goes to
        ``problems``."""
        t = self.table
        parties = []
        for r in range(t.rowCount()):
            cells = {h: cell(t, r, c) for c, h in enumerate(PARTY_HEADERS)}
            if not any(v for h, v in cells.items() if h not in ("身份", "类型", "民族")):
                continue
            age = None
            if cells["年龄"]:
                try:
                    age = int(cells["年龄"])
                except ValueError:
                    problems[f"parties[{r}].age"] = (
                        f"第 {r + 1} 位当事人的年龄“{cells['年龄']}”应为数字"
                    )
            agent, agent_kind = cells["代理人"], ""
            if agent.endswith("）") and "（" in agent:
                agent, agent_kind = agent[:-1].split("（", 1)
            parties.append(
                PartyInput(
                    role=t.cellWidget(r, COL["身份"]).currentData(),
                    kind=t.cellWidget(r, COL["类型"]).currentData(),
                    name=cells["姓名/名称"],
                    sex=cells["性别"],
                    ethnicity=t.cellWidget(r, COL["民族"]).currentText(),
                    age=age,
                    occupation=cells["职业"],
                    workplace=cells["工作单位"],
                    id_number=cells["身份证号"],
                    phone=cells["电话"],
                    address=cells["住址"],
                    representative=cells["法定代表人/负责人"],
                    representative_title=cells["职务"],
                    agent_name=agent,
                    agent_kind=agent_kind,
                )
            )
        return parties
