"""Every window fits a 1366×768 laptop: the main window with each tab of each role, every dialog
under app/views (found by looking for QDialog subclasses, not by a hand-kept list), and the
receipt preview with its 打印/另存为/关闭. Every visible button lies inside its window."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QDialog,
    QMainWindow,
    QPushButton,
    QToolButton,
    QWidget,
)
from sqlalchemy import select

import app.views
from app.gui import build_main_window
from app.services.center.reference import load_lookups
from app.services.command.importing import ImportReport
from app.services.reception.flow import Move
from app.views.widgets import screen
from app.views.widgets.screen import (
    install_screen_fitter,
    simulate_screen,
)
from tests.conftest import actor

LAPTOP = QRect(0, 0, 1366, 728)  # 1366×768 less a 40-pixel task bar
# 1920×1080 at 150 %: 1280×720 logical pixels, less the task bar (40 logical pixels)
SCALED_150 = QRect(0, 0, 1280, 680)
ROLES = ["jiedai", "tiaojie", "zixun", "zhuren", "admin", "wangge"]


def _grid_worker(db) -> None:
    """A 网格员 account (wangge) with its grid in 白石村: its window has the 本网格 tab."""
    from app.models import Role, Village
    from app.services.center import grids
    from app.services.security import auth
    from tests.conftest import STAFF_PASSWORD

    admin = actor(db, "admin")
    with db.write() as s:
        u = auth.create_user(s, admin, "wangge", "张网格", Role.GRID_WORKER, STAFF_PASSWORD)
        village = s.scalar(select(Village.id).where(Village.name == "白石村"))
        data = grids.GridInput(village, "BS-01", "白石一网格", worker_name="张网格")
        grids.save_grid(s, admin, None, replace(data, worker_user_id=u.id))


@pytest.fixture(params=[LAPTOP, SCALED_150], ids=["1366x768", "1920x1080@150%"])
def screen_area(request):
    return request.param


@pytest.fixture
def laptop(themed):
    """The program's theme (its paddings make widgets taller) on a simulated laptop screen;
    theme and fitter come off after the test (conftest ``_application_as_found``)."""
    install_screen_fitter(themed)
    simulate_screen(LAPTOP)
    yield LAPTOP
    simulate_screen(None)


def a4_pdf() -> bytes:
    """One A4 page, as a receipt is."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.drawString(72, 720, "receipt")
    page.save()
    return out.getvalue()


def _inside_scroll_area(widget: QWidget, window: QWidget) -> bool:
    w = widget.parentWidget()
    while w is not None and w is not window:
        if isinstance(w, QAbstractScrollArea):
            return True
        w = w.parentWidget()
    return False


def misplaced(window: QWidget, area: QRect) -> list[str]:
    """What a user at this screen could not reach: the window past the screen's edge, or a
    button outside its window (a button in a scroll area is reached by scrolling)."""
    problems = []
    geo = window.geometry()
    if geo.width() > area.width() or geo.height() > area.height():
        problems.append(f"{window.windowTitle()!r} is {geo.width()}×{geo.height()}")
    elif not area.contains(geo):
        problems.append(f"{window.windowTitle()!r} at {geo} lies off the screen")
    inside = window.rect()
    for button in window.findChildren(QAbstractButton):
        if not isinstance(button, QPushButton | QToolButton) or not button.isVisibleTo(window):
            continue
        if button.window() is not window or _inside_scroll_area(button, window):
            continue
        rect = QRect(button.mapTo(window, QPoint(0, 0)), button.size())
        if not inside.contains(rect):
            problems.append(f"{window.windowTitle()!r}: button {button.text()!r} at {rect}")
    return problems


