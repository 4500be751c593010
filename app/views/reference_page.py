"""系统设置 → 中心资料: the center's units, villages, categories and who signs its documents.

The admin adds, edits, reorders, deactivates and (villages) merges; the director sees the
same page read-only. Each list exports to and imports from one XLSX workbook, with the
ledger import's report dialog."""

from __future__ import annotations

import uuid
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.ops import op
from app.models import LimitKind, UnitKind
from app.services.center import reference_admin as ref
from app.services.center import reference_io
from app.services.command.importing import ImportReport
from app.services.security.permissions import Action, allowed

from . import bus as kinds
from .context import ViewContext
from .grid_page import GridPanel
from .import_report_dialog import ImportReportDialog
from .widgets import FormDialog, MessageBar, Row, run_op
from .widgets.rows_model import RowsView, rows_view
from .widgets.tables import enum_combo

HEADERS = {
    "unit": (["名称", "简称", "类型", "负责人", "电话", "接收分流", "状态"], 0),
    "village": (["名称", "常住人口", "状态", "并入"], 0),
    "category": (["名称", "办理期限", "默认承办单位", "信访", "状态"], 2),
}


def _state(active: bool) -> str:
    return "在用" if active else "已停用"


def _documents() -> str:
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)


def _ask_save_path(parent: QWidget, title: str, suggested: str, filters: str) -> str:
    name, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return name


def _ask_open_path(parent: QWidget, title: str, filters: str) -> str:
    name, _ = QFileDialog.getOpenFileName(parent, title, _documents(), filters)
    return name


class ListPanel(QWidget):
    """One list (units, villages or categories): a table and, for the admin, its buttons."""

    def __init__(self, page: ReferencePage, kind: str):
        super().__init__(page)
        self.page, self.kind = page, kind
        headers, stretch = HEADERS[kind]
        self.table: RowsView = rows_view(headers, stretch)
        self.table.setAccessibleName(ref.LIST_LABELS[kind])
        self.table.doubleClicked.connect(lambda _i: self.edit())
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        actions = [
            ("新增", self.add),
            ("改名/编辑" if kind != "village" else "编辑", self.edit),
            ("上移", lambda: self.move(-1)),
            ("下移", lambda: self.move(1)),
            ("停用/启用", self.toggle),
        ]
        if kind == "village":
            actions.append(("合并到…", self.merge))
        for text, slot in actions:
            b = QPushButton(text)
            b.clicked.connect(slot)
            b.setVisible(page.editable)
            self.buttons[text] = b
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)

    # --- showing
    def show_items(self, data: ref.ReferenceData) -> None:
        if self.kind == "unit":
            rows = [
                Row(
                    (
                        u.name,
                        u.short_name,
                        u.kind.label,
                        u.head,
                        u.phone,
                        "是" if u.takes_routed else "否",
                        _state(u.active),
                    ),
                    id=u.id,
                    warn=None if u.active else "soon",
                )
                for u in data.units
            ]
        elif self.kind == "village":
            rows = [
                Row(
                    (v.name, str(v.population or ""), _state(v.active), v.merged_into),
                    id=v.id,
                    warn=None if v.active else "soon",
                )
                for v in data.villages
            ]
        else:
            rows = [
                Row(
                    (
                        c.name,
                        c.limit_text,
                        c.default_unit,
                        "是" if c.is_xinfang else "",
                        _state(c.active),
                    ),
                    id=c.id,
                    warn=None if c.active else "soon",
                )
                for c in data.categories
            ]
        self.table.set_rows(rows)
        self.table.resizeColumnsToContents()

    def _chosen(self):
        item_id = self.table.current_id()
        items = {
            "unit": self.page.data.units,
            "village": self.page.data.villages,
            "category": self.page.data.categories,
        }[self.kind]
        item = next((x for x in items if x.id == item_id), None) if self.page.data else None
        if item is None:
            self.page.message.error(f"请先在列表中选择一个{ref.LIST_LABELS[self.kind]}。")
        return item

    # --- actions
    def add(self) -> None:
        self._open_editor(None)

    def edit(self) -> None:
        if not self.page.editable:
            return
        item = self._chosen()
        if item is not None:
            self._open_editor(item)

    def _open_editor(self, item) -> None:
        opener = {
            "unit": self.page.unit_dialog,
            "village": self.page.village_dialog,
            "category": self.page.category_dialog,
        }[self.kind]
        opener(item)

    def move(self, step: int) -> None:
        item = self._chosen()
        if item is None:
            return
        run_op(
            self.page.ctx,
            op(ref.move_item, self.page.ctx.actor, self.kind, item.id, step),
            message=self.page.message,
            done_text=f"已{'下移' if step > 0 else '上移'}“{item.name}”。",
            origin=self.page,
        )

    def toggle(self) -> None:
        item = self._chosen()
        if item is None:
            return
        on = not item.active
        run_op(
            self.page.ctx,
            op(ref.set_active, self.page.ctx.actor, self.kind, item.id, on),
            message=self.page.message,
            done_text=f"已{'启用' if on else '停用'}“{item.name}”"
            + ("" if on else "；它不再出现在新的选择中，以往记录和筛选中仍保留。"),
        )

    def merge(self) -> None:
        item = self._chosen()
        if item is None:
            return
        if not item.active:
            self.page.message.error(f"“{item.name}”已停用或已合并，不能再合并。")
            return
        self.page.merge_dialog(item)


