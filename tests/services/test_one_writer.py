"""One writer of a matter's state: only ``flow`` moves a matter's status, registration goes
through the flow's rules (who may route, AB岗), and every timeline step has its audit row."""

from __future__ import annotations

import ast
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.errors import PermissionDenied, ValidationError
from app.models import AuditEntry, Matter, MatterEvent, MatterStatus, Role, Unit
from app.services.reception import flow, intake, posts
from app.services.security import auth
from tests.conftest import actor
from tests.services.test_intake import make_input

APP = Path(__file__).resolve().parents[2] / "app"
FLOW = APP / "services" / "reception" / "flow.py"


def _matter_status_names(tree: ast.Module) -> set[str]:
    """The names that stand for ``MatterStatus`` in a module (imported as, or ``S = …``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names if a.name == "MatterStatus"}
    changed = True
    while changed:
        changed = False
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Name)
                and node.value.id in names
            ):
                for t in node.targets:
                    if isinstance(t, ast.Name) and t.id not in names:
                        names.add(t.id)
                        changed = True
    return names


def _mentions(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _sets_matter_status(owners: list[ast.expr], value: ast.expr, names: set[str]) -> bool:
    """A MatterStatus member is assigned; or a value that is no other kind of status (a
    variable, ``rule.target``) to the status of something named like a matter (m, matter)."""
    if _mentions(value, names):
        return True
    if any(isinstance(n, ast.Name) and n.id.endswith("Status") for n in ast.walk(value)):
        return False  # CaseStatus, MeetingStatus …
    return any(
        isinstance(o, ast.Name) and (o.id == "m" or "matter" in o.id.lower()) for o in owners
    )


def _is_registered(node: ast.AST, names: set[str]) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "REGISTERED"
        and isinstance(node.value, ast.Name)
        and node.value.id in names
    )


def status_writes(path: Path) -> list[str]:
    """Places in ``path`` that set a matter's status: ``x.status = <a MatterStatus>`` (also in
    tuple assignments), and ``Matter(status=…)`` with anything but ``REGISTERED``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = _matter_status_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            flat = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
            owners = [t.value for t in flat if isinstance(t, ast.Attribute) and t.attr == "status"]
            if owners and node.value is not None and _sets_matter_status(owners, node.value, names):
                found.append(f"{path.name}:{node.lineno}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "Matter"
        ):
            for kw in node.keywords:
                if kw.arg == "status" and not _is_registered(kw.value, names):
                    found.append(f"{path.name}:{node.lineno} Matter(status=…)")
    return found


def test_the_scan_finds_a_status_written_outside_the_flow(tmp_path):
    path = tmp_path / "sample.py"
    path.write_text(
        "from app.models import Matter, MatterStatus as MS\n"
        "S = MS\n"
        "def f(m, c):\n"
        "    m.status = S.ROUTED\n"
        "    c.status = CaseStatus.OPEN\n"
        "    m.status = MeetingStatus.ISSUED\n"
        "    matter.status = rule.target\n"
        "    c.status = target\n"
        "    m.updated_at, m.status = 1, MS.DONE\n"
        "    Matter(status=MS.REGISTERED)\n"
        "    Matter(status=MS.ANSWERED)\n",
        encoding="utf-8",
    )
    assert status_writes(path) == [
        "sample.py:4",
        "sample.py:7",
        "sample.py:9",
        "sample.py:11 Matter(status=…)",
    ]


def test_only_the_flow_changes_a_matters_status():
    writes = [w for p in sorted(APP.rglob("*.py")) if p != FLOW for w in status_writes(p)]
    assert writes == [], "a matter's status is changed only in app/services/reception/flow.py"
    assert status_writes(FLOW), "the flow itself is found by the scan"


def unit(db, name):
    with db.read() as s:
        return s.scalar(select(Unit.id).where(Unit.name == name))


def test_a_mediator_registering_with_a_unit_gets_the_flows_answer(db, receptionist):
    mediator = actor(db, "tiaojie")
    office = unit(db, "司法所")
    with db.write() as s:
        mid = intake.register_matter(s, receptionist, make_input(db)).id
    with pytest.raises(PermissionDenied) as by_flow, db.write() as s:
        flow.route(s, mediator, mid, office)
    before = counts(db)
    with pytest.raises(PermissionDenied) as by_registration, db.write() as s:
        intake.register_matter(s, mediator, make_input(db, unit_id=office))
    assert str(by_registration.value) == str(by_flow.value)
    assert "分流交办" in str(by_registration.value)
    assert counts(db) == before, "the refused registration wrote nothing"
    # With no unit chosen, the category's usual unit is not routed to by someone who may not
    # route: the matter is registered and waits for the window.
    with db.write() as s:
        reg = intake.register_matter(s, mediator, make_input(db, category="信访事项"))
    assert reg.status == MatterStatus.REGISTERED
    with db.read() as s:
        m = s.get(Matter, reg.id)
        assert m.unit_id is None and [e.kind.value for e in m.events] == ["registered"]
    with db.write() as s:  # the window may: the usual unit is routed to at once
        reg = intake.register_matter(s, receptionist, make_input(db, category="信访事项"))
    assert reg.status == MatterStatus.ROUTED


