"""粘贴国务院通知: the admin pastes the year's 部分节假日安排 notice, checks the rows read from it,
and saves them in one go (the year's earlier rows are replaced, after asking)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from app.core import clock
from app.core.ops import op
from app.services.center import calendar_admin
from app.services.center.holiday_notice import NoticeReading, read_notice

from .context import ViewContext
from .messages import error_text
from .widgets import MessageBar, Row, run_op
from .widgets.rows_model import RowsView, rows_view

_WEEKDAYS = "一二三四五六日"


class HolidayNoticeDialog(QDialog):
    """Paste → 解析 (preview, unread lines, warnings) → 保存 (asks first) → saved, audited."""

    saved = Signal(int, int)  # year, how many rows

    def __init__(self, ctx: ViewContext, year: int | None = None, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.reading: NoticeReading | None = None
        self.saved_year: int | None = None
        self.saved_count = 0
        self.setWindowTitle("粘贴国务院通知")
        self.resize(1000, 660)
        hint = QLabel(
            "把国务院办公厅《关于××××年部分节假日安排的通知》全文粘贴到下面（网页上复制的即可），"
            "点“解析”，核对右边读出的日期，再点“保存”。"
        )
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(year or clock.today().year + 1)
        self.year.setToolTip("通知标题里有年份时按标题；只粘贴了条目时按这里的年份。")
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(
            "如：一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。"
        )
        self.parse_button = QPushButton("解析")
        self.parse_button.clicked.connect(self.parse)
        self.table: RowsView = rows_view(["日期", "星期", "类型", "名称"], 3)
        self.summary = QLabel("尚未解析。")
        self.summary.setWordWrap(True)
        self.problems = QPlainTextEdit()
        self.problems.setReadOnly(True)
        self.problems.setMaximumHeight(130)
        self.problems.setPlaceholderText("读不懂的条目和与日期不符的星期会列在这里。")
        self.message = MessageBar()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(QLabel("年份"))
        top.addWidget(self.year)
        top.addStretch(1)
        top.addWidget(self.parse_button)
        left = QVBoxLayout()
        left.addLayout(top)
        left.addWidget(self.text, 1)
        right = QVBoxLayout()
        right.addWidget(self.summary)
        right.addWidget(self.table, 1)
        right.addWidget(QLabel("需要核对"))
        right.addWidget(self.problems)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(body, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.text.textChanged.connect(self._text_changed)

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    def show_error(self, exc: BaseException | str) -> None:
        self.message.error(exc if isinstance(exc, str) else error_text(exc))

    def _text_changed(self) -> None:
        if self.reading is not None:  # the preview no longer shows what is typed
            self.reading = None
            self.ok_button.setEnabled(False)
            self.summary.setText("原文已改动，请重新解析。")

    def parse(self) -> None:
        self.message.clear()
        reading = read_notice(self.text.toPlainText(), self.year.value())
        self.reading = reading
        if reading.year is not None:
            self.year.setValue(reading.year)
        self.table.set_rows(
            Row(
                (r.day.isoformat(), f"周{_WEEKDAYS[r.day.weekday()]}", r.kind.label, r.name),
                id=r.day,
            )
            for r in reading.rows
        )
        self.table.resizeColumnsToContents()
        holidays, workdays = len(reading.holidays), len(reading.workdays)
        self.summary.setText(
            f"{reading.year or '？'}年：读出放假 {holidays} 天、调休上班 {workdays} 天。"
            + ("" if reading.clean else "有需要核对的内容，见下方。")
        )
        lines = [f"读不懂：{u}" for u in reading.unread]
        lines += [f"请核对：{w}" for w in reading.warnings]
        self.problems.setPlainText("\n".join(lines))
        self.ok_button.setEnabled(bool(reading.rows) and reading.year is not None)

    def confirm(self, text: str) -> bool:
        answer = QMessageBox.question(self, "确认保存", text)
        return answer == QMessageBox.StandardButton.Yes

    def save(self) -> None:
        reading = self.reading
        if reading is None or not reading.rows or reading.year is None:
            self.message.error("请先粘贴通知并点“解析”。")
            return
        year, actor = reading.year, self.ctx.actor
        self.ok_button.setEnabled(False)

        def ask(view: calendar_admin.YearView) -> None:
            self.ok_button.setEnabled(True)
            text = (
                f"保存 {year} 年：放假 {len(reading.holidays)} 天、"
                f"调休上班 {len(reading.workdays)} 天。"
            )
            if view.days:
                text += f"\n{year} 年已有 {len(view.days)} 条节假日记录，保存后将被替换。"
            if not reading.clean:
                text += "\n还有需要核对的内容（读不懂的条目或与日期不符的星期），确定照此保存？"
            if not self.confirm(text + "\n\n确认保存？"):
                return
            rows = [calendar_admin.DayRow(r.day, r.kind, r.name) for r in reading.rows]

            def done(count: int) -> None:
                self.saved_year, self.saved_count = year, count
                self.saved.emit(year, count)

            run_op(
                self.ctx,
                op(calendar_admin.replace_year, actor, year, rows),
                message=self,
                done=done,
            )

        def failed(exc: BaseException) -> None:
            self.ok_button.setEnabled(True)
            self.show_error(exc)

        self.ctx.worker.submit(op(calendar_admin.year_view, actor, year), ask, failed)
