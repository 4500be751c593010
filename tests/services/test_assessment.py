"""考核评价: every computed rule on a small quarter, points, ranking, closing (frozen scheme,
stored scores), versioned correction with a reason, 加分/扣分 items, training, permissions, and
the 考核评分表 / ranking as PDF and XLSX."""

from __future__ import annotations

import io
import itertools
import uuid
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.core.errors import NotFound, PermissionDenied, ValidationError
from app.models import (
    AssessmentScore,
    AttendanceKind,
    AuditEntry,
    Category,
    Channel,
    Grid,
    Matter,
    MatterPerson,
    MatterStatus,
    Meeting,
    MeetingAttendee,
    MeetingKind,
    MeetingStatus,
    Person,
    Satisfaction,
    SupervisionOrder,
    Unit,
    User,
    Village,
)
from app.services.command import assessment as asm
from tests.conftest import actor

_seq = itertools.count(1)


def ids(db):
    with db.read() as s:
        unit = s.scalar(select(Unit.id).where(Unit.name == "派出所"))
        other = s.scalar(select(Unit.id).where(Unit.name == "司法所"))
        village = s.scalar(select(Village.id).where(Village.name == "白石村"))
        user = s.scalar(select(User.id).where(User.username == "jiedai"))
        cats = {c.name: c.id for c in s.scalars(select(Category))}
    return unit, other, village, user, cats


def matter(s, user, cat, *, unit=None, village=None, received, deadline, closed=None,
           status=MatterStatus.IN_PROGRESS, satisfaction=None, feedback=None):  # fmt: skip
    n = next(_seq)
    m = Matter(
        number=f"T{n:05d}", prefix="T", year=2027, terminal="A", seq=n, channel=Channel.VISIT,
        category_id=cat, summary=f"测试事项{n}", unit_id=unit, receptionist_id=user,
        status=status, received_at=received, deadline=deadline, closed_at=closed,
        result="已处理" if closed else None, satisfaction=satisfaction, feedback_at=feedback,
    )  # fmt: skip
    s.add(m)
    if village is not None:
        p = Person(name=f"群众{n}", village_id=village)
        s.add(p)
        s.flush()
        s.add(MatterPerson(matter_id=m.id, person_id=p.id, position=0))
    s.flush()
    return m


