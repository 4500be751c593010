"""重算期限: once a year's holidays are entered, the open matters' deadlines that counted that
year as weekends only are shown (number, old → new) and moved when the admin confirms."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from app.core.ops import op
from app.services.center import deadline_recompute
from app.services.center.deadline_recompute import Moved

from .context import ViewContext
from .widgets import MessageBar, Row, run_op
from .widgets.rows_model import RowsView, rows_view


class DeadlineRecomputeDialog(QDialog):
    def __init__(self, ctx: ViewContext, year: int, moves: list[Moved], parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.year = year
        self.moved: list[Moved] | None = None
        self.setWindowTitle(f"重算期限（{year}年）")
        self.resize(640, 480)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table: RowsView = rows_view(["事项编号", "原期限", "新期限"], 0)
        self.message = MessageBar()
        self.apply_button = QPushButton("重算这些期限")
        self.apply_button.clicked.connect(self.apply)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._show(moves)
        if moves:
            self.summary.setText(
                f"{year}年节假日录入前，以下 {len(moves)} 件在办事项的期限只跳过了周末。"
                "点“重算这些期限”按已录入的节假日改正（经批准延期的期限不动）。"
            )
        else:
            self.summary.setText(f"没有需要重算的期限：{year}年的在办事项期限都已按节假日计算。")
            self.apply_button.setEnabled(False)

    def _show(self, moves: list[Moved]) -> None:
        self.table.set_rows(
            Row((m.number, m.old.isoformat(), m.new.isoformat()), id=m.matter_id) for m in moves
        )
        self.table.resizeColumnsToContents()

    def apply(self) -> None:
        self.apply_button.setEnabled(False)

        def done(moved: list[Moved]) -> None:
            self.moved = moved
            self._show(moved)
            self.summary.setText(f"已重算 {len(moved)} 件事项的期限（原期限 → 新期限见下表）。")

        run_op(
            self.ctx,
            op(deadline_recompute.recompute, self.ctx.actor, self.year),
            done=done,
            done_text="已重算，每件事项的流转记录里都记下了改动。",
            message=self.message,
            failed=lambda _exc: self.apply_button.setEnabled(True),
        )
