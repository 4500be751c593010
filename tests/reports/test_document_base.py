"""The one document base: page x of y without rendering twice, the 卷宗's contents from one
pass, GB/T 9704 page numbers odd right and even left, every document laid out by it."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, PageBreak

from app.reports import base
from app.reports import mediation as m
from app.reports.base import (
    FORM,
    GBT9704,
    LaterParagraph,
    Mark,
    PageNumbers,
    make_styles,
    render_story,
)
from app.reports.minutes import render_minutes
from tests.reports.test_every_document import LONG, STANDALONE
from tests.reports.test_minutes import minutes, runs


def page_texts(pdf: bytes) -> list[str]:
    return [p.extract_text().replace(" ", "") for p in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def builds(monkeypatch):
    """How many times a document is laid out."""
    count = []
    build = BaseDocTemplate.build

    def counted(self, *args, **kwargs):
        count.append(1)
        return build(self, *args, **kwargs)

    monkeypatch.setattr(BaseDocTemplate, "build", counted)
    return count


def test_page_x_of_y_in_one_pass(builds):
    s = make_styles()
    story = [s.p("第一页"), PageBreak(), s.p("第二页"), PageBreak(), s.p("第三页")]
    layout = FORM.numbered(PageNumbers("第 {n} 页 共 {total} 页"))
    texts = page_texts(render_story(story, title="试", layout=layout))
    assert len(builds) == 1
    assert len(texts) == 3
    for n, (text, body) in enumerate(zip(texts, ("第一页", "第二页", "第三页"), strict=True), 1):
        assert f"第{n}页共3页" in text and body in text, text


def test_a_contents_line_names_the_page_a_later_part_starts_on(builds):
    s = make_styles()
    marks: dict[str, int] = {}
    story = [
        LaterParagraph(s, lambda total, m: f"附件在第 {m['att']} 页，共 {total} 页"),
        PageBreak(),
        s.p(LONG * 40),  # runs over more than one page
        PageBreak(),
        Mark("att"),
        s.p("附件"),
    ]
    pdf = render_story(story, title="试", marks=marks)
    texts = page_texts(pdf)
    assert len(builds) == 1
    assert marks["att"] == len(texts) > 3
    assert f"附件在第{len(texts)}页，共{len(texts)}页" in texts[0]
    assert "附件" in texts[-1]


def test_the_casefile_is_laid_out_once(builds):
    case = m.CaseData(
        center_name="白石街道综治工作中心",
        committee="白石街道人民调解委员会",
        room="矛盾纠纷调解室",
        number="（2026）白石人调字第1号",
        file_number="（2026）白石人调字第1号",
        title="邻里纠纷",
        dispute_type="邻里纠纷",
        source="当事人申请",
        accepted_at=datetime(2026, 11, 2, 9, 30),
        facts=LONG * 6,
        parties=[m.PartyData("申请人", "王五"), m.PartyData("被申请人", "李四")],
    )
    record = m.RecordData(case, 1, case.accepted_at, "调解室", "", "陈国平", True, [], LONG * 30)
    data = m.CasefileData(case, "调解成功", None, "陈国平", None, "长期", "", [record])
    pdf = m.render_casefile(data)
    assert len(builds) == 1
    texts = page_texts(pdf)
    contents = m.casefile_contents(data)
    assert [t for t, _a, _b in contents] == [
        "人民调解申请书",
        "人民调解受理登记表",
        "调解笔录（第1次，2026年11月2日）",
        "卷宗情况说明",
    ]
    # Each document starts where the contents say, and the record runs over two pages.
    for _title, first, last in contents:
        assert f"—{first}—" in texts[first - 1]
        assert first <= last < len(texts)
    record_first, record_last = contents[2][1:]
    assert record_last > record_first and "调解笔录" in texts[record_first - 1]
    assert f"{record_first}–{record_last}" in texts[1]  # the contents page
    assert f"本卷共{len(texts)}页" in texts[-1]


def test_gbt9704_numbers_odd_pages_right_and_even_pages_left():
    pdf = render_minutes(minutes(situation=LONG * 12))
    numbers = [r for r in runs(pdf) if r.text.startswith("—") and r.size == 14]
    assert [r.page for r in numbers] == list(range(len(PdfReader(io.BytesIO(pdf)).pages)))
    left, right, bottom = 28 * mm, 28 * mm + 156 * mm, 297 * mm - 37 * mm - 225 * mm
    for r in numbers:
        assert bottom - 12 * mm < r.y < bottom - 7 * mm
        if r.page % 2 == 0:  # page 1, 3, …: on the right, one character in
            assert right - 14 - 60 < r.x < right - 14
        else:
            assert abs(r.x - (left + 14)) < 1
    assert GBT9704.padding == 0 and GBT9704.numbers.outside


@pytest.mark.parametrize("name", list(STANDALONE))
def test_every_document_is_laid_out_by_the_base(name, monkeypatch):
    used = []
    render = base.render_story

    def spy(story, **kwargs):
        used.append(kwargs.get("layout", FORM))
        return render(story, **kwargs)

    for module in ("receipt", "minutes", "mediation", "supervision", "referral", "recovery_key"):
        monkeypatch.setattr(f"app.reports.{module}.render_story", spy)
    monkeypatch.setattr("app.reports.ledger.render_story", spy)
    assert STANDALONE[name]().startswith(b"%PDF")
    assert len(used) == 1
