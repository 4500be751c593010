"""Hostile sheets (issue 16 §6, XLSX): hard limits on rows, cell length, uncompressed size and
time, and XML the parser refuses (a nested-entity DTD) — each refused whole, in Chinese,
without echoing a cell and without writing anything."""

from __future__ import annotations

import zipfile

import pytest
from openpyxl import Workbook

from app.core.errors import ValidationError
from app.services.command import importing
from tests.conftest import actor
from tests.strategies import CHINESE, row_counts

HEAD = ["姓名", "户籍地", "现住址", "来本地日期"]


def _xlsx(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(HEAD)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _refused(db, path, **kw) -> str:
    before = row_counts(db)
    with db.write() as s, pytest.raises(ValidationError) as err:
        importing.import_sheet(s, actor(db, "jiedai"), "migrants", path, **kw)
    assert row_counts(db) == before
    text = str(err.value)
    assert CHINESE.search(text) and "Traceback" not in text
    return text


def test_too_many_rows_are_refused_before_anything_is_checked(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 50)
    path = _xlsx(tmp_path / "多.xlsx", [["张三", "贵州", "白石村", "2025-01-02"]] * 60)
    text = _refused(db, path)
    assert "50" in text and "行" in text
    csv_path = tmp_path / "多.csv"
    csv_path.write_text("\n".join([",".join(HEAD)] + ["张三,贵州,白石村,2025-01-02"] * 60))
    assert "50" in _refused(db, csv_path)


def test_a_cell_past_the_length_limit_is_refused_without_being_echoed(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "MAX_CELL_CHARS", 1000)
    path = _xlsx(tmp_path / "长.xlsx", [["张三", "贵" * 5000, "白石村", "2025-01-02"]])
    text = _refused(db, path)
    assert "1000" in text and "贵" * 50 not in text and len(text) < 400
    assert "第 2 行" in text


def test_a_sheet_too_big_when_unpacked_is_refused_before_it_is_read(db, tmp_path, monkeypatch):
    # 2 MB of the same letter packs into a few KB.
    monkeypatch.setattr(importing, "MAX_UNPACKED_BYTES", 1_000_000)
    path = _xlsx(tmp_path / "炸.xlsx", [["张三", "a" * 5000, "白石村", "2025-01-02"]] * 400)
    assert path.stat().st_size < 100_000
    text = _refused(db, path)
    assert "解压" in text and "a" * 20 not in text


def test_reading_past_the_time_limit_is_refused(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "MAX_READ_SECONDS", 0.0)
    path = _xlsx(tmp_path / "慢.xlsx", [["张三", "贵州", "白石村", "2025-01-02"]] * 3000)
    assert "时间" in _refused(db, path)


def _with_entities(src, dst, member, old, new):
    """A copy of ``src`` whose ``member`` begins with a nested-entity DTD (a billion laughs)."""
    ents = '<!ENTITY a0 "aaaaaaaaaa">' + "".join(
        f'<!ENTITY a{k} "{f"&a{k - 1};" * 10}">' for k in range(1, 10)
    )
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == member:
                text = data.decode("utf-8")
                if text.startswith("<?xml"):
                    end = text.index("?>") + 2
                    text = text[:end] + f"<!DOCTYPE x [{ents}]>" + text[end:]
                else:
                    text = f"<!DOCTYPE x [{ents}]>" + text
                data = text.replace(old, new, 1).encode("utf-8")
            zout.writestr(info, data)
    return dst


@pytest.mark.parametrize(
    "member, old, new",
    [
        ("xl/worksheets/sheet1.xml", "<t>张三</t>", "<t>&a9;</t>"),
        ("xl/workbook.xml", 'name="Sheet"', 'name="&a9;"'),
    ],
)
def test_a_nested_entity_dtd_is_the_usual_refusal(db, tmp_path, member, old, new):
    wb = Workbook()
    ws = wb.active
    ws.append(HEAD)
    ws.append(["张三", "贵州", "白石村", "2025-01-02"])
    wb.save(tmp_path / "src.xlsx")
    src = tmp_path / "src.xlsx"
    path = _with_entities(src, tmp_path / "实体.xlsx", member, old, new)
    text = _refused(db, path)
    assert "实体.xlsx" in text and "打不开" in text
    assert "amplification" not in text and "aaaaaaaaaa" not in text