def test_registering_to_a_handler_on_leave_routes_to_their_b(db, receptionist, admin):
    director = actor(db, "zhuren")
    room = unit(db, "矛盾纠纷调解室")
    with db.write() as s:
        b_id = auth.create_user(s, admin, "tiaojie2", "李调解", Role.MEDIATOR, "Tiaojie#2027").id
        a_id = actor(db, "tiaojie").user_id
        posts.set_post(s, director, "调解员", a_id, b_id)
        posts.add_absence(s, director, a_id, date(2026, 11, 16), date(2026, 11, 20), "培训")
    with db.write() as s:
        reg = intake.register_matter(
            s,
            receptionist,
            make_input(db, unit_id=room, handler_user_id=a_id),
            at=datetime(2026, 11, 17, 9),
        )
    assert reg.status == MatterStatus.ROUTED
    with db.read() as s:
        m = s.get(Matter, reg.id)
        assert (m.handler_user_id, m.handler_name) == (b_id, "李调解")
        routed = m.events[-1]
        assert routed.kind.value == "routed"
        assert "A岗 王调解 不在岗，由B岗 李调解 承办" in routed.note
        assert "期限" in routed.note


def counts(db) -> tuple[int, int]:
    with db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(MatterEvent)),
            s.scalar(select(func.count()).select_from(AuditEntry)),
        )


def matter_audit(db, mid) -> list[str]:
    with db.read() as s:
        return list(
            s.scalars(
                select(AuditEntry.event)
                .where(AuditEntry.object_type == "matter", AuditEntry.object_id == str(mid))
                .order_by(AuditEntry.seq)
            )
        )


def test_every_timeline_step_has_its_audit_row(db, receptionist):
    events, rows = counts(db)
    with db.write() as s:
        reg = intake.register_matter(s, receptionist, make_input(db, unit_id=unit(db, "司法所")))
    assert counts(db) == (events + 2, rows + 2)
    assert matter_audit(db, reg.id) == ["matter_register", "matter_route"]
    with db.write() as s:
        flow.accept(s, actor(db, "zhuren"), reg.id)
        flow.add_progress(s, actor(db, "zhuren"), reg.id, "已约双方面谈")
    assert counts(db) == (events + 4, rows + 4)
    data = make_input(db, category="咨询", summary="咨询养老保险补缴")
    data.answer = "可在缴费期内到社保所补缴。"
    with db.write() as s:
        answered = intake.register_matter(s, receptionist, data)
    assert answered.status == MatterStatus.ANSWERED
    assert matter_audit(db, answered.id) == ["matter_register", "matter_answer"]
    assert counts(db) == (events + 6, rows + 6)


def test_a_mediator_opening_a_case_directly_has_the_case_route_its_matter(db):
    from tests.services.test_mediation import open_case

    mediator = actor(db, "tiaojie")
    events, rows = counts(db)
    ref = open_case(db, mediator)
    with db.read() as s:
        m = s.scalar(select(Matter))
        mid = m.id
        assert m.status == MatterStatus.IN_PROGRESS
        assert s.get(Unit, m.unit_id).name == "矛盾纠纷调解室"
        steps = [(e.kind.value, e.user_id) for e in m.events]
        assert steps == [
            (kind, mediator.user_id) for kind in ("registered", "routed", "accepted", "progress")
        ]
        assert "期限" in m.events[1].note
    assert matter_audit(db, mid) == [
        "matter_register",
        "matter_route",
        "matter_accept",
        "matter_progress",
    ]
    # The case's own row besides the four steps of its matter.
    assert counts(db) == (events + 4, rows + 5)
    assert ref.number


def test_a_case_opened_directly_when_the_room_unit_was_renamed(db):
    """The room's unit found by name no longer: the category's usual unit takes the matter,
    as registration did before; with neither, a Chinese message and nothing saved."""
    from app.models import Category, MediationCase
    from tests.services.test_mediation import open_case

    mediator = actor(db, "tiaojie")
    with db.write() as s:
        room = s.scalar(select(Unit).where(Unit.name == "矛盾纠纷调解室"))
        room.name = "矛盾纠纷调解中心"
        category = s.scalar(select(Category).where(Category.name == "矛盾纠纷"))
        usual = category.default_unit_id
    open_case(db, mediator)
    with db.read() as s:
        assert s.scalar(select(Matter.unit_id)) == usual
    with db.write() as s:
        s.scalar(select(Category).where(Category.name == "矛盾纠纷")).default_unit_id = None
    events, rows = counts(db)
    with pytest.raises(ValidationError, match="找不到矛盾纠纷调解室对应的承办单位"):
        open_case(db, mediator)
    assert counts(db) == (events, rows)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(MediationCase)) == 1


def test_the_matter_page_cannot_answer_on_the_spot(db, receptionist):
    with db.write() as s:
        mid = intake.register_matter(s, receptionist, make_input(db)).id
    with pytest.raises(ValidationError, match="这里不能当场解答"), db.write() as s:
        flow.perform(s, receptionist, mid, flow.Move.ANSWER, {"text": "已解答"})
