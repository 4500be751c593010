"""登记 / 修改 one record of a register (流动人口, 特殊人群, 平安创建 …): the form is built from the
register's field list (``registers.REGISTERS``), the same list the import checks sheets with.

Fields that need no database (name, ID number, phone, dates, text) are checked as the person
leaves them; on save the service checks every field again and either saves the whole record
or nothing, and its messages are shown under the fields they concern.

Signals: ``saved(object)`` with the record's id.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.errors import ValidationError
from app.core.ops import op
from app.services.center.reference import Lookups
from app.services.command import aid, registers
from app.services.command.registers import FieldSpec, Names

from .context import ViewContext
from .messages import error_text
from .widgets.message_bar import MessageBar

_NO_NAMES = Names({}, {}, {})  # the checks made while typing never look names up
_TYPED = ("text", "name", "id", "phone", "date", "money")
_PLACEHOLDERS = {
    "id": "18 位，末位可以是 X",
    "phone": "手机或座机，如 13812345678、0577-61234567",
    "date": "如 2026-03-05",
    "money": "元，如 1500 或 1500.50",
}


def _mark(widget: QWidget, invalid: bool) -> None:
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _is_long(spec: FieldSpec) -> bool:
    return spec.kind == "text" and spec.max_len >= 500


class RegisterRecordDialog(QDialog):
    """Signals: ``saved(object)``."""

    saved = Signal(object)

    def __init__(
        self,
        ctx: ViewContext,
        kind: str,
        lookups: Lookups,
        *,
        values: dict[str, Any] | None = None,
        record_id: uuid.UUID | None = None,
        matter: tuple[uuid.UUID, str] | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.ctx, self.kind, self.record_id = ctx, kind, record_id
        # 社会救助 made from a 求助 matter (its id and number): saved linked to the matter.
        self.matter_id = matter[0] if matter else None
        label, self.specs = registers.REGISTERS[kind]
        title = f"修改{label}记录" if record_id else f"登记{label}"
        self.setWindowTitle(f"{title}（事项 {matter[1]}）" if matter else title)
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        row = col = 0
        # Short fields two to a row in the register's order, the long texts last, full width
        # (widgets are made in this order, so Tab follows it too).
        shown = [s for s in self.specs if not _is_long(s)] + [s for s in self.specs if _is_long(s)]
        for spec in shown:
            widget = self._input(spec, lookups)
            self.inputs[spec.key] = widget
            error = QLabel()
            error.setProperty("role", "error")
            error.setWordWrap(True)
            error.hide()
            self.errors[spec.key] = error
            cell = QWidget()
            v = QVBoxLayout(cell)
            v.setContentsMargins(0, 0, 0, 0)
            v.setSpacing(2)
            v.addWidget(widget)
            v.addWidget(error)
            caption = QLabel(spec.label + ("＊" if spec.required else ""))
            caption.setBuddy(widget)
            caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            if _is_long(spec):  # a whole row of its own
                if col:
                    row, col = row + 1, 0
                grid.addWidget(caption, row, 0)
                grid.addWidget(cell, row, 1, 1, 3)
                row += 1
                continue
            grid.addWidget(caption, row, col * 2)
            grid.addWidget(cell, row, col * 2 + 1)
            row, col = (row, 1) if col == 0 else (row + 1, 0)
        hint = QLabel("带＊的必须填写。日期写成 2026-03-05、2026/3/5 或 2026年3月5日 都可以。")
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        self.message = MessageBar()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            "保存修改" if record_id else "登记", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setDefault(True)
        cancel = self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(hint)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(780, 0)
        village, grid = self.inputs.get("village_id"), self.inputs.get("grid_id")
        if isinstance(village, QComboBox) and isinstance(grid, QComboBox):
            # A village chosen offers its own grids only.
            ids = {v.name: v.id for v in lookups.villages}
            village.currentIndexChanged.connect(
                lambda _i: self._offer_grids(lookups, ids.get(village.currentData()))
            )
        self.set_values(values or self._defaults())
        if record_id is not None:  # 最近走访 comes from the visit log once a record is kept
            for key in registers.DERIVED_FIELDS.get(kind, ()):
                self.inputs[key].setReadOnly(True)
                self.inputs[key].setToolTip("由走访记录得出：请用“走访记录…”添加走访")

    # --- building
    def _input(self, spec: FieldSpec, lookups: Lookups) -> QWidget:
        if spec.kind in ("village", "unit", "choice", "grid"):
            combo = QComboBox()
            if not spec.required:
                combo.addItem("（不填）", "")
            if spec.kind == "village":
                names = [v.name for v in lookups.villages]
            elif spec.kind == "unit":
                names = [u.name for u in lookups.units]
            elif spec.kind == "grid":
                names = [g.name for g in lookups.all_grids if g.active]  # 名称（编码）
            else:
                names = [m.label for m in spec.choices]
            for name in names:
                combo.addItem(name, name)
            combo.setAccessibleName(spec.label)
            return combo
        if spec.kind == "year":
            spin = QSpinBox()
            spin.setRange(1990, 2100)
            spin.setAccessibleName(spec.label)
            return spin
        if _is_long(spec):
            edit = QPlainTextEdit()
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 3 + 14)
            edit.setAccessibleName(spec.label)
            return edit
        line = QLineEdit()
        line.setAccessibleName(spec.label)
        line.setPlaceholderText(_PLACEHOLDERS.get(spec.kind, ""))
        line.editingFinished.connect(lambda s=spec: self._check_one(s))
        return line

    def _offer_grids(self, lookups: Lookups, village_id) -> None:
        combo: QComboBox = self.inputs["grid_id"]
        kept = combo.currentData()
        combo.clear()
        combo.addItem("（不填）", "")
        for g in lookups.grids_of(village_id) if village_id else lookups.all_grids:
            if g.active:
                combo.addItem(g.name, g.name)
        combo.setCurrentIndex(max(combo.findData(kept or ""), 0))

    def _defaults(self) -> dict[str, Any]:
        today = clock.today()
        out: dict[str, Any] = {}
        for spec in self.specs:
            if spec.kind == "date" and spec.required:
                out[spec.key] = today
            elif spec.kind == "year":
                out[spec.key] = today.year
        return out

    # --- values
    def set_values(self, values: dict[str, Any]) -> None:
        for spec in self.specs:
            w, v = self.inputs[spec.key], values.get(spec.key)
            if isinstance(w, QComboBox):
                i = w.findData(v or "")
                w.setCurrentIndex(max(i, 0))
            elif isinstance(w, QSpinBox):
                w.setValue(int(v or clock.today().year))
            elif isinstance(w, QPlainTextEdit):
                w.setPlainText(v or "")
            else:
                w.setText(v.isoformat() if isinstance(v, date) else str(v or ""))

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, w in self.inputs.items():
            if isinstance(w, QComboBox):
                out[key] = w.currentData() or ""
            elif isinstance(w, QSpinBox):
                out[key] = w.value()
            elif isinstance(w, QPlainTextEdit):
                out[key] = w.toPlainText()
            else:
                out[key] = w.text()
        return out

    # --- checks and messages
    def _check_one(self, spec: FieldSpec) -> None:
        if spec.kind not in _TYPED:
            return
        text = self.inputs[spec.key].text()
        message = ""
        if text.strip():  # an empty required field is reported on save, not while moving on
            try:
                registers.clean_value(spec, text, _NO_NAMES)
            except ValidationError as err:
                message = next(iter(err.fields.values()))
        self._show(spec.key, message)

    def _show(self, key: str, message: str) -> None:
        _mark(self.inputs[key], bool(message))
        self.errors[key].setText(message)
        self.errors[key].setVisible(bool(message))

    def show_errors(self, err: ValidationError) -> None:
        first = None
        for spec in self.specs:
            message = err.fields.get(spec.key, "")
            self._show(spec.key, message)
            if message and first is None:
                first = self.inputs[spec.key]
        rest = [m for k, m in err.fields.items() if k not in self.inputs]
        shown = len(err.fields) - len(rest)
        lines = ([f"有 {shown} 处需要改正，见各栏下方的红字。"] if shown else []) + rest
        self.message.error("\n".join(lines))
        if first is not None:
            first.setFocus()

    # --- saving
    def save(self) -> None:
        raw = self.values()
        actor, kind, record_id = self.ctx.actor, self.kind, self.record_id
        self.save_button.setEnabled(False)
        self.message.info("正在保存…")
        if self.matter_id is not None:
            job = op(aid.add_for_matter, actor, self.matter_id, raw)
        else:
            job = op(registers.save_record, actor, kind, record_id, raw)
        self.ctx.worker.submit(job, self._saved, self._failed)

    def _saved(self, record_id) -> None:
        self.save_button.setEnabled(True)
        self.message.clear()
        self.saved.emit(record_id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.show_errors(exc)
        else:
            self.message.error(error_text(exc))
