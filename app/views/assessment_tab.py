"""考核评价: a scheme's period, its scores per stationed unit or village with rank, the
matters/meetings behind a figure, 加分/扣分 items, closing a period, a correction with its reason,
the 考核评分表 and ranking as PDF/XLSX, and 教育培训 sessions. The director, the deputy and the
admin see this tab; the services check every action."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.errors import ValidationError
from app.core.ops import op
from app.services.command import assessment as svc
from app.services.security.permissions import Action, allowed

from . import bus as kinds
from .context import ViewContext
from .widgets import (
    FieldRow,
    FormDialog,
    MessageBar,
    Row,
    date_edit,
    load_when_shown,
    open_copy,
    run_op,
    show_file,
)
from .widgets.rows_model import RowsView, rows_view

DRILL_HEADERS = ["类型", "编号/名称", "日期", "内容", "计入", "说明"]
ITEM_HEADERS = ["对象", "指标", "分数", "理由", "附件", "录入时间", "录入人"]


def _ask_save_path(parent: QWidget, title: str, suggested: str, filters: str) -> str:
    name, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return name


def _ask_open_path(parent: QWidget, title: str, filters: str) -> str:
    name, _ = QFileDialog.getOpenFileName(parent, title, str(Path.home()), filters)
    return name


def _pts(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


class AssessmentTab(QWidget):
    """Attributes tests use: ``scheme``, ``period``, ``kind`` (combos), ``table``, ``drill``,
    ``items`` (the 加分/扣分 list, under ``lower``), ``item_rows``, ``buttons``, ``status``,
    ``message``, ``dialog``, ``score_table``; ``ask_save_path``, ``ask_open_path`` and
    ``show_file`` (the system viewer, given 打开附件's copy) can be replaced."""

    def __init__(self, ctx: ViewContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.schemes: list[svc.SchemeRow] = []
        self.score_table: svc.ScoreTable | None = None
        self.dialog: QDialog | None = None
        self.ask_save_path: Callable[[QWidget, str, str, str], str] = _ask_save_path
        self.ask_open_path: Callable[[QWidget, str, str], str] = _ask_open_path
        self.show_file: Callable[[Path], None] = show_file
        self.item_rows: list[svc.ItemRow] = []
        manage = allowed(ctx.actor, Action.MANAGE_ASSESSMENT)
        score = allowed(ctx.actor, Action.SCORE_ITEMS)
        self.scheme = QComboBox()
        self.scheme.setAccessibleName("考核方案")
        self.period = QComboBox()
        self.period.setAccessibleName("考核期")
        self.kind = QComboBox()
        self.kind.setAccessibleName("考核对象")
        for key, label in svc.TARGET_KINDS.items():
            self.kind.addItem(label, key)
        for combo in (self.scheme, self.period, self.kind):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.scheme.currentIndexChanged.connect(lambda _i: self._fill_periods())
        self.period.currentIndexChanged.connect(lambda _i: self.load_scores())
        self.kind.currentIndexChanged.connect(lambda _i: self.load_scores())
        # A closed period's stored versions: the current one, or an earlier one to compare.
        self.version = QComboBox()
        self.version.setAccessibleName("得分版本")
        self.version.setVisible(False)
        self.version.activated.connect(lambda _i: self.load_scores(self.version.currentData()))
        top = QHBoxLayout()
        for label, w in (("方案", self.scheme), ("考核期", self.period), ("对象", self.kind)):
            top.addWidget(QLabel(label))
            top.addWidget(w)
        top.addWidget(self.version)
        self.buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        for text, slot, shown in (
            ("新建方案", self.new_scheme, manage),
            ("新建考核期", self.new_period, manage),
            ("编辑指标…", self.edit_indicators, manage),
            ("加分/扣分…", self.new_item, score),
            ("关闭考核期", self.close_period, manage),
            ("更正…", self.correct, manage),
            ("评分表PDF", lambda: self.export("pdf", sheet=True), True),
            ("排名表PDF", lambda: self.export("pdf"), True),
            ("导出XLSX", lambda: self.export("xlsx"), True),
            ("教育培训…", self.open_training, manage),
        ):
            b = QPushButton(text)
            b.clicked.connect(slot)
            self.buttons[text] = b
            (top if text in ("新建方案", "新建考核期", "编辑指标…") else actions).addWidget(b)
            if not shown:  # (setVisible(True) before it has a parent would open it as a window)
                b.hide()
        top.addStretch(1)
        actions.addStretch(1)
        self.status = QLabel()
        self.status.setProperty("role", "hint")
        self.status.setWordWrap(True)
        self.table: RowsView = rows_view(["名次", "对象", "总分"], None)
        self.table.setToolTip("每格为“得分｜完成情况”；点击某项得分查看明细")
        self.table.setAccessibleName("考核得分")
        self.table.clicked.connect(self._cell_clicked)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._show_items())
        self.drill_title = QLabel("点击表中某项得分，查看其背后的事项、会议或加减分。")
        self.drill_title.setProperty("role", "hint")
        self.drill: RowsView = rows_view(DRILL_HEADERS, 3)
        self.drill.setAccessibleName("得分明细")
        drill_page = QWidget()
        lower_layout = QVBoxLayout(drill_page)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.drill_title)
        lower_layout.addWidget(self.drill, 1)
        # 加分/扣分 items of the period: the chosen target's, or all when none is chosen.
        self.items_title = QLabel()
        self.items_title.setProperty("role", "hint")
        self.items: RowsView = rows_view(ITEM_HEADERS, 3)
        self.items.setAccessibleName("加分扣分项")
        self.items.doubleClicked.connect(lambda _i: self.open_attachment())
        item_buttons = QHBoxLayout()
        item_buttons.addWidget(self.items_title, 1)
        for text, slot, shown in (
            ("打开附件", self.open_attachment, True),
            ("撤销…", self.withdraw_item, score),
        ):
            b = QPushButton(text)
            b.clicked.connect(slot)
            self.buttons[text] = b
            item_buttons.addWidget(b)
            if not shown:
                b.hide()
        items_page = QWidget()
        items_layout = QVBoxLayout(items_page)
        items_layout.setContentsMargins(0, 0, 0, 0)
        items_layout.addLayout(item_buttons)
        items_layout.addWidget(self.items, 1)
        self.lower = QTabWidget()
        self.lower.addTab(drill_page, "得分明细")
        self.lower.addTab(items_page, "加分/扣分项")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.message = MessageBar()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)
        ctx.bus.watch(self, [kinds.ASSESSMENT, kinds.MATTERS, kinds.MEETINGS], self.reload)
        load_when_shown(self, self.reload)

    # --- loading
    def reload(self) -> None:
        self.ctx.worker.submit(
            op(svc.schemes, self.ctx.actor), self._show_schemes, self.message.show_error
        )

    def _show_schemes(self, schemes: list[svc.SchemeRow]) -> None:
        self.schemes = schemes
        chosen = self.scheme.currentData()
        self.scheme.blockSignals(True)
        self.scheme.clear()
        for s in schemes:
            name = s.name if str(s.year) in s.name else f"{s.year}年 {s.name}"
            self.scheme.addItem(name + ("（已冻结）" if s.frozen else ""), s.id)
        self.scheme.setCurrentIndex(max(self.scheme.findData(chosen), 0))
        self.scheme.blockSignals(False)
        if not schemes:
            self.status.setText("还没有考核方案：请先“新建方案”（按默认指标建立，可改分值）。")
        self._fill_periods()

    def _current_scheme(self) -> svc.SchemeRow | None:
        sid = self.scheme.currentData()
        return next((s for s in self.schemes if s.id == sid), None)

    def _fill_periods(self) -> None:
        scheme = self._current_scheme()
        chosen = self.period.currentData()
        self.period.blockSignals(True)
        self.period.clear()
        for p in scheme.periods if scheme else []:
            self.period.addItem(p.title + ("（已关闭）" if p.closed else ""), p.id)
        index = self.period.findData(chosen)
        self.period.setCurrentIndex(index if index >= 0 else self.period.count() - 1)
        self.period.blockSignals(False)
        self.load_scores()

    def load_scores(self, version: int | None = None) -> None:
        pid = self.period.currentData()
        if pid is None:
            self.score_table = None
            self.table.set_rows([])
            self.drill.set_rows([])
            self.item_rows = []
            self._show_items()
            if self.schemes:
                self.status.setText("这个方案还没有考核期：请“新建考核期”，如 2027Q1。")
            return
        self.ctx.worker.submit(
            op(svc.scores, self.ctx.actor, pid, self.kind.currentData(), version),
            self._show_scores,
            self.message.show_error,
        )

    def _show_scores(self, table: svc.ScoreTable) -> None:
        self.score_table = table
        model = self.table.rows_model
        model.headers = ["名次", svc.TARGET_KINDS[table.target_kind], "总分"]
        model.headers += [f"{i.name}（{_pts(i.weight)}）" for i in table.indicators]
        self.table.set_rows(
            Row(
                (
                    str(t.rank),
                    t.name,
                    _pts(t.total),
                    *[f"{_pts(c.points)}｜{c.shown}" for c in t.cells],
                ),
                id=t.target_id,
            )
            for t in table.rows
        )
        self.table.resizeColumnsToContents()
        p = table.period
        if table.version:
            state = f"已关闭，第 {table.version} 版"
            if table.version > 1:
                state += f"（更正理由：{table.version_reason}）"
        else:
            state = "未关闭：得分随数据实时计算"
        self.status.setText(
            f"{p.title}（{p.starts_on.isoformat()} 至 {p.ends_on.isoformat()}）{state}。"
            "每格为“得分｜完成情况”。"
        )
        self.ctx.worker.submit(
            op(svc.items, self.ctx.actor, p.id, table.target_kind),
            self._got_items,
            self.message.show_error,
        )
        self.buttons["关闭考核期"].setEnabled(table.version == 0)
        self.buttons["更正…"].setEnabled(table.version > 0)
        self.version.setVisible(table.version > 0)
        if table.version:
            self.ctx.worker.submit(
                op(svc.versions, self.ctx.actor, p.id),
                lambda rows: self._show_versions(rows, table.version),
                self.message.show_error,
            )

    def _show_versions(self, rows: list[svc.VersionRow], shown: int) -> None:
        self.version.clear()
        for v in reversed(rows):
            current = "（现行）" if v.version == rows[-1].version else ""
            self.version.addItem(f"第 {v.version} 版{current}", v.version)
            self.version.setItemData(
                self.version.count() - 1,
                f"{v.made_at:%Y-%m-%d %H:%M} {v.made_by}：{v.reason}",
                Qt.ItemDataRole.ToolTipRole,
            )
        self.version.setCurrentIndex(max(self.version.findData(shown), 0))

    def _cell_clicked(self, index) -> None:
        table = self.score_table
        col = index.column() - 3  # 名次, 对象, 总分, then the indicators
        if table is None or not 0 <= col < len(table.indicators):
            return
        row = table.rows[index.row()]
        ind = table.indicators[col]
        self.show_drill(row.target_id, ind.code, f"{row.name} · {ind.name}")

    def show_drill(self, target_id: uuid.UUID, code: str, title: str) -> None:
        self.drill_title.setText(f"{title}：明细（按当前数据）")
        self.ctx.worker.submit(
            op(
                svc.drill,
                self.ctx.actor,
                self.period.currentData(),
                self.kind.currentData(),
                target_id,
                code,
            ),
            self._show_drill,
            self.message.show_error,
        )

    def _show_drill(self, rows: list[svc.DrillRow]) -> None:
        self.drill.set_rows(
            Row(
                (
                    r.kind,
                    r.ref,
                    r.day.isoformat() if r.day else "",
                    r.text,
                    "是" if r.counts else "否",
                    r.note,
                )
            )
            for r in rows
        )
        self.drill.resizeColumnToContents(0)
        if not rows:
            self.drill_title.setText(self.drill_title.text() + "——本期没有相关记录")

    def _got_items(self, rows: list[svc.ItemRow]) -> None:
        self.item_rows = rows
        self._show_items()

    def _show_items(self) -> None:
        table = self.score_table
        target = self.table.current_id()
        names = {t.target_id: t.name for t in table.rows} if table else {}
        inds = {i.code: i.name for i in table.indicators} if table else {}
        shown = [r for r in self.item_rows if target is None or r.target_id == target]
        self.items.set_rows(
            Row(
                (
                    names.get(r.target_id, ""),
                    inds.get(r.code, r.code),
                    f"{r.points:+g}",
                    r.reason,
                    r.file_name or "—",
                    f"{r.entered_at:%Y-%m-%d %H:%M}",
                    r.entered_by,
                ),
                id=r.id,
            )
            for r in shown
        )
        for col in (0, 5):
            self.items.resizeColumnToContents(col)
        whose = names.get(target, "全部对象") if target is not None else "全部对象"
        title = f"{table.period.title} · {whose}：{len(shown)} 项" if table else ""
        if table and table.version:
            title += "（考核期已关闭，不能撤销）"
        self.items_title.setText(title)
        self.lower.setTabText(1, f"加分/扣分项（{len(shown)}）")

    def _chosen_item(self) -> svc.ItemRow | None:
        iid = self.items.current_id()
        item = next((r for r in self.item_rows if r.id == iid), None)
        if item is None:
            self.lower.setCurrentIndex(1)
            self.message.error("请先在“加分/扣分项”中选择一项。")
        return item

    def open_attachment(self) -> None:
        if (item := self._chosen_item()) is None:
            return
        if not item.file_name:
            self.message.error("这一项录入时没有附件。")
            return

        def opened(result: tuple[str, bytes]) -> None:
            open_copy(*result, self.message.show_error, self.show_file)

        self.ctx.worker.submit(
            op(svc.item_attachment, self.ctx.actor, item.id), opened, self.message.show_error
        )

    def withdraw_item(self) -> None:
        if (item := self._chosen_item()) is None:
            return
        table = self.score_table
        who = (
            next((t.name for t in table.rows if t.target_id == item.target_id), "") if table else ""
        )
        dlg = FormDialog("撤销加分/扣分项", self)
        what = QLabel(f"{who}：{item.points:+g} 分，{item.reason}")
        what.setWordWrap(True)
        dlg.form.addRow("要撤销的项", what)
        reason = dlg.row("撤销理由", QPlainTextEdit(), "reason")
        reason.setFixedHeight(80)
        reason.setPlaceholderText("如：重复录入；依据不足")

        dlg.submit(
            self.ctx,
            lambda: op(svc.withdraw_item, self.ctx.actor, item.id, reason.toPlainText()),
            done=lambda _r: self.message.success(f"已撤销{who}的 {item.points:+g} 分。"),
        )
        self.dialog = dlg
        dlg.open()

    # --- actions
    def new_scheme(self) -> None:
        dlg = FormDialog("新建考核方案", self)
        year = dlg.row("年度", QSpinBox(), "year")
        year.setRange(2000, 2100)
        year.setValue(clock.today().year)
        name = dlg.row("方案名称", QLineEdit(), "name")
        name.setPlaceholderText("留空则为“某年度考核方案”")
        hint = QLabel("按默认指标建立：派驻单位 6 项自动计算、村社区 2 项，另有加分、扣分项。")
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        dlg.form.addRow(hint)

        def ok() -> None:
            run_op(
                self.ctx,
                op(svc.create_scheme, self.ctx.actor, year.value(), name.text()),
                message=dlg,
                done_text=None,
                done=lambda _i: self.message.success(f"已建立{year.value()}年考核方案。"),
            )

        dlg.on_ok = ok
        self.dialog = dlg
        dlg.open()

    def new_period(self) -> None:
        scheme = self._current_scheme()
        if scheme is None:
            self.message.error("请先新建考核方案。")
            return
        dlg = FormDialog(f"新建考核期 — {scheme.year}年", self)
        q = (clock.today().month - 1) // 3 + 1
        label = dlg.row("考核期", QLineEdit(f"{scheme.year}Q{q}"), "period")
        label.setPlaceholderText("季度 2027Q1；月份 2027-03；年度 2027")

        def ok() -> None:
            run_op(
                self.ctx,
                op(svc.open_period, self.ctx.actor, scheme.id, label.text()),
                message=dlg,
                done=lambda _i: self.message.success(f"已建立考核期 {label.text().strip()}。"),
            )

        dlg.on_ok = ok
        self.dialog = dlg
        dlg.open()

    def edit_indicators(self) -> None:
        scheme = self._current_scheme()
        if scheme is None:
            self.message.error("请先新建考核方案。")
            return
        dlg = IndicatorsDialog(self.ctx, scheme, self)
        label = svc.TARGET_KINDS.get(self.kind.currentData())
        for i in range(dlg.pages.count()):
            if dlg.pages.tabText(i) == label:
                dlg.pages.setCurrentIndex(i)
        dlg.saved = lambda n: self.message.success(
            f"已保存{scheme.year}年考核方案的指标（{n} 项有改动）。" if n else "指标没有改动。"
        )
        self.dialog = dlg
        dlg.open()

    def _chosen_period(self) -> uuid.UUID | None:
        pid = self.period.currentData()
        if pid is None:
            self.message.error("请先选择考核期。")
        return pid

    def close_period(self) -> None:
        if (pid := self._chosen_period()) is None:
            return
        run_op(
            self.ctx,
            op(svc.close_period, self.ctx.actor, pid),
            message=self.message,
            done_text="已关闭考核期：得分已保存为第 1 版，考核方案已冻结。",
        )

    def correct(self) -> None:
        if (pid := self._chosen_period()) is None:
            return
        dlg = FormDialog("更正已关闭考核期的得分", self)
        reason = dlg.row("更正理由", QPlainTextEdit(), "reason")
        reason.setFixedHeight(90)
        reason.setPlaceholderText("如：某督办单系误录，已撤销，重新计算")
        hint = QLabel("按当前数据重新计算，保存为新版本；原版本保留可查。")
        hint.setProperty("role", "hint")
        dlg.form.addRow(hint)

        def ok() -> None:
            run_op(
                self.ctx,
                op(svc.correct_period, self.ctx.actor, pid, reason.toPlainText()),
                message=dlg,
                done=lambda v: self.message.success(f"已保存更正后的第 {v} 版得分。"),
            )

        dlg.on_ok = ok
        self.dialog = dlg
        dlg.open()

    def new_item(self) -> None:
        table = self.score_table
        if table is None:
            self.message.error("请先选择考核期。")
            return
        manual = [i for i in table.indicators if i.kind == "manual"]
        dlg = FormDialog("录入加分/扣分", self)
        target = dlg.row("考核对象", QComboBox(), "target")
        for t in sorted(table.rows, key=lambda r: r.name):
            target.addItem(t.name, t.target_id)
        if (current := self.table.current_id()) is not None:
            target.setCurrentIndex(max(target.findData(current), 0))
        code = dlg.row("指标", QComboBox(), "code")
        for i in manual:
            code.addItem(f"{i.name}（分值 {_pts(i.weight)}）", i.code)
        points = dlg.row("分数", QDoubleSpinBox(), "points")
        points.setRange(-100, 100)
        points.setDecimals(1)
        points.setSingleStep(0.5)
        reason = dlg.row("理由", QPlainTextEdit(), "reason")
        reason.setFixedHeight(80)
        reason.setPlaceholderText("加分或扣分的事实依据")
        attach = QPushButton("选择附件…")
        dlg.row("附件（可选）", attach, "file")
        picked: dict[str, Path] = {}

        def choose() -> None:
            name = self.ask_open_path(dlg, "选择附件", "所有文件 (*)")
            if name:
                picked["path"] = Path(name)
                attach.setText(Path(name).name)

        attach.clicked.connect(choose)

        def ok() -> None:
            path = picked.get("path")
            try:
                if path:  # a huge file is refused before it is read on the GUI thread
                    svc.check_attachment_size(path.stat().st_size)
                data = path.read_bytes() if path else None
            except ValidationError as exc:
                dlg.show_error(exc)
                return
            except OSError as exc:
                dlg.show_error(ValidationError({"file": f"附件读不出来：{exc.strerror or exc}"}))
                return
            item = svc.ItemInput(
                self.period.currentData(),
                table.target_kind,
                target.currentData(),
                code.currentData(),
                points.value(),
                reason.toPlainText(),
                path.name if path else None,
                data,
            )
            note = "（考核期已关闭：作更正后计入）" if table.version else ""
            run_op(
                self.ctx,
                op(svc.add_item, self.ctx.actor, item),
                message=dlg,
                done=lambda _i: self.message.success(
                    f"已录入{target.currentText()}的{_pts(points.value())} 分{note}。"
                ),
            )

        dlg.on_ok = ok
        self.dialog = dlg
        dlg.open()

    def export(self, fmt: str, *, sheet: bool = False) -> None:
        table = self.score_table
        if table is None:
            self.message.error("请先选择考核期。")
            return
        target = None
        if sheet:
            target = self.table.current_id()
            if target is None:
                self.message.error("请先在表中选择一个考核对象，再导出其评分表。")
                return
        name = next((t.name for t in table.rows if t.target_id == target), "")
        what = f"{name}考核评分表" if sheet else f"{svc.TARGET_KINDS[table.target_kind]}考核排名表"
        suggested = str(Path.home() / f"{what}{table.period.label}.{fmt}")
        filters = "PDF 文件 (*.pdf)" if fmt == "pdf" else "Excel 表格 (*.xlsx)"
        path = self.ask_save_path(self, f"导出{what}", suggested, filters)
        if not path:
            return
        out = Path(path) if path.lower().endswith(f".{fmt}") else Path(f"{path}.{fmt}")

        def write(data: bytes) -> None:
            try:
                out.write_bytes(data)
            except OSError as exc:
                self.message.error(f"没有保存：{exc.strerror or exc}")
                return
            self.message.success(f"已导出{what}：{out}")

        run_op(
            self.ctx,
            op(svc.export, self.ctx.actor, table.period.id, table.target_kind, fmt, target),
            message=self.message,
            done=write,
        )

    def open_training(self) -> None:
        self.dialog = TrainingDialog(self.ctx, self)
        self.dialog.open()