@pytest.mark.parametrize("username", ROLES)
def test_the_main_window_and_each_tab_fit_a_laptop_screen(qtbot, db, laptop, screen_area, username):
    simulate_screen(screen_area)
    laptop = screen_area
    if username == "wangge":
        _grid_worker(db)
    w = build_main_window(db, actor(db, username))
    qtbot.addWidget(w)
    w.show()
    problems = []
    for i in range(w.tabs.count()):
        w.tabs.setCurrentIndex(i)
        qtbot.wait(30)
        problems += [f"{w.tabs.tabText(i)}: {p}" for p in misplaced(w, laptop)]
    w.lock()
    problems += [f"lock screen: {p}" for p in misplaced(w, laptop)]
    assert problems == []


def _all_dialog_classes() -> set[type]:
    for info in pkgutil.walk_packages(app.views.__path__, "app.views."):
        importlib.import_module(info.name)
    found, todo = set(), [QDialog]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("app.views.") and sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def _mapping_plan():
    """A plan of a wide ledger (20 columns, 12 values to map, two templates)."""
    from app.services.command import importing as imp

    fields = [s.label for s in imp.MATTER_FIELDS]
    cols = [
        imp.ColumnPlan(
            i, f"很长的列名第{i}列（含说明）", ["示例值很长很长很长"] * 3, fields[i % 17]
        )
        for i in range(20)
    ]
    values = [
        imp.ValuePlan("类别", f"邻里纠纷{i}", 12, "矛盾纠纷", ["矛盾纠纷"]) for i in range(12)
    ]
    t = imp.Template("模板", "matters", [], {})
    return imp.ImportPlan(
        "matters", ["1月", "2月"], "1月", 3, cols, fields, ["受理时间"], values, 2026, False,
        [t, t],
    )  # fmt: skip


def _scheme(assessment):
    """A frozen scheme with the default indicators, to show in 编辑指标."""
    import uuid

    rows = [
        assessment.IndicatorRow(
            uuid.uuid4(), i.target_kind, i.code, i.name, i.kind, i.weight, i.params
        )  # fmt: skip
        for i in assessment.default_indicators()
    ]
    return assessment.SchemeRow(uuid.uuid4(), 2027, "2027年度考核方案", True, rows, [])


