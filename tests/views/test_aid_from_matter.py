"""社会救助 from the handling tab: 更多 → 登记社会救助… opens the aid form filled in with the
求助 matter's person; a refused save keeps the dialog and what was typed; the saved record is
linked to the matter and shows on its timeline."""

from __future__ import annotations

from sqlalchemy import select

from app.models import AidRecord, EventKind, Matter
from tests.conftest import actor
from tests.services.test_intake import VALID_ID, make_input
from tests.views.test_handling_tab import (  # noqa: F401  (the fixture keeps windows alive)
    LEFT,
    _windows_kept_until_their_work_is_done,
    choose_matter,
    dialog,
    open_tab,
    pick,
    trigger,
    type_into,
)


def test_aid_record_made_from_a_help_matter(qtbot, db):
    from app.services.reception import intake

    with db.write() as s:
        data = make_input(db, category="求助", summary="家中失火，生活困难，申请临时救助。")
        mid = intake.register_matter(s, actor(db, "jiedai"), data).id
    _w, tab = open_tab(qtbot, db, "jiedai")
    choose_matter(qtbot, tab)
    trigger(qtbot, tab, "aid")
    dlg = dialog(qtbot, tab)
    assert "登记社会救助" in dlg.windowTitle()
    assert dlg.inputs["name"].text() == "王𠮷"
    assert dlg.inputs["id_number"].text() == VALID_ID
    assert dlg.inputs["aid_type"].currentText() == "临时救助"
    # No village, amount or approver yet: refused, the dialog stays with what it holds.
    qtbot.mouseClick(dlg.save_button, LEFT)
    qtbot.waitUntil(lambda: "需要改正" in dlg.message.text(), timeout=5000)
    assert dlg.isVisible() and "请填写救助金额（元）" in dlg.errors["amount"].text()
    pick(qtbot, dlg.inputs["village_id"], "白石村")
    type_into(qtbot, dlg.inputs["amount"], "1800.5")
    type_into(qtbot, dlg.inputs["approver"], "白石街道办事处")
    qtbot.mouseClick(dlg.save_button, LEFT)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: "已登记社会救助" in tab.message.text(), timeout=5000)
    with db.read() as s:
        (record,) = s.scalars(select(AidRecord)).all()
        assert (record.matter_id, str(record.amount), record.approver) == (
            mid,
            "1800.50",
            "白石街道办事处",
        )
        assert s.get(Matter, mid).events[-1].kind == EventKind.AID
    qtbot.waitUntil(lambda: "社会救助" in tab.detail.toPlainText(), timeout=5000)