class TrainingDialog(QDialog):
    """教育培训: this year's sessions, and 新增培训 to record one. Attributes tests use:
    ``table``, ``rows``, ``form``."""

    HEADERS = ["日期", "培训主题", "授课人", "学时", "参训人员"]

    def __init__(self, ctx: ViewContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[svc.TrainingRow] | None = None
        self.form: FormDialog | None = None
        self.units: list[svc.Choice] = []
        self.setWindowTitle("教育培训")
        self.resize(760, 440)
        self.table: RowsView = rows_view(self.HEADERS, 4)
        self.table.setAccessibleName("培训记录")
        self.message = MessageBar()
        add = QPushButton("新增培训…")
        add.clicked.connect(self.add)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(QLabel(f"{clock.today().year}年的培训（参训人员所在单位计入培训学时）"))
        row.addStretch(1)
        row.addWidget(add)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        if ctx is not None:
            ctx.bus.watch(self, [kinds.ASSESSMENT], self.reload)
            self.reload()
            ctx.worker.submit(
                op(svc.targets, ctx.actor, "unit"),
                lambda u: setattr(self, "units", u),
                self.message.show_error,
            )

    def reload(self) -> None:
        year = clock.today().year
        self.ctx.worker.submit(
            op(svc.trainings, self.ctx.actor, date(year, 1, 1), date(year, 12, 31)),
            self._show,
            self.message.show_error,
        )

    def _show(self, rows: list[svc.TrainingRow]) -> None:
        self.rows = rows
        self.table.set_rows(
            Row(
                (r.day.isoformat(), r.topic, r.trainer, _pts(r.hours), "、".join(r.attendees)),
                id=r.id,
            )
            for r in rows
        )
        self.table.resizeColumnsToContents()

    def add(self) -> None:
        dlg = FormDialog("新增教育培训", self)
        day = dlg.row("日期", date_edit(), "day")
        topic = dlg.row("培训主题", QLineEdit(), "topic")
        trainer = dlg.row("授课人", QLineEdit(), "trainer")
        hours = dlg.row("学时", QDoubleSpinBox(), "hours")
        hours.setRange(0, 24)
        hours.setDecimals(1)
        hours.setSingleStep(0.5)
        people = dlg.row("参训人员", QPlainTextEdit(), "attendees")
        people.setFixedHeight(110)
        units = "、".join(u.name for u in self.units[:3])
        people.setPlaceholderText(f"每行一人：姓名 单位（单位写全称，如 {units}）")

        def ok() -> None:
            data = svc.TrainingInput(
                day.date().toPython(),
                topic.text(),
                trainer.text(),
                hours.value(),
                svc.parse_attendees(people.toPlainText(), self.units),
            )
            run_op(
                self.ctx,
                op(svc.record_training, self.ctx.actor, data),
                message=dlg,
                done=lambda _i: self.message.success(f"已记录培训“{data.topic.strip()}”。"),
            )

        dlg.on_ok = ok
        self.form = dlg
        dlg.open()


class IndicatorsDialog(FormDialog):
    """编辑指标: the scheme's indicators, a page per kind of target, each with its weight, 启用
    and (computed ones) the bounds of its rule; the total weight of the indicators in use is
    shown as it is typed. 确定 saves every line at once through ``set_indicators``: a bad field
    is marked under itself and nothing is saved. Attributes tests use: ``pages``, ``weights``,
    ``actives``, ``params`` (by indicator id), ``totals`` (by target kind), ``saved``."""

    PARAM_COLUMNS = tuple(svc.PARAM_NAMES)

    def __init__(self, ctx: ViewContext | None, scheme: svc.SchemeRow, parent=None):
        super().__init__(f"编辑指标 — {scheme.name}", parent)
        self.ctx = ctx
        self.scheme = scheme
        self.saved: Callable[[int], None] = lambda _n: None
        self.weights: dict[uuid.UUID, QLineEdit] = {}
        self.actives: dict[uuid.UUID, QCheckBox] = {}
        self.params: dict[uuid.UUID, dict[str, QLineEdit]] = {}
        self.totals: dict[str, QLabel] = {}
        self.setMinimumWidth(720)
        if scheme.frozen:
            frozen = QLabel("该方案已有关闭的考核期，已冻结：指标只能查看，不能再修改。")
            frozen.setProperty("role", "error")
            frozen.setWordWrap(True)
            self.form.addRow(frozen)
        hint = QLabel(
            "分值为该项最多可得的分数；满分值、零分值为完成情况在两端时的取值（之间按比例），"
            "无数据得分比例为没有可计的事项时给分值的几成（0 到 1）。"
        )
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        self.form.addRow(hint)
        self.pages = QTabWidget()
        for kind, label in svc.TARGET_KINDS.items():
            rows = [i for i in scheme.indicators if i.target_kind == kind]
            if rows:
                self.pages.addTab(self._page(kind, rows), label)
        self.form.addRow(self.pages)
        self.on_ok = self._save
        if scheme.frozen:  # shown as it is, not offered for typing (the service refuses anyway)
            for edit in [*self.weights.values()] + [
                e for p in self.params.values() for e in p.values()
            ]:
                edit.setReadOnly(True)
            for box in self.actives.values():
                box.setEnabled(False)

    def _field(self, key: str, widget: QWidget) -> FieldRow:
        self.fields[key] = FieldRow(widget)
        return self.fields[key]

    def _page(self, kind: str, rows: list[svc.IndicatorRow]) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        heads = ["指标", "类型", "启用", "分值", *svc.PARAM_NAMES.values()]
        for col, text in enumerate(heads):
            head = QLabel(text)
            head.setProperty("role", "hint")
            grid.addWidget(head, 0, col)
        top = Qt.AlignmentFlag.AlignTop
        for r, ind in enumerate(rows, 1):
            grid.addWidget(QLabel(ind.name), r, 0, top)
            grid.addWidget(QLabel("自动计算" if ind.kind == "computed" else "加分/扣分"), r, 1, top)
            on = QCheckBox()
            on.setChecked(ind.active)
            on.setAccessibleName(f"{ind.name} 启用")
            on.toggled.connect(lambda _c, k=kind: self._total(k))
            self.actives[ind.id] = on
            grid.addWidget(on, r, 2, top)
            weight = QLineEdit(_pts(ind.weight))
            weight.setAccessibleName(f"{ind.name} 分值")
            weight.setMaximumWidth(90)
            weight.textChanged.connect(lambda _t, k=kind: self._total(k))
            self.weights[ind.id] = weight
            grid.addWidget(self._field(f"{ind.id}.weight", weight), r, 3, top)
            self.params[ind.id] = {}
            if ind.kind != "computed":
                continue
            for c, name in enumerate(self.PARAM_COLUMNS, 4):
                if name not in ind.params:
                    continue
                edit = QLineEdit(_pts(float(ind.params[name])))
                edit.setAccessibleName(f"{ind.name} {svc.PARAM_NAMES[name]}")
                edit.setMaximumWidth(90)
                self.params[ind.id][name] = edit
                grid.addWidget(self._field(f"{ind.id}.{name}", edit), r, c, top)
        total = QLabel()
        self.totals[kind] = total
        grid.addWidget(total, len(rows) + 1, 0, 1, len(heads))
        grid.setColumnStretch(0, 1)
        grid.setRowStretch(len(rows) + 2, 1)
        self._total(kind)
        return page

    def _total(self, kind: str) -> None:
        full = deduct = 0.0
        for ind in self.scheme.indicators:
            if ind.target_kind != kind or not self.actives[ind.id].isChecked():
                continue
            try:
                w = float(self.weights[ind.id].text())
            except ValueError:
                continue
            if ind.code == "deduction":
                deduct += w
            else:
                full += w
        text = f"启用指标的分值合计：{_pts(full)} 分"
        if deduct:
            text += f"（另有扣分项最多扣 {_pts(deduct)} 分）"
        self.totals[kind].setText(text)

    def changes(self) -> list[svc.IndicatorChange]:
        return [
            svc.IndicatorChange(
                iid,
                self.weights[iid].text(),
                self.actives[iid].isChecked(),
                {name: edit.text() for name, edit in self.params[iid].items()},
            )
            for iid in self.weights
        ]

    def _save(self) -> None:
        run_op(
            self.ctx,
            op(svc.set_indicators, self.ctx.actor, self.scheme.id, self.changes()),
            message=self,
            done=lambda n: self.saved(n),
        )

    def show_error(self, exc: BaseException | str) -> None:
        """A bad field on another page brings that page forward."""
        super().show_error(exc)
        bad = [self.fields[k] for k in getattr(exc, "fields", {}) if k in self.fields]
        if bad and (index := self.pages.indexOf(bad[0].parentWidget())) >= 0:
            self.pages.setCurrentIndex(index)
