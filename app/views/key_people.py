"""重点人员、重点场所 on screen: a person's 走访记录 with 添加走访记录, the 待走访 list (overdue
first, how many days late), and a key place's 检查记录 with 添加检查记录.

Each list loads on the worker and reloads when the bus says registers changed; the forms are
``FormDialog``s, so a refused visit keeps what was typed and names the field to correct.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.ops import op
from app.models import VisitMethod, WatchLevel
from app.services.command import places, visits

from . import bus as kinds
from .context import ViewContext
from .messages import error_text
from .widgets.form_dialog import FormDialog
from .widgets.message_bar import MessageBar
from .widgets.rows_model import Row, rows_view
from .widgets.tables import DateEdit

VISIT_HEADERS = ["走访日期", "走访人", "方式", "风险等级", "走访情况"]
DUE_HEADERS = ["姓名", "人员类别", "村社区", "帮扶责任人", "风险", "最近走访", "应走访日期", "逾期"]
INSPECTION_HEADERS = ["检查日期", "检查人", "检查情况", "发现问题", "整改"]
DUE_SOON_DAYS = 7  # the 待走访 list also shows who falls due within a week


def _text_box(placeholder: str) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setPlaceholderText(placeholder)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * 4 + 14)
    return box


def _choices(enum, default) -> QComboBox:
    combo = QComboBox()
    for member in enum:
        combo.addItem(member.label, member.value)
    combo.setCurrentIndex(combo.findData(default.value))
    return combo


def due_text(days_overdue: int) -> str:
    if days_overdue > 0:
        return f"逾期 {days_overdue} 天"
    if days_overdue == 0:
        return "今天到期"
    return f"{-days_overdue} 天后到期"


class RecordLogDialog(QDialog):
    """A register record's log, newest first, with 添加… (a ``FormDialog``) and any buttons of
    its own: the one widget for a person's 走访记录 and a key place's 检查记录. A log names
    its ``WHAT`` (记录的名称), its columns, the service that lists it (``LIST``), how a row
    shows (``row``) and its form (``fill_form``). Attributes tests use: ``table``,
    ``add_button``, ``message``, ``form``."""

    WHAT = ""
    HEADERS: list[str] = []
    STRETCH = 0
    WIDTHS: list[tuple[int, int]] = []
    WIDTH = 760
    LIST: Callable[..., list] = staticmethod(lambda *_a: [])
    ADD: Callable[..., uuid.UUID] = staticmethod(lambda *_a: uuid.uuid4())

    def __init__(self, ctx: ViewContext, record_id: uuid.UUID, name: str, parent=None):
        super().__init__(parent)
        self.ctx, self.record_id, self.name = ctx, record_id, name
        self.setWindowTitle(f"{self.WHAT} — {name}")
        self.table = rows_view(self.HEADERS, self.STRETCH, self.WIDTHS)
        self.add_button = QPushButton(f"添加{self.WHAT}")
        self.add_button.clicked.connect(self.add)
        self.message = MessageBar()
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        self.buttons = QHBoxLayout()
        self.buttons.addWidget(self.add_button)
        for button in self.more_buttons():
            self.buttons.addWidget(button)
        self.buttons.addStretch(1)
        self.buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(self.buttons)
        self.form: FormDialog | None = None
        self.resize(self.WIDTH, 420)
        ctx.bus.watch(self, {kinds.REGISTERS}, self.reload)
        self.reload()

    def more_buttons(self) -> list[QPushButton]:
        return []

    def row(self, r) -> Row:
        raise NotImplementedError

    def fill_form(self, dlg: FormDialog) -> Callable[[], dict]:
        """Add the form's rows to ``dlg``; return what reads the typed values."""
        raise NotImplementedError

    def reload(self) -> None:
        self.ctx.worker.submit(
            op(self.LIST, self.ctx.actor, self.record_id),
            self._loaded,
            lambda exc: self.message.error(error_text(exc)),
        )

    def _loaded(self, rows: list) -> None:
        self.table.set_rows(self.row(r) for r in rows)
        if rows:
            self.message.clear()
        else:
            self.message.info(f"还没有{self.WHAT}。")

    def add(self) -> FormDialog:
        dlg = FormDialog(f"添加{self.WHAT} — {self.name}", self)
        values = self.fill_form(dlg)
        actor, record_id, what = self.ctx.actor, self.record_id, self.WHAT
        dlg.submit(
            self.ctx,
            lambda: op(self.ADD, actor, record_id, values()),
            done=lambda _id: self.message.success(f"已添加{what}。"),
        )
        self.form = dlg
        dlg.open()
        return dlg


class VisitLogDialog(RecordLogDialog):
    """One person's 走访记录, newest first, with 添加走访记录."""

    WHAT = "走访记录"
    HEADERS = VISIT_HEADERS
    STRETCH = 4
    WIDTHS = [(0, 96), (1, 150), (2, 56), (3, 70)]
    LIST = staticmethod(visits.list_visits)
    ADD = staticmethod(visits.add_visit)

    def __init__(self, ctx: ViewContext, person_id: uuid.UUID, name: str, parent=None):
        self.current_risk = WatchLevel.LOW  # the newest visit's, offered for the next one
        super().__init__(ctx, person_id, name, parent)

    def row(self, v: visits.VisitRow) -> Row:
        return Row(
            (str(v.visited_on), v.visitor, v.method, v.risk, v.findings),
            v.id,
            "overdue" if v.risk == "高" else None,
        )

    def _loaded(self, rows: list) -> None:
        if rows:
            self.current_risk = next(w for w in WatchLevel if w.label == rows[0].risk)
        super()._loaded(rows)

    def fill_form(self, dlg: FormDialog) -> Callable[[], dict]:
        on = dlg.row("走访日期", DateEdit(clock.today()), "visited_on")
        who = dlg.row("走访人", QLineEdit(), "visitor")
        who.setPlaceholderText("工作人员或网格员姓名")
        how = dlg.row("走访方式", _choices(VisitMethod, VisitMethod.IN_PERSON), "method")
        risk = dlg.row("风险等级", _choices(WatchLevel, self.current_risk), "risk_level")
        found = dlg.row("走访情况", _text_box("见到本人、生活和情绪、帮扶措施落实…"), "findings")
        hint = QLabel("风险等级以最近一次走访为准：定为“高”会出现在指挥研判的风险提示中。")
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        dlg.row("", hint)
        return lambda: {
            "visited_on": on.date().toPython(),
            "visitor": who.text(),
            "method": how.currentData(),
            "risk_level": risk.currentData(),
            "findings": found.toPlainText(),
        }


