"""The command room's figures against a small center counted by hand (today: Wed 18 Nov 2026).

A 11-18 09:00 投诉 P1 (白石村): routed 司法所, due 11-19
B 11-18 10:00 咨询 P2 (中雁村): answered on the spot
C 11-02 投诉 P1: routed 司法所, due 11-10, 督办 unreplied
D 11-03 矛盾纠纷 P3 (中雁村), 群体性 12人: routed 调解室, due 12-03
E 10-20 求助 P1: done 10-25 (5 days), 满意
F 11-05 投诉 P4 (no village): registered only, due 11-12
G 03-01 投诉 P2: done the same day, 不满意
H 11-10 投诉 P5 (白石村): 不予受理
I 2025-12-30 咨询 P1: answered (last year)
J 11-17 矛盾纠纷 P6 (中雁村), 群体性 8人: routed 调解室, due 12-17
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

import app.services.rooms.counselling  # noqa: F401  (registers the crisis alerts)
from app.core.errors import PermissionDenied
from app.models import Category, Matter, Satisfaction, Unit, Village
from app.services.command import statistics
from app.services.reception import flow, intake, supervision
from app.services.reception.intake import IntakeInput, VisitorInput
from app.services.validation import id_check_digit, mask_name
from tests.conftest import actor

TODAY = date(2026, 11, 18)


def _id(n: int) -> str:
    first17 = f"33038219800101{n:03d}"
    return first17 + id_check_digit(first17)


@pytest.fixture
def center(db):
    jiedai, zhuren = actor(db, "jiedai"), actor(db, "zhuren")
    with db.read() as s:
        cat = {c.name: c.id for c in s.scalars(select(Category))}
        unit = {u.name: u.id for u in s.scalars(select(Unit))}
        vil = {v.name: v.id for v in s.scalars(select(Village))}
    people = {
        "P1": VisitorInput("张𠮷", _id(11), village_id=vil["白石村"]),
        "P2": VisitorInput("李四", _id(21), village_id=vil["中雁村"]),
        "P3": VisitorInput("王五", _id(31), village_id=vil["中雁村"]),
        "P4": VisitorInput("赵六", _id(41)),
        "P5": VisitorInput("钱七", _id(51), village_id=vil["白石村"]),
        "P6": VisitorInput("孙八", _id(61), village_id=vil["中雁村"]),
    }
    ids = {}

    def reg(name, at, category, person, unit_name=None, answer=None, group=None, due=None):
        data = IntakeInput(
            channel="visit",
            visitors=[people[person]],
            category_id=cat[category],
            summary=f"事项{name}",
            unit_id=unit[unit_name] if unit_name else None,
            answer=answer,
            is_group=group is not None,
            head_count=group,
        )
        with db.write() as s:
            mid = intake.register_matter(s, jiedai, data, at=at).id
            if due:
                s.get(Matter, mid).deadline = due
        ids[name] = mid

    reg("A", datetime(2026, 11, 18, 9), "投诉", "P1", "司法所", due=date(2026, 11, 19))
    reg("B", datetime(2026, 11, 18, 10), "咨询", "P2", answer="已当场解答")
    reg("C", datetime(2026, 11, 2, 9), "投诉", "P1", "司法所", due=date(2026, 11, 10))
    reg("D", datetime(2026, 11, 3, 9), "矛盾纠纷", "P3", "矛盾纠纷调解室", group=12)
    reg("E", datetime(2026, 10, 20, 9), "求助", "P1", "派出所")
    reg("F", datetime(2026, 11, 5, 9), "投诉", "P4", due=date(2026, 11, 12))
    reg("G", datetime(2026, 3, 1, 9), "投诉", "P2", "司法所")
    reg("H", datetime(2026, 11, 10, 9), "投诉", "P5")
    reg("I", datetime(2025, 12, 30, 9), "咨询", "P1", answer="已当场解答")
    reg("J", datetime(2026, 11, 17, 9), "矛盾纠纷", "P6", "矛盾纠纷调解室", group=8)
    with db.write() as s:
        s.get(Matter, ids["D"]).deadline = date(2026, 12, 3)
        s.get(Matter, ids["J"]).deadline = date(2026, 12, 17)
        flow.accept(s, zhuren, ids["E"], at=datetime(2026, 10, 21, 9))
        flow.complete(s, zhuren, ids["E"], "已协调", at=datetime(2026, 10, 25, 16))
        flow.feedback(
            s, zhuren, ids["E"], "电话", Satisfaction.SATISFIED, at=datetime(2026, 10, 26, 9)
        )
        flow.accept(s, zhuren, ids["G"], at=datetime(2026, 3, 1, 10))
        flow.complete(s, zhuren, ids["G"], "已答复", at=datetime(2026, 3, 1, 17))
        flow.feedback(
            s, zhuren, ids["G"], "电话", Satisfaction.DISSATISFIED, at=datetime(2026, 3, 2, 9)
        )
        flow.reject(s, zhuren, ids["H"], "不属于受理范围", "法院", at=datetime(2026, 11, 10, 10))
        supervision.issue_order(
            s,
            zhuren,
            ids["C"],
            unit["司法所"],
            "三日内答复",
            date(2026, 11, 20),
            at=datetime(2026, 11, 16, 9),
        )
    return ids, vil, cat, unit


def _ids(db, key):
    with db.read() as s:
        return set(statistics.matter_ids_for(s, actor(db, "zhuren"), key, today=TODAY))


def test_each_figure_and_the_matters_behind_it(db, center):
    ids, *_ = center
    with db.read() as s:
        dash = statistics.dashboard(s, actor(db, "zhuren"), today=TODAY)
    expected = {
        "today": ("AB", "2"),
        "open": ("ACDFJ", "5"),
        "due_soon": ("A", "1"),
        "overdue": ("CF", "2"),
        "supervised": ("C", "1"),
        "resolved_month": ("B", "1"),
    }
    for key, (letters, text) in expected.items():
        f = dash.figure(key)
        assert (f.value, f.text) == (len(letters), text), key
        assert _ids(db, f.key) == {ids[x] for x in letters}, key
    rate = dash.figure("rate")
    assert (rate.value, rate.text) == (3, "37.5%")  # B, E, G of A B C D E F G J
    assert "本年受理 8 件" in rate.hint
    assert _ids(db, rate.key) == {ids[x] for x in "ABCDEFGJ"}
    sat = dash.figure("satisfaction")
    assert (sat.value, sat.text) == (1, "50.0%")
    assert "满意 1、基本满意 0、不满意 1" in sat.hint
    assert _ids(db, sat.key) == {ids["E"], ids["G"]}


def test_charts_by_week_village_unit_and_resolution_time(db, center):
    ids, vil, cat, unit = center
    with db.read() as s:
        dash = statistics.dashboard(s, actor(db, "zhuren"), today=TODAY)
    w = dash.weekly
    assert len(w.weeks) == 12 and w.weeks[-1] == date(2026, 11, 16) and w.weeks[0].weekday() == 0
    counts = {
        (wk.isoformat(), name): n
        for (wk, cid), n in w.counts.items()
        for c, name in w.categories
        if c == cid
    }
    assert counts == {
        ("2026-11-16", "投诉"): 1,
        ("2026-11-16", "咨询"): 1,
        ("2026-11-16", "矛盾纠纷"): 1,
        ("2026-11-09", "投诉"): 1,
        ("2026-11-02", "投诉"): 2,
        ("2026-11-02", "矛盾纠纷"): 1,
        ("2026-10-19", "求助"): 1,
    }
    assert _ids(db, w.key(date(2026, 11, 2), cat["投诉"])) == {ids["C"], ids["F"]}

    rows = {r.village: r for r in dash.villages}
    assert list(rows) == ["白石村", "中雁村", "山马社区", statistics.NO_VILLAGE]
    got = {k: (r.received, r.open, r.overdue, r.group, r.resolved) for k, r in rows.items()}
    assert got == {
        "白石村": (4, 2, 1, 0, 1),  # A C E H
        "中雁村": (4, 2, 0, 2, 2),  # B D G J
        "山马社区": (0, 0, 0, 0, 0),
        statistics.NO_VILLAGE: (1, 1, 1, 0, 0),  # F
    }
    assert rows["中雁村"].rate == 0.5 and rows["山马社区"].rate is None
    zy = str(vil["中雁村"])
    assert _ids(db, ("village", zy, "received")) == {ids[x] for x in "BDGJ"}
    assert _ids(db, ("village", zy, "group")) == {ids["D"], ids["J"]}
    assert _ids(db, ("village", "", "overdue")) == {ids["F"]}

    bars = {b.label: b.value for b in dash.overdue_by_unit}
    assert bars == {"司法所": 1, statistics.NO_UNIT: 1}
    assert _ids(db, ("overdue_unit", str(unit["司法所"]))) == {ids["C"]}

    times = {b.label: b.value for b in dash.resolution_times}
    assert times == {"当日": 2, "1–3天": 0, "4–7天": 1, "8–15天": 0, "16–30天": 0, "30天以上": 0}
    assert _ids(db, dash.resolution_times[0].key) == {ids["B"], ids["G"]}
    assert _ids(db, dash.resolution_times[2].key) == {ids["E"]}


def test_risks_repeat_visitors_and_group_matters(db, center):
    ids, vil, cat, _unit = center
    with db.read() as s:
        dash = statistics.dashboard(s, actor(db, "zhuren"), today=TODAY)
    repeat = [r for r in dash.risks if r.kind == "重复来访"]
    assert [(r.text, r.count) for r in repeat] == [("张𠮷：90 天内来访 3 次", 3)]  # I is too old
    assert _ids(db, repeat[0].key) == {ids["A"], ids["C"], ids["E"]}
    group = [r for r in dash.risks if r.kind == "群体性"]
    assert [r.text for r in group] == ["中雁村 · 矛盾纠纷：在办 2 件，涉及约 20 人"]
    assert _ids(db, group[0].key) == {ids["D"], ids["J"]}
    # No family case has a violence risk; the counselling room (app.services.rooms.counselling
    # registers its crisis alerts) has none in this center.
    assert not any(r.kind in ("家暴风险", "危机预警") for r in dash.risks)
    assert not any("家暴风险" in n or "危机预警" in n for n in dash.risk_notes)


def test_a_room_plugs_its_risks_in(db, center, monkeypatch):
    ids, *_ = center
    monkeypatch.setattr(statistics, "_PROVIDERS", {})

    def risks(session, who, today):
        return [statistics.RiskItem(("family_violence",), "家暴风险", "家事案件 1 件有家暴风险", 1)]

    def risk_ids(session, who, key, today):
        return [ids["D"]] if key == ("family_violence",) else None

    statistics.register_risk_provider("family_violence", risks, risk_ids)
    with db.read() as s:
        dash = statistics.dashboard(s, actor(db, "zhuren"), today=TODAY)
    assert dash.risks[0].kind == "家暴风险"
    assert not any("家暴风险" in n for n in dash.risk_notes)
    assert _ids(db, ("family_violence",)) == {ids["D"]}


def test_only_the_director_sees_the_command_room(db):
    with db.read() as s, pytest.raises(PermissionDenied):
        statistics.dashboard(s, actor(db, "jiedai"))


def test_the_list_behind_a_figure_masks_names_and_leaves_out_the_summary(db, center):
    ids, *_ = center
    director = actor(db, "zhuren")
    with db.read() as s:
        wanted = statistics.matter_ids_for(s, director, ("overdue",), today=TODAY)
        rows = statistics.command_matter_rows(s, director, wanted, today=TODAY)
    assert [r.id for r in rows] == wanted  # the order asked for (newest first)
    assert {r.persons for r in rows} == {"张*", "赵*"}  # C (张𠮷), F (赵六)
    assert all(r.summary == "" and r.overdue for r in rows)
    with db.read() as s, pytest.raises(PermissionDenied):
        statistics.command_matter_rows(s, actor(db, "jiedai"), wanted, today=TODAY)


def test_mask_name_keeps_the_first_character():
    assert [mask_name(n) for n in ("张三", "欧阳娜娜", "张𠮷", "王", "", None)] == [
        "张*",
        "欧***",
        "张*",
        "王",
        "",
        "",
    ]


def test_the_list_behind_a_figure_pages_by_key(db, center, monkeypatch):
    """Pages of 3 (200 in use) after the last row's key: every matter once, newest first,
    and the count agrees with the figure."""
    director = actor(db, "zhuren")
    with db.read() as s:
        wanted = statistics.matter_ids_for(s, director, ("rate",), today=TODAY)
        shown, after = [], None
        while True:
            page = statistics.command_matter_page(
                s, director, ("rate",), after=after, limit=3, today=TODAY
            )
            shown += [r.id for r in page]
            if len(page) < 3:
                break
            after = (page[-1].received_at, page[-1].number)
        assert shown == wanted and len(wanted) == 8
        assert statistics.count_matters_for(s, director, ("rate",), today=TODAY) == 8


def test_repeat_visitors_come_apart_from_the_dashboard_and_go_back_in_their_place(db, center):
    """The tab asks for the repeat visitors in a job of their own (they read matters, the
    rest reads tallies); put back, the risks are those the whole dashboard gives."""
    director = actor(db, "zhuren")
    with db.read() as s:
        whole = statistics.dashboard(s, director, today=TODAY).risks
        apart = statistics.dashboard(s, director, today=TODAY, repeats=False).risks
        repeats = statistics.repeat_risks(s, director, today=TODAY)
    assert [r.kind for r in repeats] == ["重复来访"]
    assert all(r.kind != "重复来访" for r in apart)
    assert statistics.with_repeats(apart, repeats) == whole
    assert statistics.with_repeats(whole, repeats) == whole  # shown twice: once


def test_the_count_behind_a_figure_stops_at_its_limit(db, center):
    director = actor(db, "zhuren")
    with db.read() as s:
        assert statistics.count_matters_for(s, director, ("rate",), today=TODAY, up_to=5) == 5
