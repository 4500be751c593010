"""告知书 (docs/DOMAIN.md §4): 受理告知书, 不予受理告知书, 延期办理告知书 — in the receipt's style.

A4 form (``FORM``): the center's name and the notice's name, the 受理编号 under them, the
person it is addressed to, a grid of what is decided and why, the text of the notice, the
center's name and the date, and a stub (存根) for the file below a cut line. Pure: everything
printed is in :class:`NoticeData`, already masked by the caller.
"""

from __future__ import annotations

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, TableStyle

from .base import SHADE, Styles, format_date_cn, label_column, make_styles, render_story
from .contents import NoticeData as NoticeData
from .contents import received_text as received_text
from .receipt import WIDTH, CutLine, _grid


def render(data: NoticeData, styles: Styles | None = None) -> bytes:
    s = styles or make_styles()
    label_w = max(30 * mm, label_column([k for k, _v in data.rows], s.label))
    grid = _grid(
        [[s.p(k, s.label), s.p(v or "—")] for k, v in data.rows], [label_w, WIDTH - label_w]
    )
    right = ParagraphStyle("notice-right", parent=s.body, alignment=TA_RIGHT)
    story = [
        *s.head(data.center_name, data.title),
        s.p(f"受理编号：{data.number}", s.subtitle),
        Spacer(1, 5 * mm),
        s.p(f"{data.addressee}：", s.body),
        Spacer(1, 2 * mm),
        *[s.p("　　" + t, s.body) for t in data.text],
        Spacer(1, 4 * mm),
        grid,
        Spacer(1, 8 * mm),
        s.p(data.center_name, right),
        s.p(format_date_cn(data.issued_on), right),
    ]
    if data.center_phone:
        story += [Spacer(1, 4 * mm), s.p(f"联系电话：{data.center_phone}", s.small)]
    # Kept by whoever it is given to: "本处理意见书由群众收执", not "本告知书" on an opinion.
    kind = data.title.removesuffix("存根")
    story += [Spacer(1, 2 * mm), s.p(f"本{kind}由群众收执，请妥善保管。", s.small)]
    if data.stub_rows:
        w = WIDTH / 4
        cells = [*data.stub_rows, ("群众签收", "")]
        if len(cells) % 2:
            cells.append(("", ""))
        pairs = [cells[i : i + 2] for i in range(0, len(cells), 2)]
        stub = _grid(
            [
                [s.p(a, s.label), s.p(b, s.small), s.p(c, s.label), s.p(d, s.small)]
                for (a, b), (c, d) in pairs
            ],
            [w * 0.7, w * 1.3, w * 0.7, w * 1.3],
        )
        stub.setStyle(TableStyle([("BACKGROUND", (2, 0), (2, -1), SHADE)]))
        story += [
            Spacer(1, 6 * mm),
            KeepTogether(
                [
                    CutLine(WIDTH, "沿此线剪开", s.fonts.body),
                    Spacer(1, 2 * mm),
                    s.p(f"{data.center_name}　{data.title}存根", s.issuer),
                    Spacer(1, 2 * mm),
                    stub,
                ]
            ),
        ]
    return render_story(story, title=f"{data.title} {data.number}", fonts=s.fonts)


render_notice = render  # the name its callers use