class RolesPanel(QWidget):
    """文书署名: who fills each role on documents (a form; read-only for the director)."""

    def __init__(self, page: ReferencePage):
        super().__init__(page)
        self.page = page
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout(self)
        hints = {
            "mediation_committee": "空着时按中心名称，如“白石街道人民调解委员会”",
            "mediation_seal": "空着时与委员会名称相同",
            "family_committee": "空着时与人民调解委员会相同",
            "center_address": "如“白石街道文化路1号”",
            "center_phone": "如 0577-12345678",
        }
        for key, label in ref.ROLE_LABELS.items():
            edit = QLineEdit()
            edit.setPlaceholderText(hints[key])
            edit.setReadOnly(not page.editable)
            edit.setAccessibleName(label)
            self.edits[key] = edit
            form.addRow(label, edit)
        self.save_button = QPushButton("保存文书署名")
        self.save_button.clicked.connect(self.save)
        self.save_button.setVisible(page.editable)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addStretch(1)
        form.addRow(row)

    def show_roles(self, roles: ref.DocumentRoles) -> None:
        for key, edit in self.edits.items():
            if not edit.isModified():  # what the admin is typing is not overwritten
                edit.setText(getattr(roles, key))

    def save(self) -> None:
        values = {k: e.text() for k, e in self.edits.items()}

        def done(_roles) -> None:
            for e in self.edits.values():
                e.setModified(False)

        run_op(
            self.page.ctx,
            op(ref.set_document_roles, self.page.ctx.actor, **values),
            message=self.page.message,
            done_text="已保存文书署名。",
            done=done,
        )


