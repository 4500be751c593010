"""The mapping step of an import: each column of the sheet with its header and three sample
values and the field it goes to (changeable to another field or to 忽略), the values that
match nothing listed with their counts and what they become, the sheet(s) to import, the
year for dates written without one, and saved templates offered for the same headers.

Required fields no column goes to are named before anything else is checked; the dialog
stays open until they are. Signals: ``mapping_accepted`` when 开始导入 is chosen and the
mapping is complete (read it with ``columns()``, ``values()``, ``sheets()``, ``year()``,
``template_name()``)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.services.command.importing import IGNORE, ImportPlan, Template

from .widgets.tables import input_table

ALL_SHEETS = "全部工作表"


class ImportMappingDialog(QDialog):
    """Signals: ``mapping_accepted``."""

    mapping_accepted = Signal()

    def __init__(self, plan: ImportPlan, file_name: str, label: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.plan = plan
        self.setWindowTitle(f"导入{label}：核对列的对应")
        self.resize(900, 600)
        where = f"工作表“{plan.sheet}”" if plan.sheet else ""
        self.intro = QLabel(
            f"{file_name}：{where}表头在第 {plan.header_row} 行。请核对每一列对应的项目，"
            "不需要的列选“忽略”。"
        )
        self.intro.setWordWrap(True)
        self.sheet = QComboBox()
        if len(plan.sheet_names) > 1:
            self.sheet.addItem(ALL_SHEETS, None)
        for name in plan.sheet_names:
            self.sheet.addItem(name, name)
        self.template = QComboBox()
        self.template.addItem("（不用模板）", None)
        for t in plan.templates:
            self.template.addItem(t.name, t)
        self.template.currentIndexChanged.connect(self._apply_template)
        self.year_box = QSpinBox()
        self.year_box.setRange(0, 2100)
        self.year_box.setSpecialValueText("—")
        self.year_box.setValue(plan.year or 0)
        self.year_box.setToolTip("没有写年份的日期（如“3月12日”）按这一年")
        for box in (self.sheet, self.template):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            box.setMinimumWidth(140)
        top = QHBoxLayout()
        for text, w in (("工作表", self.sheet), ("导入模板", self.template),
                        ("无年份的日期按", self.year_box)):  # fmt: skip
            top.addWidget(QLabel(text))
            top.addWidget(w)
        top.addStretch(1)

        self.table = input_table(["表格的列", "示例（前三个值）", "对应项目"], 1)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.combos: list[QComboBox] = []
        for col in plan.columns:
            row = self.table.rowCount()
            self.table.insertRow(row)
            self.table.setItem(row, 0, QTableWidgetItem(col.header))
            self.table.setItem(row, 1, QTableWidgetItem("；".join(col.samples)))
            box = QComboBox()
            box.addItem(IGNORE)
            for f in plan.fields:
                box.addItem(f + ("（必填）" if f in plan.required else ""), f)
            box.setItemData(0, IGNORE)
            box.setCurrentIndex(max(0, box.findData(col.field)))
            box.currentIndexChanged.connect(self._check_required)
            self.table.setCellWidget(row, 2, box)
            self.combos.append(box)
        self.table.setColumnWidth(0, 170)
        self.table.setColumnWidth(2, 170)

        self.values_label = QLabel("对不上的值（每个值改一次，所有同样的行都照此导入）：")
        self.values_table = input_table(["项目", "表格里的值（行数）", "导入为"], 1)
        self.values_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.value_combos: list[QComboBox] = []
        for v in plan.values:
            row = self.values_table.rowCount()
            self.values_table.insertRow(row)
            self.values_table.setItem(row, 0, QTableWidgetItem(v.field))
            self.values_table.setItem(row, 1, QTableWidgetItem(f"{v.value}（{v.rows} 行）"))
            box = QComboBox()
            box.addItem("（不改，该行不导入）", "")
            for option in v.options:
                box.addItem(option, option)
            box.setCurrentIndex(max(0, box.findData(v.target)))
            self.values_table.setCellWidget(row, 2, box)
            self.value_combos.append(box)
        self.values_table.setColumnWidth(0, 90)
        self.values_table.setColumnWidth(2, 190)
        self.values_label.setVisible(bool(plan.values))
        self.values_table.setVisible(bool(plan.values))

        self.save_as = QLineEdit()
        self.save_as.setPlaceholderText(
            "填写名称即把这次的对应存为模板，下次同样表头的表格可直接选用"
        )
        self.message = QLabel()
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton("开始导入", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(top)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.values_label)
        layout.addWidget(self.values_table, 2)
        save = QHBoxLayout()
        save.addWidget(QLabel("存为模板"))
        save.addWidget(self.save_as, 1)
        layout.addLayout(save)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._check_required()

    # --- what was chosen
    def columns(self) -> dict[str, str]:
        return {
            c.header: box.currentData()
            for c, box in zip(self.plan.columns, self.combos, strict=True)
        }

    def values(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for v, box in zip(self.plan.values, self.value_combos, strict=True):
            # Only what was chosen here: a proposed value is found again by the import
            # itself (which keeps the dispute type of 邻里纠纷 → 矛盾纠纷).
            if box.currentData() and box.currentData() != v.target:
                out.setdefault(v.field, {})[v.value] = box.currentData()
        return out

    def sheets(self) -> list[str] | None:
        name = self.sheet.currentData()
        return [name] if name else None

    def year(self) -> int | None:
        return self.year_box.value() or None

    def template_name(self) -> str | None:
        return self.save_as.text().strip() or None

    def set_field(self, header: str, field: str) -> None:
        """Choose ``field`` (a label or 忽略) for the column ``header``."""
        for c, box in zip(self.plan.columns, self.combos, strict=True):
            if c.header == header:
                box.setCurrentIndex(box.findData(field))

    # --- checks
    def missing(self) -> list[str]:
        return self.plan.missing(self.columns())

    def _check_required(self) -> None:
        missing = self.missing()
        self.message.setText(
            "还没有列对应到必填项目：" + "、".join(missing) + "。请在“对应项目”里选择。"
            if missing
            else ""
        )

    def _apply_template(self) -> None:
        t: Template | None = self.template.currentData()
        if t is None:
            return
        for header, field in t.columns.items():
            self.set_field(header, field)
        for v, box in zip(self.plan.values, self.value_combos, strict=True):
            target = t.values.get(v.field, {}).get(v.value)
            if target:
                box.setCurrentIndex(max(0, box.findData(target)))
        self._check_required()

    def _ok(self) -> None:
        self._check_required()
        if self.missing():
            return
        if self.plan.needs_year and not self.year():
            self.message.setText(
                "表格里有没写年份的日期（如“3月12日”），请在“无年份的日期按”里填写年份。"
            )
            self.year_box.setFocus()
            return
        year = self.year()
        if year and not 1990 <= year <= clock.today().year + 1:
            self.message.setText(f"年份 {year} 不对，请填写 1990 到 {clock.today().year + 1}")
            return
        self.mapping_accepted.emit()
        self.accept()
