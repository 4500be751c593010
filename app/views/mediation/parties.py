"""当事人: the case's parties as an editable grid (role and kind chosen from lists)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models import PartyKind, PartyRole
from app.services.rooms.mediation import PartyInput

from ..combos import find_data
from ..tables import set_column_widths
from ..widgets import add_row, cell, enum_combo, input_table

PARTY_HEADERS = ["身份", "类型", "姓名/名称", "性别", "年龄", "身份证号", "电话", "住址", "代理人"]


class PartiesEditor(QWidget):
    """The grid (``table``) with 添加当事人 / 删除所选当事人."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = input_table(PARTY_HEADERS)
        set_column_widths(self.table, enumerate([92, 118, 130, 58, 58, 156, 112, 120, 96]))
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(150)  # header and four parties before it scrolls
        self.add_button = QPushButton("添加当事人")
        self.add_button.clicked.connect(lambda: self.add_party())
        self.remove_button = QPushButton("删除所选当事人")
        self.remove_button.clicked.connect(lambda: self.table.removeRow(self.table.currentRow()))
        row = QHBoxLayout()
        row.addWidget(QLabel("当事人（申请人、被申请人、第三人；自然人或单位，可填代理人）"))
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
        row = add_row(
            self.table, ["", "", p.name, p.sex, age, p.id_number, p.phone, p.address, agent]
        )
        role = enum_combo(PartyRole)
        role.setCurrentIndex(find_data(role, PartyRole(p.role)))
        kind = enum_combo(PartyKind)
        kind.setCurrentIndex(find_data(kind, PartyKind(p.kind)))
        self.table.setCellWidget(row, 0, role)
        self.table.setCellWidget(row, 1, kind)
        return row

    def set_parties(self, parties: list[PartyInput]) -> None:
        self.table.setRowCount(0)
        for p in parties:
            self.add_party(p)

    def set_read_only(self, ro: bool) -> None:
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers
            if ro
            else QAbstractItemView.EditTrigger.AllEditTriggers
        )

    def value(self, problems: dict[str, str]) -> list[PartyInput]:
        """The parties typed (rows left blank skipped); what does not parse goes to
        ``problems``."""
        t = self.table
        parties = []
        for r in range(t.rowCount()):
            cells = [cell(t, r, c) for c in range(len(PARTY_HEADERS))]
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
                    role=t.cellWidget(r, 0).currentData(),
                    kind=t.cellWidget(r, 1).currentData(),
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
        return parties
