"""Demo data is realistic, idempotent in its accounts, and numbered like real registrations."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from app.db import open_database
from app.models import AuditEntry, Matter, MatterPerson, MatterStatus, NumberCounter, Person, User
from app.services import auth, intake
from app.services.demo import DEMO_ACCOUNTS, generate_demo
from app.services.settings import load_settings
from app.services.validation import validate_id_number


def test_demo_database(tmp_path):
    db = open_database(tmp_path / "demo.sqlite3")
    today = date(2026, 11, 25)
    first = generate_demo(db, 300, today=today)
    assert {u for u, _p, _r in first.created_accounts} == {u for u, *_ in DEMO_ACCOUNTS}
    second = generate_demo(db, 300, today=today)
    # The demo mediation cases were opened directly, each registering its own matter (once).
    assert second.created_accounts == [] and second.total_matters == 606
    with db.read() as s:
        from app.models import CaseRoom, CaseStatus
        from app.services import mediation

        mediator = auth.actor_for(s.scalar(select(User).where(User.username == "demo-mediator")))
        general = mediation.list_cases(s, mediator, CaseRoom.GENERAL, today=today)
        family = mediation.list_cases(s, mediator, CaseRoom.FAMILY, today=today)
        due = mediation.reminders(s, mediator, today=today)
    assert {r.status for r in general} == {
        CaseStatus.SUCCEEDED,
        CaseStatus.MEDIATING,
        CaseStatus.TRANSFERRED,
        CaseStatus.ARCHIVED,
    }
    assert len(family) == 2 and any(
        r.violence_risk and r.violence_risk.value == "high" for r in family
    )
    assert {r.kind for r in due} == {"回访", "履行期限"}

    with db.write() as s:
        assert load_settings(s).is_demo
        for username, password, role, _name in DEMO_ACCOUNTS:
            outcome = auth.login(s, username, password)
            assert outcome.actor is not None and outcome.actor.role == role
    with db.read() as s:
        matters = list(s.scalars(select(Matter)))
        seqs: dict[int, list[int]] = {}
        for m in matters:
            assert re.fullmatch(r"BS\d{4}-A-\d{6}", m.number)
            seqs.setdefault(m.year, []).append(m.seq)
        for year, values in seqs.items():
            assert sorted(values) == list(range(1, len(values) + 1)), f"gap in {year}"
            counter = s.get(NumberCounter, ("BS", year, "A"))
            assert counter.last_value == len(values)
        for id_number in s.scalars(select(Person.id_number).where(Person.id_number.is_not(None))):
            assert validate_id_number(id_number) == id_number
        visits = Counter(s.scalars(select(MatterPerson.person_id)))
        assert max(visits.values()) >= 2, "some people came more than once"
        assert any(any(ord(c) > 0xFFFF for c in n) for n in s.scalars(select(Person.name)))
        open_ = [m for m in matters if m.status.is_open]
        assert any(m.deadline < today for m in open_), "some open matters are overdue"
        answered = [m for m in matters if m.status == MatterStatus.ANSWERED]
        assert answered and all(m.answer for m in answered)
        assert (
            s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.event == "demo_generate")
            )
            == 2
        )

    # A real registration afterwards continues the numbering.
    with db.write() as s:
        user = s.scalar(select(User).where(User.username == "demo-reception"))
        from tests.services.test_intake import make_input

        data = make_input(db)
        last = max(seqs[today.year])
        at = datetime(2026, 11, 25, 16, 0)
        result = intake.register_matter(s, auth.actor_for(user), data, at=at)
    assert result.number == f"BS2026-A-{last + 1:06d}"


def test_demo_refuses_a_real_centers_database(db):
    """Demo accounts have published passwords: a real center's database never gets them."""
    from app.services.demo import NotADemoDatabase

    with db.read() as s:
        users_before = set(s.scalars(select(User.username)))
        matters_before = s.scalar(select(func.count()).select_from(Matter))
    with pytest.raises(NotADemoDatabase, match="真实中心的数据库"):
        generate_demo(db, 3)
    with db.read() as s:
        assert set(s.scalars(select(User.username))) == users_before
        assert s.scalar(select(func.count()).select_from(Matter)) == matters_before
        assert not load_settings(s).is_demo