class ReferencePage(QWidget):
    """中心资料. Attributes tests use: ``lists`` (kind → ListPanel), ``roles``, ``dialog``
    (the open editor), ``report_dialog``, ``ask_open_path`` / ``ask_save_path``."""

    def __init__(self, ctx: ViewContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.editable = allowed(ctx.actor, Action.MANAGE_REFERENCE)
        self.data: ref.ReferenceData | None = None
        self.dialog: FormDialog | None = None
        self.report_dialog: ImportReportDialog | None = None
        self.ask_open_path = _ask_open_path
        self.ask_save_path = _ask_save_path
        self.message = MessageBar()
        self.tabs = QTabWidget()
        self.lists = {kind: ListPanel(self, kind) for kind in ("unit", "village", "category")}
        for kind, panel in self.lists.items():
            self.tabs.addTab(panel, ref.LIST_LABELS[kind])
        self.grids = GridPanel(ctx, self)  # 网格, after 村社区
        self.tabs.insertTab(2, self.grids, "网格")
        self.roles = RolesPanel(self)
        self.tabs.addTab(self.roles, "文书署名")
        self.export_button = QPushButton("导出XLSX")
        self.export_button.clicked.connect(self.export)
        self.import_button = QPushButton("导入XLSX")
        self.import_button.clicked.connect(self.choose_import)
        self.import_button.setVisible(self.editable)
        note = QLabel(
            "停用的项目不再出现在新登记的选择中，以往事项、台账和筛选仍保留；改名不影响已登记事项和已打印文书。"
            if self.editable
            else "只读：中心资料由系统管理员维护。"
        )
        note.setProperty("role", "hint")
        note.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(note, 1)
        top.addWidget(self.export_button)
        top.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        ctx.bus.watch(self, [kinds.REFERENCE, kinds.SETTINGS], self.reload)
        self.reload()

    def reload(self) -> None:
        self.ctx.worker.submit(
            op(ref.load_reference, self.ctx.actor), self._show, self.message.show_error
        )

    def _show(self, data: ref.ReferenceData) -> None:
        self.data = data
        for panel in self.lists.values():
            panel.show_items(data)
        self.roles.show_roles(data.roles)

    # --- editors
    def _open(self, dlg: FormDialog) -> None:
        self.dialog = dlg
        dlg.open()

    def unit_dialog(self, item: ref.UnitItem | None) -> None:
        dlg = FormDialog("新增承办单位" if item is None else f"编辑承办单位 — {item.name}", self)
        name = dlg.row("名称", QLineEdit(item.name if item else ""), "name")
        short = dlg.row("简称", QLineEdit(item.short_name if item else ""), "short_name")
        kind = dlg.row("类型", enum_combo(UnitKind), "kind")
        kind.setCurrentIndex(kind.findData((item.kind if item else UnitKind.STATIONED).value))
        head = dlg.row("负责人", QLineEdit(item.head if item else ""), "head")
        phone = dlg.row("电话", QLineEdit(item.phone if item else ""), "phone")
        routed = dlg.row("", QCheckBox("接收分流交办的事项"))
        routed.setChecked(item.takes_routed if item else True)
        actor = self.ctx.actor

        def ok() -> None:
            data = ref.UnitInput(
                name.text(),
                UnitKind(kind.currentData()),
                short.text(),
                head.text(),
                phone.text(),
                routed.isChecked(),
            )
            run_op(
                self.ctx,
                op(ref.save_unit, actor, item.id if item else None, data),
                message=dlg,
                done=lambda _id: self.message.success(f"已保存承办单位“{data.name.strip()}”。"),
            )

        dlg.on_ok = ok
        self._open(dlg)

    def village_dialog(self, item: ref.VillageItem | None) -> None:
        dlg = FormDialog("新增村社区" if item is None else f"编辑村社区 — {item.name}", self)
        name = dlg.row("名称", QLineEdit(item.name if item else ""), "name")
        name.setPlaceholderText("如“白石村”“山马社区”")
        people = dlg.row(
            "常住人口", QLineEdit(str(item.population or "") if item else ""), "population"
        )
        people.setPlaceholderText("人数，用于考核“每千人事项数”；不知道可不填")
        actor = self.ctx.actor

        def ok() -> None:
            text = name.text()
            run_op(
                self.ctx,
                op(ref.save_village, actor, item.id if item else None, text, people.text()),
                message=dlg,
                done=lambda _id: self.message.success(f"已保存村社区“{text.strip()}”。"),
            )

        dlg.on_ok = ok
        self._open(dlg)

    def category_dialog(self, item: ref.CategoryItem | None) -> None:
        dlg = FormDialog("新增事项类别" if item is None else f"编辑事项类别 — {item.name}", self)
        name = dlg.row("名称", QLineEdit(item.name if item else ""), "name")
        rule = dlg.row("期限规则", enum_combo(LimitKind), "limit_kind")
        rule.setCurrentIndex(rule.findData((item.limit_kind if item else LimitKind.WORKING).value))
        days = dlg.row("期限天数", QSpinBox(), "limit_days")
        days.setRange(0, 999)
        days.setValue(item.limit_days if item else 7)
        unit = dlg.row("默认承办单位", QComboBox(), "default_unit_id")
        unit.addItem("（无，由窗口分流）", None)
        for u in self.data.units if self.data else []:
            if u.active or (item and u.id == item.default_unit_id):
                unit.addItem(u.name, u.id)
        if item and item.default_unit_id:
            unit.setCurrentIndex(max(unit.findData(item.default_unit_id), 0))
        xinfang = dlg.row("", QCheckBox("信访事项（按信访工作条例办理）"))
        xinfang.setChecked(item.is_xinfang if item else False)

        def rule_changed() -> None:
            days.setEnabled(rule.currentData() != LimitKind.SAME_DAY)

        rule.currentIndexChanged.connect(rule_changed)
        rule_changed()
        actor = self.ctx.actor

        def ok() -> None:
            data = ref.CategoryInput(
                name.text(),
                LimitKind(rule.currentData()),
                days.value(),
                unit.currentData(),
                xinfang.isChecked(),
            )
            run_op(
                self.ctx,
                op(ref.save_category, actor, item.id if item else None, data),
                message=dlg,
                done=lambda _id: self.message.success(f"已保存事项类别“{data.name.strip()}”。"),
            )

        dlg.on_ok = ok
        self._open(dlg)

    def merge_dialog(self, item: ref.VillageItem) -> None:
        dlg = FormDialog(f"合并村社区 — {item.name}", self)
        into = dlg.row("并入", QComboBox(), "into")
        for v in self.data.villages if self.data else []:
            if v.active and v.id != item.id:
                into.addItem(v.name, v.id)
        note = QLabel(
            f"“{item.name}”的群众和台账记录将转到所选村社区，“{item.name}”随之停用（不删除）。"
            "已登记事项仍显示原来的村社区名称。合并不能撤销。"
        )
        note.setWordWrap(True)
        dlg.row("", note)
        actor = self.ctx.actor

        def ok() -> None:
            target: uuid.UUID | None = into.currentData()
            if target is None:
                dlg.show_error("没有可以并入的村社区，请先新增一个。")
                return
            name = into.currentText()
            run_op(
                self.ctx,
                op(ref.merge_village, actor, item.id, target),
                message=dlg,
                done=lambda n: self.message.success(
                    f"已把“{item.name}”并入“{name}”，{n} 条记录随之转入。"
                ),
            )

        dlg.on_ok = ok
        self._open(dlg)

    # --- XLSX
    def export(self) -> None:
        name = self.ask_save_path(
            self, "导出中心资料", str(Path(_documents()) / "中心资料.xlsx"), "Excel 表格 (*.xlsx)"
        )
        if not name:
            return
        path = Path(name) if name.lower().endswith(".xlsx") else Path(name + ".xlsx")
        run_op(
            self.ctx,
            op(reference_io.export_reference_file, self.ctx.actor, path),
            message=self.message,
            done_text=f"已导出中心资料：{path}",
        )

    def choose_import(self) -> None:
        name = self.ask_open_path(self, "选择要导入的中心资料表格", "Excel 表格 (*.xlsx *.xlsm)")
        if name:
            self.run_import(Path(name))

    def run_import(self, path: Path, *, skip_invalid: bool = False) -> None:
        self.import_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.import_button.setEnabled(True)

        run_op(
            self.ctx,
            op(reference_io.import_reference, self.ctx.actor, path, skip_invalid=skip_invalid),
            message=self.message,
            done=lambda report: self._imported(path, report),
            failed=failed,
        )

    def _imported(self, path: Path, report: ImportReport) -> None:
        self.import_button.setEnabled(True)
        dialog = ImportReportDialog(report, self)
        dialog.skip_invalid_requested.connect(lambda: self.run_import(path, skip_invalid=True))
        dialog.finished.connect(lambda _r: self._closed(dialog))
        self.report_dialog = dialog
        dialog.open()

    def _closed(self, dialog: ImportReportDialog) -> None:
        if self.report_dialog is dialog:
            self.report_dialog = None
        dialog.deleteLater()
