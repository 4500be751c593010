"""The font resolver gives each role of GB/T 9704 a face, with the fonts CI has (WenQuanYi Micro
Hei, HanaMin, AR PL UMing and UKai) and with candidate lists the tests make up; rare characters
print in every role."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.reports.fonts import (
    BUILTIN_CID,
    HEADING1,
    HEADING2,
    ROLES,
    SONG,
    TITLE,
    FcFace,
    default_fonts,
    markup,
    missing_characters,
    parse_fc_list,
    resolve_fonts,
)

FONTS = Path("/usr/share/fonts/truetype")
WQY = FONTS / "wqy/wqy-microhei.ttc"
HANA_A = FONTS / "hanazono/HanaMinA.ttf"
HANA_B = FONTS / "hanazono/HanaMinB.ttf"
UMING, UKAI = FONTS / "arphic/uming.ttc", FONTS / "arphic/ukai.ttc"
RARE = [(HANA_B, 0), (HANA_A, 0)]

needs_ci_fonts = pytest.mark.skipif(
    not all(f.is_file() for f in (WQY, HANA_A, HANA_B, UMING, UKAI)),
    reason="needs fonts-wqy-microhei, fonts-hanazono, fonts-arphic-uming and fonts-arphic-ukai "
    "(what .ci/run installs)",
)


def resolve(configured=None, **kinds) -> object:
    return resolve_fonts(
        configured,
        candidates={k: [(p, 0) for p in v] for k, v in kinds.items()},
        rare_candidates=RARE,
        use_fc_list=False,
    )


def file_of(fonts, role: str) -> str | None:
    return fonts.paths.get(fonts.face(role))


@needs_ci_fonts
def test_a_song_face_is_preferred_to_a_sans_face_for_the_text_and_the_title():
    fonts = resolve(hei=[WQY], song=[HANA_A])
    assert file_of(fonts, "body") == str(HANA_A)
    assert file_of(fonts, TITLE) == str(HANA_A)
    assert file_of(fonts, SONG) == str(HANA_A)
    assert file_of(fonts, HEADING1) == str(WQY)  # 黑体's stand-in
    assert fonts.heading2 == fonts.body  # no Kai face: 楷体 headings fall back to the text face
    assert fonts.title_stroke > 0  # a regular Song title is emboldened to come near 小标宋


@needs_ci_fonts
def test_what_ci_has_is_found_by_fc_list_and_sorted_into_roles():
    """With the fonts .ci/run installs, fc-list alone finds a Ming face for the text, the title
    and the page numbers, a Kai face for “（一）” headings and a Hei face for “一、” ones."""
    fonts = resolve_fonts(candidates={}, rare_candidates=RARE)
    assert file_of(fonts, "body") == file_of(fonts, TITLE) == file_of(fonts, SONG)
    assert file_of(fonts, "body") in {str(UMING), str(HANA_A)}  # a Ming face, never sans
    assert file_of(fonts, HEADING2) == str(UKAI)
    assert file_of(fonts, HEADING1) not in {str(UMING), str(UKAI), str(HANA_A)}  # a Hei face


@needs_ci_fonts
def test_with_only_a_sans_face_every_role_uses_it():
    fonts = resolve(hei=[WQY])
    assert {fonts.face(r) for r in ROLES} == {fonts.body}
    assert file_of(fonts, "body") == str(WQY)


@needs_ci_fonts
def test_the_configured_font_wins_for_the_text_only():
    fonts = resolve(str(WQY), song=[HANA_A])
    assert file_of(fonts, "body") == str(WQY)
    assert file_of(fonts, TITLE) == str(HANA_A)


@needs_ci_fonts
def test_a_face_without_common_simplified_chinese_is_passed_over():
    # HanaMinB holds Extension B and later, not 王 or the full-width comma: not a text face.
    fonts = resolve(fangsong=[HANA_B], song=[HANA_A])
    assert file_of(fonts, "body") == str(HANA_A)


@needs_ci_fonts
def test_a_missing_or_unreadable_file_falls_through(tmp_path):
    bad = tmp_path / "broken.ttf"
    bad.write_bytes(b"not a font")
    fonts = resolve(str(tmp_path / "missing.ttf"), fangsong=[bad], kai=[WQY])
    assert file_of(fonts, "body") == str(WQY)
    assert file_of(fonts, HEADING2) == str(WQY)


def test_without_any_face_every_role_is_the_builtin_cid_font():
    fonts = resolve_fonts(candidates={}, rare_candidates=[], use_fc_list=False)
    assert {fonts.face(r) for r in ROLES} == {BUILTIN_CID}
    assert fonts.body_path is None


@needs_ci_fonts
@pytest.mark.parametrize("role", ROLES)
def test_rare_characters_switch_face_in_every_role(role):
    fonts = resolve(hei=[WQY], song=[HANA_A])
    face = fonts.face(role)
    assert not missing_characters("王𠮷李䶮𪚥", fonts, face)
    out = markup("王𠮷", fonts, face)
    if not fonts.has(face, "𠮷"):
        assert out.startswith("王<font name=") and out.endswith("𠮷</font>")
    # 𠮷 is in HanaMinA too: only the sans heading face has to switch.
    assert ("<font" in out) == (face == fonts.heading1)


def test_fc_list_faces_are_sorted_into_kinds():
    out = "\n".join(
        [
            "/f/ukai.ttc\t0\tAR PL UKai CN,文鼎PL中楷\tBook\tTrueType",
            "/f/uming.ttc\t0\tAR PL UMing CN,文鼎PL細上海宋\tLight\tTrueType",
            "/f/wqy.ttc\t1\tWenQuanYi Micro Hei Mono,文泉驿等宽微米黑\tRegular\tTrueType",
            "/f/wqy.ttc\t0\tWenQuanYi Micro Hei,文泉驿微米黑\tRegular\tTrueType",
            "/f/NotoSerifCJK.ttc\t0\tNoto Serif CJK SC\tRegular\tCFF",
            "/f/FZXBSJW.TTF\t0\tFZXiaoBiaoSong-B05S,方正小标宋简体\tRegular\tTrueType",
            "/f/zhuque.ttf\t0\tZhuque Fangsong (technical preview),朱雀仿宋\tRegular\tTrueType",
            "/f/HanaMinA.ttf\t0\tHanaMinA,花園明朝A\tRegular\tTrueType",
            "/f/LXGWWenKai.ttf\t0\tLXGW WenKai\tRegular\tTrueType",
            "/f/odd.ttf\t0\tSomething Else\tRegular\tTrueType",
            "/f/italic.ttf\t0\tSome Song\tItalic\tTrueType",
        ]
    )
    faces = parse_fc_list(out)
    kinds = {f.path.name: f.kind for f in faces}
    assert kinds == {
        "ukai.ttc": "kai",
        "uming.ttc": "song",
        "wqy.ttc": "hei",
        "FZXBSJW.TTF": "xiaobiaosong",
        "zhuque.ttf": "fangsong",
        "HanaMinA.ttf": "song",
        "LXGWWenKai.ttf": "kai",
        "odd.ttf": "other",
    }
    song = sorted((f for f in faces if f.kind == "song"), key=lambda f: f.rank)
    assert [f.path.name for f in song] == ["uming.ttc", "HanaMinA.ttf"]  # 宋 before 明朝
    wqy = [f for f in faces if f.path.name == "wqy.ttc"]
    assert [f.index for f in wqy] == [0, 1]  # the proportional face before the monospaced one
    assert FcFace(Path("/x.ttf"), 0, "SimHei,黑体").kind == "hei"


def test_faces_are_registered_once_per_process(monkeypatch):
    """Registering a face costs 50–200 ms; a warm receipt is about 20 ms (bench_print)."""
    from app.reports import font_cache
    from app.reports.receipt import render_receipt
    from tests.reports.test_receipt import sample

    assert default_fonts() is default_fonts()
    render_receipt(sample())
    opened = []
    real = font_cache.parse
    monkeypatch.setattr(font_cache, "parse", lambda *a: opened.append(a) or real(*a))
    monkeypatch.setattr(font_cache, "_unpack", lambda *a: opened.append(a))
    render_receipt(sample())
    resolve_fonts(candidates={"song": [(HANA_A, 0)], "hei": [(WQY, 0)]}, use_fc_list=False)
    assert not opened


@needs_ci_fonts
def test_with_ming_kai_and_hei_faces_each_role_has_its_own():
    fonts = resolve(song=[UMING, HANA_A], kai=[UKAI], hei=[WQY])
    assert {role: file_of(fonts, role) for role in ROLES} == {
        "body": str(UMING),
        "title": str(UMING),
        "song": str(UMING),
        "heading1": str(WQY),
        "heading2": str(UKAI),
    }


@pytest.mark.skipif(not shutil.which("fc-list"), reason="needs fontconfig's fc-list")
def test_fc_lists_answer_is_kept_until_a_font_folder_changes(tmp_path, monkeypatch):
    """Running fc-list is 5–30 ms of every print: its answer is kept in the cache folder, and
    asked again once a font (or a configuration file) is added or removed."""
    from app.reports import fonts

    folder = tmp_path / "fonts"
    folder.mkdir()
    monkeypatch.setenv("ZONGZHI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(fonts, "font_folders", lambda: [folder])
    runs: list = []
    real = subprocess.run  # fonts imports it when it runs fc-list
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: runs.append(a) or real(*a, **k))

    first = fonts._fc_list()
    assert fonts._fc_list() == first and len(runs) == 1
    (folder / "new").mkdir()  # a font installed in a folder of its own
    os.utime(folder, ns=(1, 1))  # whatever the clock's granularity, the folder's time moved
    assert fonts._fc_list() == first and len(runs) == 2
    assert fonts._fc_list() == first and len(runs) == 2
    (tmp_path / "cache" / "fonts" / "fc-list.txt").write_text("damaged", encoding="utf-8")
    assert fonts._fc_list() == first and len(runs) == 3
    # A linked folder (WPS links /usr/share/fonts/wps-office to /opt): a font added inside the
    # folder it points to is noticed too; a link back up does not loop.
    elsewhere = tmp_path / "opt-fonts"
    elsewhere.mkdir()
    (folder / "wps-office").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "loop").symlink_to(folder, target_is_directory=True)
    assert fonts._fc_list() == first and len(runs) == 4
    assert fonts._fc_list() == first and len(runs) == 4
    (elsewhere / "wps").mkdir()
    os.utime(elsewhere, ns=(2, 2))
    assert fonts._fc_list() == first and len(runs) == 5