def _dialogs(window: QMainWindow, db):
    """One instance (or several) of each dialog class, with test data."""
    import uuid

    from app.db import damaged_message
    from app.models import ReviewKind
    from app.services.center.deadline_recompute import Moved
    from app.services.command import assessment
    from app.services.reception.petitions import ReviewView
    from app.services.reception.supervision import OrderDefaults
    from app.views.assessment_tab import IndicatorsDialog, TrainingDialog
    from app.views.change_password_dialog import ChangePasswordDialog
    from app.views.command_tab import AlertListDialog, MatterListDialog
    from app.views.deadline_recompute_dialog import DeadlineRecomputeDialog
    from app.views.duty_tab import ReportDialog
    from app.views.exchange_dialog import ImportBundleDialog
    from app.views.first_run_wizard import FirstRunWizard
    from app.views.grid_page import GridBreakdownDialog, GridStatsDialog
    from app.views.handling_tab import (
        ArrangementDialog,
        LeaderDialog,
        MoveDialog,
        SupervisionDialog,
        TeamDialog,
        TextDialog,
    )
    from app.views.help import ManualDialog, ShortcutsDialog
    from app.views.holiday_notice_dialog import HolidayNoticeDialog
    from app.views.import_mapping_dialog import ImportMappingDialog
    from app.views.import_report_dialog import ImportReportDialog
    from app.views.key_people import DueVisitsDialog, InspectionLogDialog, VisitLogDialog
    from app.views.login_dialog import LoginDialog
    from app.views.pdf_preview_dialog import PdfPreviewDialog
    from app.views.procedure_dialogs import (
        AssignmentDialog,
        PauseDialog,
        ResumeDialog,
        ReviewDecisionDialog,
        ReviewRequestDialog,
        UpperResultDialog,
    )
    from app.views.recovery_dialog import RecoveryDialog
    from app.views.register_dialog import RegisterRecordDialog
    from app.views.settings_tab import UserDialog
    from app.views.superior_stats_dialog import StatsExportDialog
    from app.views.widgets import FormDialog

    ctx = window.ctx
    lookups = ctx.worker.call_now(load_lookups)
    from app.services.command import registers

    made: dict[type, list[QDialog]] = {
        MoveDialog: [MoveDialog(m, lookups, date(2027, 1, 8), window) for m in Move],
        SupervisionDialog: [
            SupervisionDialog(lookups, OrderDefaults(lookups.units[0].id, date(2027, 1, 8)), window)
        ],
        ArrangementDialog: [ArrangementDialog(window)],
        TeamDialog: [TeamDialog(window)],
        LeaderDialog: [LeaderDialog(lookups.staff, window)],
        TextDialog: [
            TextDialog("回复督办", "办理情况回复", "text", "督办单 BSDB2027-A-001" * 5, window)
        ],
        MatterListDialog: [MatterListDialog(ctx, ("open",), "在办事项", parent=window)],
        AlertListDialog: [AlertListDialog(ctx, parent=window)],
        GridBreakdownDialog: [GridBreakdownDialog(ctx, None, "未填村社区", window)],
        GridStatsDialog: [GridStatsDialog(ctx, window)],
        TrainingDialog: [TrainingDialog(ctx, window)],
        IndicatorsDialog: [IndicatorsDialog(ctx, _scheme(assessment), window)],
        ImportBundleDialog: [ImportBundleDialog(ctx, window)],
        ImportReportDialog: [ImportReportDialog(ImportReport("x", "网格事件", "a.xlsx"), window)],
        ImportMappingDialog: [ImportMappingDialog(_mapping_plan(), "台账.xlsx", "事项", window)],
        LoginDialog: [LoginDialog(ctx.worker, "白石综治中心", "A", [("u", "p", "r")] * 6)],
        FirstRunWizard: [FirstRunWizard(ctx.worker)],
        PdfPreviewDialog: [PdfPreviewDialog(a4_pdf(), "受理回执", "a.pdf", window)],
        RegisterRecordDialog: [
            RegisterRecordDialog(ctx, kind, lookups, parent=window) for kind in registers.REGISTERS
        ],
        UserDialog: [UserDialog(window)],
        VisitLogDialog: [VisitLogDialog(ctx, uuid.uuid4(), "张三", window)],
        DueVisitsDialog: [DueVisitsDialog(ctx, window)],
        InspectionLogDialog: [InspectionLogDialog(ctx, uuid.uuid4(), "白石村12号出租房", window)],
        FormDialog: [FormDialog("表单", window)],
        ShortcutsDialog: [ShortcutsDialog(window.shortcut_rows(), window)],
        ManualDialog: [ManualDialog(window)],
        ReportDialog: [ReportDialog(ctx, [], None, window)],
        ChangePasswordDialog: [ChangePasswordDialog(ctx, window)],
        StatsExportDialog: [StatsExportDialog(ctx, window)],
        RecoveryDialog: [
            RecoveryDialog(
                db.path or Path("zongzhi.sqlite3"),
                damaged_message(db.path, "database disk image is malformed"),
            )
        ],
        HolidayNoticeDialog: [HolidayNoticeDialog(ctx, 2027, window)],
        PauseDialog: [PauseDialog(window)],
        ResumeDialog: [ResumeDialog("2027-01-05 09:30", window)],
        ReviewRequestDialog: [ReviewRequestDialog(k.label, window) for k in ReviewKind],
        ReviewDecisionDialog: [
            ReviewDecisionDialog(
                ReviewView(
                    uuid.uuid4(),
                    ReviewKind.REVIEW,
                    "县信访局",
                    "不服处理意见" * 20,
                    date(2027, 1, 5),
                    date(2027, 2, 4),
                    "",
                    None,
                    "",
                ),
                window,
            )
        ],
        AssignmentDialog: [AssignmentDialog(_procedure_state(), date(2027, 1, 8), window)],
        UpperResultDialog: [UpperResultDialog(date(2027, 1, 5), window)],
        DeadlineRecomputeDialog: [
            DeadlineRecomputeDialog(
                ctx,
                2027,
                [
                    Moved(uuid.uuid4(), f"BS2027-A-{i:06d}", date(2027, 2, 9), date(2027, 2, 24))
                    for i in range(1, 40)
                ],
                window,
            )
        ],
    }
    return made


