"""上下联动: a matter sent up waits (等待反馈) until the answer is recorded, then goes on to
结果反馈 and 归档; the reminder after the set number of days; a 上级交办 matter's deadline is
no later than the higher body's, and its 办结报告 prints."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.core.errors import ValidationError
from app.models import Channel, Matter, MatterStatus, Satisfaction, Unit
from app.services.center.settings import update_settings
from app.services.reception import documents, flow, intake, linkage
from app.services.reception.documents import DocKind
from app.services.reception.flow import Move
from tests.conftest import actor
from tests.services.test_intake import make_input

RECEIVED = datetime(2026, 11, 2, 9)


@pytest.fixture(autouse=True)
def _frozen(clock):
    clock.freeze("2026-11-03 10:00")


def sent_up(db) -> object:
    with db.write() as s:
        mid = intake.register_matter(s, actor(db, "jiedai"), make_input(db), at=RECEIVED).id
        flow.transfer(s, actor(db, "zhuren"), mid, "区住建局", "来访登记表及现场照片")
    return mid


def test_a_matter_sent_up_waits_and_reminds_after_the_set_days(db, clock):
    mid = sent_up(db)
    director = actor(db, "zhuren")
    with db.read() as s:
        row = intake.matter_rows(s, director, [mid])[0]
    assert (row.mark, row.alert) == ("等待反馈", False)
    with db.write() as s:
        update_settings(s, actor(db, "admin"), upper_reply_days=10)
    clock.freeze("2026-11-13")
    with db.read() as s:
        row = intake.matter_rows(s, director, [mid])[0]
        waiting = linkage.waiting_upward(s, director, overdue_only=True)
    assert (row.mark, row.alert) == ("等待反馈·已10日", True)
    assert [(w.number, w.sent_to, w.days) for w in waiting] == [(row.number, "区住建局", 10)]


def test_the_answer_is_recorded_then_feedback_and_archive(db, clock):
    mid = sent_up(db)
    director = actor(db, "zhuren")
    clock.freeze("2026-11-10 15:00")
    with db.write() as s, pytest.raises(ValidationError) as err:
        flow.perform(s, director, mid, Move.UPPER_RESULT, {"on": date(2026, 11, 11), "text": ""})
    assert set(err.value.fields) == {"on", "text"}
    with db.write() as s:
        flow.perform(
            s, director, mid, Move.UPPER_RESULT, {"on": date(2026, 11, 9), "text": "已约谈施工方"}
        )
    with db.read() as s:
        m = s.get(Matter, mid)
        assert (m.status, m.result) == (MatterStatus.DONE, "已约谈施工方")
        assert Move.FEEDBACK in flow.moves_for(s, director, mid)
    with db.write() as s:
        flow.feedback(s, director, mid, "电话", Satisfaction.SATISFIED)
        flow.archive(s, director, mid)
    with db.read() as s:
        assert s.get(Matter, mid).status == MatterStatus.ARCHIVED


def superior_matter(db) -> object:
    with db.write() as s:
        data = make_input(db, channel=Channel.SUPERIOR)
        return intake.register_matter(s, actor(db, "jiedai"), data, at=RECEIVED).id


def test_the_centers_deadline_is_no_later_than_the_superiors(db, clock):
    mid = superior_matter(db)
    director = actor(db, "zhuren")
    with db.write() as s, pytest.raises(ValidationError) as err:
        linkage.set_assignment(
            s,
            director,
            mid,
            "区综治中心",
            "区综治交〔2026〕15号",
            date(2026, 11, 8),
            date(2026, 11, 9),
        )
    assert "不能晚于上级要求的办结期限（2026-11-08）" in err.value.fields["deadline"]
    with db.write() as s:
        linkage.set_assignment(
            s,
            director,
            mid,
            "区综治中心",
            "区综治交〔2026〕15号",
            date(2026, 11, 8),
            date(2026, 11, 6),
        )
        unit = s.scalar(select(Unit.id).where(Unit.name == "司法所"))
        flow.route(s, director, mid, unit)
    with db.read() as s:
        m = s.get(Matter, mid)
        assert (m.deadline, m.superior_ref) == (date(2026, 11, 6), "区综治交〔2026〕15号")
    with db.write() as s, pytest.raises(ValidationError, match="不能晚于"):
        flow.request_extension(s, director, mid, date(2026, 11, 10), "需要现场核实")


def test_only_a_superior_matter_takes_an_assignment(db):
    mid = sent_up(db)
    with db.write() as s, pytest.raises(ValidationError, match="上级交办"):
        linkage.set_assignment(
            s, actor(db, "zhuren"), mid, "区综治中心", "1号", date(2026, 11, 8), date(2026, 11, 6)
        )


def test_the_completion_report_prints_once_done(db, clock):
    mid = superior_matter(db)
    director = actor(db, "zhuren")
    with db.write() as s:
        linkage.set_assignment(
            s,
            director,
            mid,
            "区综治中心",
            "区综治交〔2026〕15号",
            date(2026, 11, 20),
            date(2026, 11, 12),
        )
        unit = s.scalar(select(Unit.id).where(Unit.name == "司法所"))
        flow.route(s, director, mid, unit)
        with pytest.raises(ValidationError, match="已办结"):
            linkage.completion_report(s, director, mid)
        flow.accept(s, director, mid)
        flow.complete(s, director, mid, "已协调施工方调整作业时间。")
    with db.read() as s:
        data = linkage.completion_report(s, director, mid)
        key = documents.find_document(s, director, mid, DocKind.COMPLETION)
        title, pdf = documents.render_document_pdf(s, director, mid, key)
    assert data.recipient == "区综治中心" and "区综治交〔2026〕15号" in data.title
    assert "在规定期限内办结" in data.body and data.signer
    assert title == "办结报告" and pdf.startswith(b"%PDF")
