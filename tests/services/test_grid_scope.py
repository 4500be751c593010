"""A 网格员 account is held to its own grid on every path a session reaches: each service
function that takes a matter (or lists matters) refuses it a matter of another grid, and
everything but the 本网格 screen's reads and 网格上报 refuses it outright."""

from __future__ import annotations

import inspect

import pytest

from app.core.errors import NotFound, PermissionDenied
from app.models import Channel, Matter
from app.services.reception import detail, intake
from app.services.reception.intake import MatterFilter, VisitorInput
from tests.conftest import actor
from tests.services import test_grids
from tests.services.test_intake import make_input, register
from tests.test_operations_marked import _service_functions

_village = test_grids._village
two_grids = test_grids.two_grids  # the fixture: 白石村 BS-01 (wangge1), BS-02; 中雁村 ZY-01

# What the 本网格 screen calls; each still holds the account to its grid (tested below).
GRID_WORKER_MAY = {
    "app.services.center.grids.grid_scope",
    "app.services.center.grids.my_grid",
    "app.services.reception.detail.matter_detail",
    # About the account itself, or nothing of a matter's:
    "app.services.security.auth.check_rights",
    "app.services.security.notes_keys.access_state",
    "app.services.center.calendar_admin.reminders",
    "app.services.reception.sealed.sealed_lines",
    "app.services.reception.sealed.sealed_references",
    "app.services.rooms.counselling.crisis_contact_alert",  # empty but for the director
}


def _callables():
    """(name, fn, with_matter): service functions taking (session, actor) and nothing else
    required but perhaps ``matter_id``."""
    for name, fn in _service_functions():
        params = list(inspect.signature(inspect.unwrap(fn)).parameters.values())
        if len(params) < 2 or params[1].name != "actor":
            continue
        required = [
            p.name
            for p in params[2:]
            if p.default is inspect.Parameter.empty
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        takes_matter = any(p.name == "matter_id" for p in params[2:])
        if required in ([], ["matter_id"]):
            yield name, fn, takes_matter


def _outcome(s, fn, *args, **kwargs) -> str:
    """What the call does, in a savepoint rolled back whatever it wrote."""
    step = s.begin_nested()
    try:
        fn(s, *args, **kwargs)
    except PermissionDenied:
        return "refused"
    except NotFound:
        return "not found"
    except Exception as exc:  # noqa: BLE001 - any other refusal names itself
        return type(exc).__name__
    finally:
        step.rollback()
    return "done"


def test_every_path_refuses_a_grid_worker_outside_its_grid(db, receptionist, two_grids):
    """(About 2 s alone, nearly all of it importing every service module for the walk; the
    sixty-odd calls take 50 ms. In the whole suite those modules are loaded already.)"""
    g1, g2, _g3 = two_grids
    bs = _village(db)
    own = register(
        db, receptionist, make_input(db, visitors=[VisitorInput("甲", village_id=bs)], grid_id=g1)
    ).id
    other = register(
        db, receptionist, make_input(db, visitors=[VisitorInput("乙", village_id=bs)], grid_id=g2)
    ).id
    worker = actor(db, "wangge1")
    let_through = {}
    swept = list(_callables())
    assert sum(1 for *_n, takes in swept if takes) > 20 and len(swept) > 50  # the walk worked
    with db.write() as s:
        for name, fn, takes_matter in swept:
            if takes_matter:
                got = _outcome(s, fn, worker, matter_id=other)
                if got != "refused":
                    let_through[f"{name}(另一网格的事项)"] = got
            if name in GRID_WORKER_MAY:
                continue
            got = (
                _outcome(s, fn, worker, matter_id=own) if takes_matter else _outcome(s, fn, worker)
            )
            if got == "done":
                let_through[name] = got
        s.rollback()
    assert not let_through, let_through
    # The screen's own reads: its grid's matter is shown, the other grid's is not found.
    with db.read() as s:
        assert detail.matter_detail(s, worker, own).grid == "白石一网格（BS-01）"
        assert detail.find_matter_id(s, worker, s.get(Matter, own).number) == own
        with pytest.raises(NotFound):
            detail.find_matter_id(s, worker, s.get(Matter, other).number)
        assert intake.list_matter_ids(s, worker, MatterFilter(grid_id=g2)) == [own]
        assert [r.id for r in intake.matter_rows(s, worker, [own, other])] == [own]
        assert intake.count_matters(s, worker, MatterFilter()) == 1
        assert [r.id for r in intake.search(s, worker, "乙")] == []


def test_a_grid_worker_reports_in_its_grid_only_and_names_the_reporter(db, two_grids):
    g1, g2, _g3 = two_grids
    worker = actor(db, "wangge1")
    with pytest.raises(PermissionDenied):
        register(db, worker, make_input(db, grid_id=g2))
    # Channel, grid and village are its own whatever the form said; the reporter is the
    # grid's 网格员 unless another name was typed; no unit is routed to from a grid.
    reg = register(db, worker, make_input(db, channel=Channel.VISIT, unit_id=None))
    typed = register(db, worker, make_input(db, grid_reporter="王临时"))
    with db.read() as s:
        m, t = s.get(Matter, reg.id), s.get(Matter, typed.id)
        assert (m.channel, m.grid_id, m.grid_reporter, m.unit_id) == (
            Channel.GRID,
            g1,
            "张网格",
            None,
        )
        assert t.grid_reporter == "王临时"
        note = detail.matter_detail(s, worker, typed.id).events[0].note
    assert "上报网格员 王临时" in note


def test_the_reporter_is_only_for_grid_reports(db, receptionist, two_grids):
    g1, _g2, _g3 = two_grids
    bs = _village(db)
    visit = register(
        db,
        receptionist,
        make_input(
            db,
            channel=Channel.VISIT,
            visitors=[VisitorInput("丙", village_id=bs)],
            grid_id=g1,
            grid_reporter="张网格",
        ),
    )
    with db.read() as s:
        assert s.get(Matter, visit.id).grid_reporter is None  # a visit has no reporter
        with pytest.raises(Exception) as err:
            intake.validate_intake(s, make_input(db, channel=Channel.GRID, grid_reporter="长" * 65))
    assert "上报网格员" in str(err.value.fields["grid_reporter"])
