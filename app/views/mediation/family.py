"""家事服务 (the family room only): minors, 家暴 protections, services, complaints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.ops import op
from app.models import FamilyService, ProtectionKind
from app.services.rooms import mediation
from app.services.rooms.mediation import CaseDetail, MinorInput

from ..tables import set_column_widths
from ..widgets import (
    DraftController,
    FormDialog,
    add_row,
    cell,
    date_edit,
    enum_combo,
    input_table,
    rows_view,
)

if TYPE_CHECKING:
    from .tab import MediationTab


class FamilyPage(QWidget):
    def __init__(self, host: MediationTab, parent=None):
        super().__init__(parent)
        self.host = host
        self.minors_note = QLabel()
        self.minors_note.setWordWrap(True)
        self.minors = input_table(
            ["姓名", "性别", "年龄", "与当事人关系", "情况说明"], 4, min_height=110
        )
        set_column_widths(self.minors, [(1, 40), (2, 40), (3, 130)])
        # Minors typed and not saved yet are told apart (asked about before they would be
        # replaced) but never written to a draft file: only the case's mediators see them.
        self.typing = DraftController(
            host.ctx, f"case-minors-{host.room.value}", self._typed, stored=False, parent=self
        )
        self.add_minor_button = add_minor = QPushButton("添加未成年人")
        add_minor.clicked.connect(lambda: add_row(self.minors, ["", "", "", "", ""]))
        add_minor.setEnabled(False)
        self.save_minors_button = QPushButton("保存未成年人信息")
        self.save_minors_button.clicked.connect(self.save_minors)
        self.protections = rows_view(["日期", "防护措施", "情况"], 2, [(1, 260)], min_height=110)
        self.add_protection_button = QPushButton("登记防护措施")
        self.add_protection_button.clicked.connect(self.add_protection)
        self.services = rows_view(["日期", "服务", "情况"], 2, min_height=110)
        self.add_service_button = QPushButton("登记服务")
        self.add_service_button.clicked.connect(self.add_service)
        self.complaints = rows_view(
            ["接收日期", "投诉内容", "转介单位", "转介日期"], 1, min_height=110
        )
        self.add_complaint_button = QPushButton("登记妇女儿童权益投诉")
        self.add_complaint_button.clicked.connect(self.add_complaint)
        v = QVBoxLayout(self)
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

    def _typed(self) -> dict | None:
        if self.host.current is None or not self.minors.isEnabled():
            return None
        rows = [[cell(self.minors, r, c) for c in range(5)] for r in range(self.minors.rowCount())]
        return {"minors": rows}

    def show_case(self, d: CaseDetail, again: bool = False) -> None:
        """The case as read; ``again`` (the same case after a write): minors typed and not
        saved stay."""
        self._show_minors(d, keep_typing=again and self.typing.dirty())
        for table, rows in ((self.protections, d.protections), (self.services, d.services)):
            table.set_rows((f"{on:%Y-%m-%d}", what, note) for on, what, note in rows)
        self.complaints.set_rows(
            (f"{got:%Y-%m-%d}", content, to, f"{on:%Y-%m-%d}" if on else "")
            for got, content, to, on in d.complaints
        )

    def _show_minors(self, d: CaseDetail, keep_typing: bool) -> None:
        if keep_typing:
            return
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
                add_row(self.minors, [m.name, m.sex, age, m.relation, m.note])
        # Only the case's own mediators see minors, so only they can add one.
        can_write = d.minors is not None
        self.save_minors_button.setEnabled(can_write)
        self.add_minor_button.setEnabled(can_write)
        self.add_minor_button.setVisible(d.minors is not None)
        self.save_minors_button.setVisible(d.minors is not None)
        self.typing.mark_clean()

    def update_buttons(self, can_edit: bool) -> None:
        for b in (self.add_protection_button, self.add_service_button, self.add_complaint_button):
            b.setEnabled(can_edit)

    def save_minors(self) -> None:
        host = self.host
        problems = {}
        minors = []
        for r in range(self.minors.rowCount()):
            cells = [cell(self.minors, r, c) for c in range(5)]
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
            host.message.error("\n".join(problems.values()))
            return
        job = op(mediation.save_minors, host.ctx.actor, host.current, minors)
        host.run(job, "未成年人信息已保存。", self.typing.after_save())

    def add_protection(self) -> None:
        self._add_dated(
            "登记防护措施", ("措施", ProtectionKind), mediation.add_protection, "已登记防护措施。"
        )

    def add_service(self) -> None:
        self._add_dated("登记服务", ("服务", FamilyService), mediation.add_service, "已登记服务。")

    def _add_dated(self, title: str, what: tuple[str, type], fn, done_text: str) -> None:
        """A dated line of the case (a protection, a service): which one, when, how it went."""
        host = self.host
        kind, on, note = enum_combo(what[1]), date_edit(), QLineEdit()
        if what[1] is ProtectionKind:
            note.setPlaceholderText("转介单位、办理结果")
        dlg = FormDialog(title, host, [(what[0], kind), ("日期", on), ("情况", note)])

        def ok() -> None:
            k, d, n = kind.currentData(), on.date().toPython(), note.text()
            host.run(op(fn, host.ctx.actor, host.current, k, d, n), done_text, dialog=dlg)

        host.ask(dlg, ok)

    def add_complaint(self) -> None:
        host = self.host
        got, content, to = date_edit(), QPlainTextEdit(), QLineEdit()
        to.setPlaceholderText("如：街道妇联、派出所、民政办")
        referred = QCheckBox("已转介")
        on = date_edit()
        dlg = FormDialog(
            "登记妇女儿童权益投诉",
            host,
            [
                ("接收日期", got),
                ("投诉内容", content),
                ("转介单位", to),
                ("", referred),
                ("转介日期", on),
            ],
        )

        def ok() -> None:
            g, c, t = got.date().toPython(), content.toPlainText(), to.text()
            r = on.date().toPython() if referred.isChecked() else None
            job = op(mediation.add_complaint, host.ctx.actor, host.current, g, c, t, r)
            host.run(job, "已登记投诉。", dialog=dlg)

        host.ask(dlg, ok)
