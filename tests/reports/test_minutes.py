"""Minutes laid out as GB/T 9704 asks (docs/DOMAIN.md §8), read back from the PDF: faces by role,
22 lines of 28 characters, the attendance labels' hanging indent, the imprint, page numbers."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from app.reports.fonts import default_fonts
from app.reports.minutes import (
    SQUEEZE,
    MinutesAttendee,
    MinutesData,
    MinutesDecision,
    MinutesItem,
    render_minutes,
)

LEFT, RIGHT = 28 * mm, 28 * mm + 156 * mm
CHAR = 16 * SQUEEZE  # one character of the text on the 28-a-line grid


@dataclass
class Run:
    page: int
    text: str
    face: str  # the PostScript name, without the subset prefix
    size: float
    x: float
    y: float


def runs(pdf: bytes) -> list[Run]:
    out: list[Run] = []
    for n, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):

        def visit(text, cm, tm, font, size, n=n):
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                face = str((font or {}).get("/BaseFont", "")).split("+")[-1]
                out.append(Run(n, text.strip(), face, size, x, y))

        page.extract_text(visitor_text=visit)
    return out


def postscript_name(registered: str) -> str:
    from reportlab.pdfbase import pdfmetrics

    font = pdfmetrics.getFont(registered)
    face = getattr(font, "face", None)
    name = getattr(face, "name", registered)
    return (name.decode() if isinstance(name, bytes) else name).replace(" ", "")


def minutes(**kw) -> MinutesData:
    values = dict(
        center_name="白石街道综治工作中心",
        kind="联席会议",
        is_minutes=True,
        title="白石街道综治工作中心联席会议",
        number="BSHY2026-A-001",
        starts_at=datetime(2026, 11, 5, 9, 0),
        place="中心三楼会议室",
        chair="周主任",
        recorder="李接待",
        situation="本月矛盾纠纷以邻里纠纷为主，信访事项平稳。",
        items=[MinutesItem("中雁村宅基地纠纷", "双方对边界仍有分歧。")],
        decisions=[MinutesDecision("两周内完成现场测量并再次调解", "司法所", date(2026, 11, 19))],
        attendees=[
            MinutesAttendee("周主任", "综治中心"),
            MinutesAttendee("王𠮷", "司法所"),
            MinutesAttendee("陈国平", "矛盾纠纷调解室"),
            MinutesAttendee("吴建军", "派出所"),
            MinutesAttendee("黄丽", "司法所"),
            MinutesAttendee("陈某", "信访办", "请假", "外出培训"),
            MinutesAttendee("赵敏", "妇联", "列席"),
        ],
        distribution="各派驻单位，各村（社区）",
        issued_on=date(2026, 11, 6),
    )
    values.update(kw)
    return MinutesData(**values)


def test_each_part_is_set_in_its_role_face():
    fonts = default_fonts()
    rs = runs(render_minutes(minutes()))

    def check(start: str, role: str, size: float = 16) -> None:
        run = next(r for r in rs if r.text.startswith(start))
        # A face in a collection is written with its index ("WenQuanYiMicroHei-0").
        # (ReportLab's own CID face, without Chinese fonts installed: "/STSong-Light".)
        face = run.face.lstrip("/")
        assert face.startswith(postscript_name(fonts.face(role))), (start, run.face, role)
        assert run.size == size, (start, run.size)

    check("白石街道综治工作中心联席会议纪要", "title", 22)
    check("一、", "heading1")
    check("（一）", "heading2")
    check("2026年11月5日", "body")
    check("出席：", "heading1")
    check("周主任（综治中心）", "body")
    check("— 1 —", "song", 14)


def test_a_page_holds_22_lines_of_28_characters():
    text = "\n".join(["研" * 100] * 12)
    pdf = render_minutes(minutes(situation=text, items=[], decisions=[], attendees=[]))
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 3
    # Each paragraph: 26 characters after the two-character indent, then 28, 28 and 18.
    lines = [line.strip() for line in pages[1].extract_text().splitlines()]
    body = [line for line in lines if set(line) == {"研"}]
    assert {len(line) for line in body} == {18, 26, 28}
    assert len(body) >= 21  # 22, less one when a paragraph's first line would be left alone


def test_attendance_labels_are_indented_and_wrapped_names_line_up_after_the_colon():
    rs = runs(render_minutes(minutes()))
    label = next(r for r in rs if r.text == "出席：")
    assert abs(label.x - (LEFT + 2 * CHAR)) < 1  # two characters in
    first_line = [r for r in rs if r.page == label.page and abs(r.y - label.y) < 1]
    wrapped = [r for r in rs if r.page == label.page and 20 < label.y - r.y < 40]
    assert wrapped, "the 出席 names should take two lines"
    colon_end = label.x + 3 * CHAR  # after "出席："
    assert all(abs(r.x - colon_end) < 1 for r in wrapped), (colon_end, wrapped)
    # A name and its unit are never split between lines.
    names = "".join(r.text for r in first_line + wrapped)
    for entry in (
        "周主任（综治中心）",
        "王𠮷（司法所）",
        "陈国平（矛盾纠纷调解室）",
        "吴建军（派出所）",
    ):
        assert entry in names
    assert all(not r.text.startswith(("、", "）")) for r in wrapped)


def test_imprint_sits_at_the_foot_with_the_date_on_the_right():
    rs = runs(render_minutes(minutes()))
    body = next(r for r in rs if r.text == "白石街道综治工作中心" and r.size == 14)
    issued = next(r for r in rs if r.text.startswith("2026年11月6日"))
    assert abs(body.y - issued.y) < 1  # one line: the issuing body left, the date right
    assert abs(body.x - (LEFT + 14)) < 1
    # "2026年11月6日印发" (5 characters and 7 digits of 4号) ends one character in from the right.
    assert abs(issued.x - (RIGHT - 14 - (5 * 14 + 7 * 7))) < 2
    bottom = A4[1] - 37 * mm - 225 * mm
    assert body.y - bottom < 20 * mm  # at the foot of the block
    dist = next(r for r in rs if r.text.startswith("分送："))
    assert dist.y > body.y and abs(dist.x - (LEFT + 14)) < 1


def test_a_long_issuing_body_puts_the_date_below_it():
    name = "浙江省温州市乐清市白石街道社会治安综合治理工作中心（矛盾纠纷多元化解中心）"
    rs = runs(render_minutes(minutes(center_name=name)))
    body = next(r for r in rs if r.text.startswith("浙江省") and r.size == 14)
    issued = next(r for r in rs if r.text.startswith("2026年11月6日"))
    assert issued.y < body.y and issued.x > body.x + 100


def test_rare_characters_print_in_title_heading_and_names():
    data = minutes(
        title="王𠮷村联席会议",
        items=[MinutesItem("𠮷村宅基地纠纷", "")],
        decisions=[],
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(render_minutes(data))).pages)
    assert "王𠮷村联席会议纪要" in text
    assert "（一）𠮷村宅基地纠纷" in text
    assert "王𠮷（司法所）" in text


def test_short_minutes_fit_on_one_page_with_the_imprint():
    pdf = render_minutes(minutes(attendees=[], items=[]))
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