def _procedure_state():
    from app.services.reception.petitions import ProcedureState

    return ProcedureState(
        True, None, "", True, None, None, None, [], True, "县综治中心", "县综治交〔2027〕3号",
        date(2027, 1, 20), None,
    )  # fmt: skip


# Dialogs this test cannot build with test data alone (an abstract base); a new dialog class must be
# added to _dialogs or here.
NOT_CONSTRUCTED: set[str] = {"RecordLogDialog"}  # the base of the two logs, both opened


def test_every_dialog_fits_a_laptop_screen(qtbot, db, laptop, screen_area):
    simulate_screen(screen_area)
    laptop = screen_area
    w = build_main_window(db, actor(db, "zhuren"))
    qtbot.addWidget(w)
    w.show()
    made = _dialogs(w, db)
    classes = _all_dialog_classes()
    missing = {c.__qualname__ for c in classes if not made.get(c)} - NOT_CONSTRUCTED
    assert missing == set(), "dialogs this test does not open"
    problems = []
    for dialogs in made.values():
        for dialog in dialogs:
            if dialog.parent() is None:
                qtbot.addWidget(dialog)
            dialog.show()
            qtbot.wait(10)
            problems += misplaced(dialog, laptop)
            dialog.hide()
    w.ctx.worker.wait()
    assert problems == []


def test_the_receipt_preview_shows_its_buttons_on_a_laptop(qtbot, laptop):
    from app.views.pdf_preview_dialog import PdfPreviewDialog

    dialog = PdfPreviewDialog(a4_pdf(), "受理回执", "a.pdf")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.height() <= laptop.height() - screen.MARGIN.height()
    texts = {
        b.text()
        for b in dialog.findChildren(QPushButton)
        if b.isVisible() and dialog.rect().contains(QRect(b.mapTo(dialog, QPoint()), b.size()))
    }
    assert {"打印(&P)", "另存为(&S)…", "关闭"} <= texts


def test_a_window_larger_than_the_screen_is_brought_inside_it_when_shown(qtbot, laptop):
    dialog = QDialog()
    qtbot.addWidget(dialog)
    dialog.resize(720, 900)
    dialog.move(900, 100)
    dialog.show()
    assert laptop.contains(dialog.geometry())
    assert dialog.height() <= 768 - screen.MARGIN.height()


def test_the_main_window_remembers_its_place_per_user(qtbot, db, laptop):
    w = build_main_window(db, actor(db, "jiedai"))
    qtbot.addWidget(w)
    w.show()
    w.setGeometry(2, 90, 760, 560)  # the test screen is 800 wide
    placed = w.geometry()
    w.close()
    other = build_main_window(db, actor(db, "zhuren"))
    qtbot.addWidget(other)
    other.show()
    assert other.geometry() != placed
    other.showMaximized()
    other.close()
    again = build_main_window(db, actor(db, "jiedai"))
    qtbot.addWidget(again)
    again.show()
    assert again.geometry() == placed
    director = build_main_window(db, actor(db, "zhuren"))
    qtbot.addWidget(director)
    assert director.isMaximized()
    # the screen shrank since: the window comes back inside it
    again.setGeometry(600, 300, 1300, 700)
    again.close()
    simulate_screen(QRect(0, 0, 1024, 600))
    small = build_main_window(db, actor(db, "jiedai"))
    qtbot.addWidget(small)
    small.show()
    assert QRect(0, 0, 1024, 600).contains(small.geometry())
    QApplication.processEvents()
