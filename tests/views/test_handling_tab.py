"""事项办理: a matter routed, handled and closed with feedback, through the tab's buttons."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from sqlalchemy import select

from app.core import clock
from app.gui import build_main_window
from app.models import ArrangementKind, Matter, MatterStatus, Satisfaction, Unit
from app.services.reception import intake
from app.services.reception.flow import Move
from app.views.combos import find_data
from app.views.handling_tab import MoveDialog
from tests.conftest import actor
from tests.services.test_intake import make_input


def filled(answers: dict):
    """A MoveDialog that a person filled in and confirmed."""

    class Filled(MoveDialog):
        def exec(self):
            for key, value in answers.get(self.move, {}).items():
                widget = getattr(self, key)
                if hasattr(widget, "setPlainText"):
                    widget.setPlainText(value)
                elif hasattr(widget, "findData"):
                    widget.setCurrentIndex(find_data(widget, value))
                else:
                    widget.setText(value)
            return QDialog.DialogCode.Accepted

    return Filled


def test_route_handle_and_close_with_feedback(qtbot, db, tmp_path):
    director = actor(db, "zhuren")
    with db.write() as s:
        mid = intake.register_matter(s, director, make_input(db)).id
        unit = s.scalar(select(Unit.id).where(Unit.name == "司法所"))
    w = build_main_window(db, director)
    qtbot.addWidget(w)
    w.show()
    tab = w.handling
    w.tabs.setCurrentWidget(tab)
    tab.dialog_factory = filled(
        {
            Move.ROUTE: {"unit": unit, "handler": "王调解"},
            Move.COMPLETE: {"text": "双方达成协议，已履行。"},
            Move.FEEDBACK: {"satisfaction": Satisfaction.SATISFIED, "text": "群众表示感谢"},
            Move.RETURN: {"text": " "},
        }
    )
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)
    tab.table.selectRow(0)
    qtbot.waitUntil(lambda: Move.ROUTE in tab.buttons, timeout=5000)
    assert set(tab.buttons) == {
        Move.ROUTE,
        Move.REJECT,
        Move.TRANSFER,
        "supervise",
        "attach",
        "arrange",
        "team",
        "leader",
    }
    # 领导接访 and 组团服务 on the same matter.
    tab.leader_input = lambda labels: (labels[0], True)
    qtbot.mouseClick(tab.buttons["leader"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "领导接访：周主任" in tab.detail.toPlainText(), timeout=5000)
    tab.team_input = lambda: ("噪音专班", "执法队王某、网格员李某", True)
    qtbot.mouseClick(tab.buttons["team"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "组团服务：噪音专班" in tab.detail.toPlainText(), timeout=5000)
    tab.message.clear()

    def press(move: Move, then: MatterStatus) -> None:
        qtbot.waitUntil(lambda: move in tab.buttons, timeout=5000)
        qtbot.mouseClick(tab.buttons[move], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: tab.message.text() != "", timeout=5000)
        assert tab.message.text() == f"已{move.label}。"
        assert tab.message.level == "success"  # green, not red like a refusal
        tab.message.clear()
        with db.read() as s:
            assert s.get(Matter, mid).status == then

    press(Move.ROUTE, MatterStatus.ROUTED)
    # A scanned letter is attached and appears under the matter.
    scan = tmp_path / "来信.pdf"
    scan.write_bytes(b"%PDF-1.4 letter")
    tab.choose_file = lambda: str(scan)
    qtbot.mouseClick(tab.buttons["attach"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.files.count() == 1, timeout=5000)
    assert "来信.pdf" in tab.files.item(0).text()
    tab.message.clear()
    # An appointment with two units today, then its outcome.
    now = clock.now().replace(second=0, microsecond=0)
    tab.arrangement_dialog_factory = lambda parent: type(
        "Filled",
        (),
        {
            "exec": lambda self: QDialog.DialogCode.Accepted,
            "values": lambda self: {
                "kind": ArrangementKind.APPOINTMENT,
                "at": now,
                "parties": "司法所、派出所",
                "staff": "",
                "promised_by": None,
            },
        },
    )()
    qtbot.mouseClick(tab.buttons["arrange"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(str(k).startswith("outcome:") for k in tab.buttons), timeout=5000)
    tab.outcome_input = lambda row: ("三方现场协调。", True)
    key = next(k for k in tab.buttons if str(k).startswith("outcome:"))
    qtbot.mouseClick(tab.buttons[key], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "结果：三方现场协调。" in tab.detail.toPlainText(), timeout=5000)
    tab.message.clear()
    # The director supervises the unit; the 督办单 opens for printing; the unit replies.
    tab.supervision_dialog_factory = lambda lookups, parent: type(
        "Filled",
        (),
        {
            "exec": lambda self: QDialog.DialogCode.Accepted,
            "values": lambda self: (unit, "请三日内答复群众。", clock.today() + timedelta(days=3)),
        },
    )()
    qtbot.mouseClick(tab.buttons["supervise"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.preview is not None and tab.preview.isVisible(), timeout=5000)
    assert "督　办　单" in PdfReader(io.BytesIO(tab.preview.pdf)).pages[0].extract_text()
    qtbot.waitUntil(
        lambda: (
            f"reply:BSDB{clock.today().year}-A-001" in tab.buttons
            or any(str(k).startswith("reply:") for k in tab.buttons)
        ),
        timeout=5000,
    )
    tab.reply_input = lambda order: ("已答复群众。", True)
    qtbot.mouseClick(
        tab.buttons[f"reply:BSDB{clock.today().year}-A-001"], Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: "已回复督办" in tab.message.text(), timeout=5000)
    qtbot.waitUntil(lambda: not any(str(k).startswith("reply:") for k in tab.buttons), timeout=5000)
    tab.message.clear()
    press(Move.ACCEPT, MatterStatus.IN_PROGRESS)
    # An empty reason is refused with a message and changes nothing.
    qtbot.mouseClick(tab.buttons[Move.RETURN], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "请填写退回理由" in tab.message.text(), timeout=5000)
    tab.message.clear()
    press(Move.COMPLETE, MatterStatus.DONE)
    tab.view_filter.setCurrentIndex(tab.view_filter.findData(MatterStatus.DONE))
    press(Move.FEEDBACK, MatterStatus.FED_BACK)
    press(Move.ARCHIVE, MatterStatus.ARCHIVED)
    qtbot.waitUntil(lambda: not tab.buttons, timeout=5000)
    assert "办结" in tab.detail.toPlainText() and "群众表示感谢" in tab.detail.toPlainText()
    with db.read() as s:
        m = s.get(Matter, mid)
        assert m.result == "双方达成协议，已履行。" and m.satisfaction == Satisfaction.SATISFIED
    w.ctx.worker.wait()