def d(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def quarter(db, clock):
    """2027 Q1 with a few matters, orders, meetings and a training session; the clock after it."""
    clock.freeze("2027-04-10 09:00")
    unit, other, village, user, cats = ids(db)
    dispute, ask = cats["矛盾纠纷"], cats["咨询"]
    with db.write() as s:
        s.get(Village, village).population = 2000
        # 按期办结率 2/3; 满意率 2/3 (one 不满意)
        matter(
            s,
            user,
            ask,
            unit=unit,
            received=d("2027-01-05 09:00"),
            deadline=date(2027, 1, 20),
            closed=d("2027-01-15 10:00"),
            status=MatterStatus.DONE,
            satisfaction=Satisfaction.SATISFIED,
            feedback=d("2027-01-16 10:00"),
        )
        matter(
            s,
            user,
            ask,
            unit=unit,
            received=d("2027-02-01 09:00"),
            deadline=date(2027, 2, 10),
            closed=d("2027-02-10 17:00"),
            status=MatterStatus.FED_BACK,
            satisfaction=Satisfaction.FAIRLY,
            feedback=d("2027-02-11 10:00"),
        )
        matter(
            s,
            user,
            ask,
            unit=unit,
            received=d("2027-03-01 09:00"),
            deadline=date(2027, 3, 5),
            closed=d("2027-03-09 10:00"),
            status=MatterStatus.DONE,
            satisfaction=Satisfaction.DISSATISFIED,
            feedback=d("2027-03-10 10:00"),
        )
        # closed after the quarter: not counted
        matter(
            s,
            user,
            ask,
            unit=unit,
            received=d("2027-03-20 09:00"),
            deadline=date(2027, 4, 5),
            closed=d("2027-04-02 10:00"),
            status=MatterStatus.DONE,
        )
        # the village: 4 matters received in Q1 (2 per 1,000 of 2,000), 2 disputes, 1 resolved
        matter(
            s,
            user,
            dispute,
            unit=other,
            village=village,
            received=d("2027-01-08 09:00"),
            deadline=date(2027, 1, 30),
            closed=d("2027-01-20 09:00"),
            status=MatterStatus.DONE,
        )
        matter(
            s,
            user,
            dispute,
            village=village,
            received=d("2027-02-08 09:00"),
            deadline=date(2027, 2, 28),
        )
        matter(
            s,
            user,
            ask,
            village=village,
            received=d("2027-02-09 09:00"),
            deadline=date(2027, 2, 28),
        )
        m = matter(
            s,
            user,
            ask,
            village=village,
            received=d("2027-03-09 09:00"),
            deadline=date(2027, 3, 28),
        )
        # 督办: two orders to 派出所, reply due in Q1: one in time, one late
        for k, (reply_by, replied) in enumerate(
            [(date(2027, 2, 1), d("2027-01-30 10:00")), (date(2027, 3, 1), d("2027-03-03 10:00"))]
        ):
            s.add(SupervisionOrder(
                number=f"DB{k}", matter_id=m.id, unit_id=unit, requirement="请速办",
                reply_by=reply_by, issued_at=d("2027-01-20 09:00"), reply="已办",
                replied_at=replied,
            ))  # fmt: skip
        # two weekly meetings: 派出所 present at one; a superseded version is not counted
        for k, (present, status) in enumerate(
            [(True, MeetingStatus.ISSUED), (False, MeetingStatus.ISSUED),
             (True, MeetingStatus.SUPERSEDED)]
        ):  # fmt: skip
            mt = Meeting(number=f"HY{k}", version=1, kind=MeetingKind.WEEKLY, title=f"例会{k}",
                         starts_at=d(f"2027-0{k + 1}-10 09:00"), status=status)  # fmt: skip
            s.add(mt)
            s.flush()
            s.add(MeetingAttendee(
                meeting_id=mt.id, name="张警官", unit="派出所",
                attendance=AttendanceKind.PRESENT if present else AttendanceKind.ABSENT,
            ))  # fmt: skip
    director = actor(db, "zhuren")
    with db.write() as s:
        asm.record_training(s, director, asm.TrainingInput(
            date(2027, 3, 15), "矛盾纠纷排查化解", "李老师", 4,
            [("张警官", unit), ("刘所长", unit), ("王调解", None)],
        ))  # fmt: skip
        scheme = asm.create_scheme(s, director, 2027)
        period = asm.open_period(s, director, scheme, "2027Q1")
    return {"unit": unit, "other": other, "village": village, "scheme": scheme, "period": period,
            "director": director}  # fmt: skip


def cell(table, target, code):
    row = next(r for r in table.rows if r.target_id == target)
    return next(c for c in row.cells if c.code == code)


def test_unit_rules_count_the_quarter(db, quarter):
    q = quarter
    with db.read() as s:
        t = asm.scores(s, q["director"], q["period"], "unit")
    on_time = cell(t, q["unit"], "on_time")
    assert on_time.value == pytest.approx(2 / 3) and "2/3" in on_time.shown
    # 25 × (0.667 − 0.6) / 0.4
    assert on_time.points == pytest.approx(25 * (2 / 3 - 0.6) / 0.4, abs=0.01)
    assert cell(t, q["unit"], "satisfaction").value == pytest.approx(2 / 3)
    assert cell(t, q["unit"], "supervisions").value == 2
    assert cell(t, q["unit"], "supervisions").points == pytest.approx(10 * 3 / 5)
    assert cell(t, q["unit"], "supervision_replies").value == pytest.approx(0.5)
    assert cell(t, q["unit"], "attendance").value == pytest.approx(0.5)
    assert cell(t, q["unit"], "attendance").points == 0
    assert cell(t, q["unit"], "training").value == 8  # two attendees × 4 hours
    # a unit with nothing closed gets the full points of an empty rate; no orders: full points
    with db.read() as s:
        idle = s.scalar(select(Unit.id).where(Unit.name == "信访办"))
    assert cell(t, idle, "on_time").value is None
    assert cell(t, idle, "on_time").points == 25
    assert cell(t, idle, "supervisions").points == 10
    assert cell(t, q["other"], "on_time").value == 1
    assert [r.rank for r in t.rows] == sorted(r.rank for r in t.rows)
    assert t.rows[-1].target_id == q["unit"]  # the unit with the late work ranks last


def test_village_rules_and_drill_down(db, quarter):
    q = quarter
    with db.read() as s:
        t = asm.scores(s, q["director"], q["period"], "village")
        rows = asm.drill(
            s, q["director"], q["period"], "village", q["village"], "dispute_resolution"
        )
        meetings = asm.drill(s, q["director"], q["period"], "unit", q["unit"], "attendance")
        late = asm.drill(s, q["director"], q["period"], "unit", q["unit"], "on_time")
    assert cell(t, q["village"], "per_thousand").value == pytest.approx(2.0)
    assert cell(t, q["village"], "dispute_resolution").value == pytest.approx(0.5)
    assert len(rows) == 2 and sorted(r.counts for r in rows) == [False, True]
    assert [(m.ref, m.counts) for m in meetings] == [("HY0", True), ("HY1", False)]
    assert [r.counts for r in late] == [True, True, False]
    # the village's grid: its disputes by the matter's own grid, and its 网格上报
    with db.write() as s:
        grid = Grid(village_id=q["village"], code="BS-01", name="白石一网格")
        s.add(grid)
        s.flush()
        for m in s.scalars(select(Matter).where(Matter.category_name == "矛盾纠纷")):
            m.grid_id = grid.id
        m.channel = Channel.GRID
    with db.read() as s:
        g = asm.scores(s, q["director"], q["period"], "grid")
    assert [r.name for r in g.rows] == ["白石一网格"]
    assert cell(g, grid.id, "grid_disputes").value == pytest.approx(0.5)
    assert cell(g, grid.id, "grid_reports").value == 1
    others = [r for r in t.rows if r.target_id != q["village"]]
    assert all("未填人口" in cell(t, r.target_id, "per_thousand").shown for r in others)


def test_closing_stores_scores_and_freezes_and_correction_makes_a_version(db, quarter):
    q, director = quarter, quarter["director"]
    with db.write() as s:
        asm.add_item(s, director, asm.ItemInput(q["period"], "unit", q["unit"], "bonus", 3,
                                            "协助破获案件", "表扬信.txt", b"thanks"))  # fmt: skip
        asm.close_period(s, director, q["period"])
    with db.read() as s:
        v1 = asm.scores(s, director, q["period"], "unit")
        scheme = asm.schemes(s, director)[0]
        name, data = asm.item_attachment(
            s, director, asm.items(s, director, q["period"], "unit")[0].id
        )
    assert scheme.frozen and scheme.periods[0].closed and v1.version == 1
    assert cell(v1, q["unit"], "bonus").points == 3 and (name, data) == ("表扬信.txt", b"thanks")
    ind = next(i for i in scheme.indicators if i.code == "on_time")
    with db.write() as s, pytest.raises(ValidationError, match="冻结"):
        asm.set_indicator(s, director, ind.id, 30, {})
    with db.write() as s, pytest.raises(ValidationError, match="更正"):
        asm.close_period(s, director, q["period"])
    # later data changes leave the stored scores alone …
    with db.write() as s:
        s.execute(SupervisionOrder.__table__.delete())
    with db.read() as s:
        assert (
            cell(asm.scores(s, director, q["period"], "unit"), q["unit"], "supervisions").value == 2
        )
    # … until a correction with a reason, which is a new version; version 1 is kept
    with db.write() as s, pytest.raises(ValidationError, match="更正理由"):
        asm.correct_period(s, director, q["period"], " ")
    with db.write() as s:
        assert asm.correct_period(s, director, q["period"], "督办单误录，已撤销") == 2
    with db.read() as s:
        v2 = asm.scores(s, director, q["period"], "unit")
        old = asm.scores(s, director, q["period"], "unit", version=1)
        history = asm.versions(s, director, q["period"])
        stored = s.scalar(select(AssessmentScore.id).limit(1))
    assert cell(v2, q["unit"], "supervisions").value == 0 and v2.version_reason.startswith("督办")
    assert cell(old, q["unit"], "supervisions").value == 2
    assert [(h.version, h.reason) for h in history] == [
        (1, "关闭考核期"),
        (2, "督办单误录，已撤销"),
    ]
    assert stored is not None


def test_an_item_is_listed_and_withdrawn_with_a_reason_while_the_period_is_open(db, quarter):
    q, director = quarter, quarter["director"]
    with db.write() as s:
        keep = asm.add_item(s, director, asm.ItemInput(q["period"], "unit", q["unit"], "bonus",
                                                   2, "表扬", "信.txt", b"x"))  # fmt: skip
        wrong = asm.add_item(
            s, director, asm.ItemInput(q["period"], "unit", q["unit"], "deduction", -3, "误录")
        )
    with db.read() as s:
        listed = asm.items(s, director, q["period"], "unit", q["unit"])
        assert asm.items(s, director, q["period"], "unit", q["other"]) == []
    assert [(r.points, r.file_name, r.entered_by) for r in listed] == [
        (2, "信.txt", "周主任"),
        (-3, None, "周主任"),
    ]
    with db.write() as s, pytest.raises(ValidationError, match="撤销理由"):
        asm.withdraw_item(s, director, wrong, "  ")
    with db.write() as s, pytest.raises(PermissionDenied):
        asm.withdraw_item(s, actor(db, "admin"), wrong, "x")
    with db.write() as s:
        asm.withdraw_item(s, director, wrong, "重复录入")
    with db.read() as s:
        assert [r.id for r in asm.items(s, director, q["period"], "unit")] == [keep]
        assert (
            cell(asm.scores(s, director, q["period"], "unit"), q["unit"], "deduction").points == 0
        )
        logged = s.execute(
            select(AuditEntry.event, AuditEntry.reason).where(AuditEntry.object_id == str(wrong))
        ).all()[-1]
    assert logged.event == "assessment_item_withdraw" and "重复录入" in logged.reason
    with db.write() as s:
        asm.close_period(s, director, q["period"])
    with db.write() as s, pytest.raises(ValidationError, match="已关闭.*更正"):
        asm.withdraw_item(s, director, keep, "依据不足")


def test_editing_indicators_checks_every_field_saves_all_or_nothing_and_stops_when_frozen(
    db, quarter
):
    q, director = quarter, quarter["director"]
    with db.read() as s:
        inds = {
            i.code: i for i in asm.schemes(s, director)[0].indicators if i.target_kind == "unit"
        }
    on_time, training = inds["on_time"], inds["training"]
    bad = [
        asm.IndicatorChange(on_time.id, "30", True, {"best": "0.9"}),
        asm.IndicatorChange(training.id, "-5", True, {"worst": "abc", "empty": "2"}),
    ]
    with db.write() as s, pytest.raises(ValidationError) as e:
        asm.set_indicators(s, director, q["scheme"], bad)
    t = str(training.id)
    assert e.value.fields == {
        f"{t}.weight": "“教育培训学时”的分值不能为负数",
        f"{t}.worst": "“教育培训学时”的零分值应为数字，如 20 或 0.5",
        f"{t}.empty": "“教育培训学时”的无数据得分比例应在 0 到 1 之间",
    }
    with db.read() as s:  # nothing half-saved: 按期办结率 keeps its weight
        assert asm.schemes(s, director)[0].indicators[0].weight == on_time.weight
    good = [
        asm.IndicatorChange(on_time.id, "30", True, {"best": "0.9"}),
        asm.IndicatorChange(training.id, 5, False, {}),  # 停用: out of the scores
    ]
    with db.write() as s:
        assert asm.set_indicators(s, director, q["scheme"], good) == 2
    with db.read() as s:
        t1 = asm.scores(s, director, q["period"], "unit")
        listed = {i.code: i for i in asm.schemes(s, director)[0].indicators}
    assert "training" not in {i.code for i in t1.indicators} and not listed["training"].active
    assert (listed["on_time"].weight, listed["on_time"].params["best"]) == (30, 0.9)
    with db.write() as s, pytest.raises(PermissionDenied):
        asm.set_indicators(s, actor(db, "jiedai"), q["scheme"], good)
    with db.write() as s:
        asm.close_period(s, director, q["period"])
    with db.write() as s, pytest.raises(ValidationError, match="已冻结"):
        asm.set_indicators(s, director, q["scheme"], good)


def test_open_period_cannot_close_before_its_end_and_bad_input_is_named(db, quarter):
    q, director = quarter, quarter["director"]
    with db.write() as s:
        q2 = asm.open_period(s, director, q["scheme"], "2027q2")
        with pytest.raises(ValidationError, match="尚未结束"):
            asm.close_period(s, director, q2)
        with pytest.raises(ValidationError, match="写法不对"):
            asm.open_period(s, director, q["scheme"], "2027Q5")
        with pytest.raises(ValidationError, match="年度"):
            asm.open_period(s, director, q["scheme"], "2026Q4")
        with pytest.raises(ValidationError, match="绝对值"):
            asm.add_item(
                s, director, asm.ItemInput(q["period"], "unit", q["unit"], "bonus", 50, "x")
            )
        with pytest.raises(ValidationError, match="加分/扣分指标"):
            asm.add_item(
                s, director, asm.ItemInput(q["period"], "unit", q["unit"], "on_time", 1, "x")
            )
        with pytest.raises(ValidationError) as e:
            asm.record_training(s, director, asm.TrainingInput(date(2027, 3, 1), "", "", 0, []))
        assert set(e.value.fields) == {"topic", "hours", "attendees"}
        with pytest.raises(ValidationError, match="已有"):
            asm.create_scheme(s, director, 2027)
    with db.read() as s:
        assert asm.find_period(s, director, "2027Q2") == q2
        with pytest.raises(NotFound):
            asm.find_period(s, director, "2027Q3")


def test_an_attachment_over_20_mb_is_refused_before_it_is_read():
    """The form asks with the file's size first, so a huge file is never read on screen."""
    asm.check_attachment_size(asm.MAX_ATTACHMENT)
    with pytest.raises(ValidationError, match="附件不能超过 20 MB") as err:
        asm.check_attachment_size(asm.MAX_ATTACHMENT + 1)
    assert set(err.value.fields) == {"file"}


def test_permissions(db, quarter):
    q = quarter
    window, counsellor, admin = actor(db, "jiedai"), actor(db, "zixun"), actor(db, "admin")
    with db.read() as s:
        assert asm.scores(s, window, q["period"], "unit").rows  # the window reads
        with pytest.raises(PermissionDenied):
            asm.scores(s, counsellor, q["period"], "unit")
    with db.write() as s, pytest.raises(PermissionDenied):
        asm.close_period(s, window, q["period"])
    with db.write() as s, pytest.raises(PermissionDenied):  # items: the director's alone
        asm.add_item(s, admin, asm.ItemInput(q["period"], "unit", q["unit"], "bonus", 1, "好"))
    with db.read() as s, pytest.raises(PermissionDenied):  # the admin reads no casework
        asm.scores(s, admin, q["period"], "unit")
    with db.write() as s, pytest.raises(PermissionDenied):
        asm.close_period(s, admin, q["period"])
    with db.write() as s:
        asm.close_period(s, q["director"], q["period"])  # the director manages periods
        asm.set_population(s, admin, q["village"], 3000)  # 中心资料 is the admin's
        with pytest.raises(ValidationError, match="正整数"):
            asm.set_population(s, admin, q["village"], -5)
    with db.write() as s, pytest.raises(PermissionDenied):
        asm.set_population(s, q["director"], q["village"], 100)
    with db.read() as s:
        assert s.get(Village, q["village"]).population == 3000


def test_sheet_and_ranking_as_pdf_and_xlsx(db, quarter):
    q, director = quarter, quarter["director"]
    with db.write() as s:
        sheet = asm.export(s, director, q["period"], "unit", "pdf", q["unit"])
        ranking = asm.export(s, director, q["period"], "village", "pdf")
        book = asm.export(s, director, q["period"], "unit", "xlsx")
    text = PdfReader(io.BytesIO(sheet)).pages[0].extract_text()
    assert "考核评分表" in text and "派出所" in text and "按期办结率" in text
    assert "考核排名表" in PdfReader(io.BytesIO(ranking)).pages[0].extract_text()
    ws = load_workbook(io.BytesIO(book)).active
    assert ws["B1"].value == "派驻单位" and ws.max_row > 10
    assert uuid.UUID(str(q["unit"]))


def test_export_from_the_command_line(db, quarter, tmp_path, capsys):
    from app.cli import main
    from tests.test_cli import password_file

    login = ["--user", "zhuren", "--password-file", str(password_file(tmp_path))]
    out = tmp_path / "评分表.pdf"
    base = ["export", "assessment", "--database-url", db.url, "--period", "2027Q1"]
    args = [*base, "--kind", "unit", "--unit", "派出所", "--format", "pdf", "--out", str(out)]
    assert main([*args, *login]) == 0
    assert out.read_bytes().startswith(b"%PDF") and "派出所考核评分表" in capsys.readouterr().out
    args = [*base, "--kind", "village", "--format", "xlsx", "--out", str(tmp_path / "x.xlsx")]
    assert main([*args, *login]) == 0
    args = ["export", "assessment", "--database-url", db.url, "--period", "2027Q3", "--kind",
            "unit", "--out", str(tmp_path / "y.pdf")]  # fmt: skip
    assert main([*args, *login]) == 1 and "没有考核期“2027Q3”" in capsys.readouterr().err
    args = [*base, "--kind", "grid", "--unit", "派出所", "--out", str(tmp_path / "z.pdf")]
    assert main([*args, *login]) == 2  # not silently the grids' ranking
    assert "--kind grid 不用 --unit" in capsys.readouterr().err


def test_key_person_visits_on_time_per_village(db, quarter):
    """重点人员走访按期率: a monthly (30-day) group listed 2026-12-20 falls due 01-19, visited
    01-10 (on time); then due 02-09 and 03-11, both missed (03-20 is too late): 1 of 3."""
    from app.services.command import registers, visits

    q = quarter
    raw = {"name": "甲某", "category": "严重精神障碍患者", "risk_level": "低"}
    raw |= {"helper": "司法所 王某", "listed_on": date(2026, 12, 20), "village_id": "白石村"}
    with db.write() as s:
        person = registers.add_record(s, actor(db, "jiedai"), "special", raw)
        for on in (date(2027, 1, 10), date(2027, 3, 20)):
            visit = {"visited_on": on, "visitor": "网格员 陈某", "method": "走访"}
            visits.add_visit(s, actor(db, "jiedai"), person, visit | {"risk_level": "低"})
    with db.read() as s:
        t = asm.scores(s, q["director"], q["period"], "village")
        rows = asm.drill(s, q["director"], q["period"], "village", q["village"], "key_visits")
    figure = cell(t, q["village"], "key_visits")
    assert figure.value == pytest.approx(1 / 3) and "（1/3）" in figure.shown
    assert [(r.ref, r.counts) for r in rows] == [("甲某", False)]
    assert "应走访 3 次，按期 1 次" in rows[0].text