class DueVisitsDialog(QDialog):
    """待走访: the people overdue for a visit, longest overdue first, then those due within a
    week. A row opens that person's 走访记录."""

    def __init__(self, ctx: ViewContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("待走访")
        self.summary = QLabel()
        self.table = rows_view(DUE_HEADERS, 0, [(1, 120), (6, 96), (7, 96)])
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.message = MessageBar()
        self.open_button = QPushButton("走访记录…")
        self.open_button.clicked.connect(self.open_selected)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.rows: list[visits.DueVisit] = []
        self.log: VisitLogDialog | None = None
        self.resize(900, 480)
        ctx.bus.watch(self, {kinds.REGISTERS, kinds.SETTINGS}, self.reload)
        self.reload()

    def reload(self) -> None:
        self.ctx.worker.submit(
            op(
                visits.overdue_visits,
                self.ctx.actor,
                clock.today(),
                within=DUE_SOON_DAYS,
            ),
            self._loaded,
            lambda exc: self.message.error(error_text(exc)),
        )

    def _loaded(self, rows: list[visits.DueVisit]) -> None:
        self.rows = rows
        late = sum(1 for r in rows if r.overdue)
        self.summary.setText(
            f"逾期未走访 {late} 人；{DUE_SOON_DAYS} 天内到期 {len(rows) - late} 人。"
            "走访周期在 系统设置 → 安全设置 中按人员类别设置。"
        )
        self.table.set_rows(
            Row(
                (
                    r.name,
                    r.category,
                    r.village,
                    r.helper,
                    r.risk,
                    str(r.last_visit_on or "（无）"),
                    str(r.due_on),
                    due_text(r.days_overdue),
                ),
                r.person_id,
                "overdue" if r.overdue else "soon",
            )
            for r in rows
        )

    def open_selected(self) -> VisitLogDialog | None:
        person_id = self.table.current_id()
        if person_id is None:
            return None
        name = next(r.name for r in self.rows if r.person_id == person_id)
        self.log = VisitLogDialog(self.ctx, person_id, name, self)
        self.log.open()
        return self.log


class InspectionLogDialog(RecordLogDialog):
    """One key place's 检查记录, newest first, with 添加检查记录 and 标记已整改."""

    WHAT = "检查记录"
    HEADERS = INSPECTION_HEADERS
    STRETCH = 2
    WIDTHS = [(0, 96), (1, 130), (3, 200), (4, 170)]
    WIDTH = 860
    LIST = staticmethod(places.list_inspections)
    ADD = staticmethod(places.add_inspection)

    def more_buttons(self) -> list[QPushButton]:
        self.rectified_button = QPushButton("标记已整改")
        self.rectified_button.clicked.connect(self.mark_rectified)
        return [self.rectified_button]

    def row(self, r: places.InspectionRow) -> Row:
        warn = None
        if r.state == "逾期未整改":
            warn = "overdue"
        elif r.state.startswith("待整改"):
            warn = "soon"
        return Row((str(r.inspected_on), r.inspector, r.findings, r.problems, r.state), r.id, warn)

    def mark_rectified(self) -> None:
        inspection_id = self.table.current_id()
        if inspection_id is None:
            self.message.warning("请先选中一条检查记录。")
            return
        self.ctx.worker.submit(
            op(places.mark_rectified, self.ctx.actor, inspection_id),
            lambda _r: self.message.success("已标记为已整改。"),
            lambda exc: self.message.error(error_text(exc)),
        )

    def fill_form(self, dlg: FormDialog) -> Callable[[], dict]:
        on = dlg.row("检查日期", DateEdit(clock.today()), "inspected_on")
        who = dlg.row("检查人", QLineEdit(), "inspector")
        found = dlg.row("检查情况", _text_box("检查了哪些方面、总体情况"), "findings")
        problems = dlg.row("发现问题", _text_box("没有问题可不填"), "problems")
        done = dlg.row("", QCheckBox("已当场整改"))
        has_deadline = QCheckBox("限期整改")
        deadline = DateEdit(clock.today())
        deadline.setEnabled(False)
        has_deadline.toggled.connect(deadline.setEnabled)
        line = QWidget()
        row = QHBoxLayout(line)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(has_deadline)
        row.addWidget(deadline)
        row.addStretch(1)
        dlg.row("整改期限", line, "deadline")
        return lambda: {
            "inspected_on": on.date().toPython(),
            "inspector": who.text(),
            "findings": found.toPlainText(),
            "problems": problems.toPlainText(),
            "rectified": done.isChecked(),
            "deadline": deadline.date().toPython() if has_deadline.isChecked() else None,
        }
