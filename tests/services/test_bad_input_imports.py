"""Bad input on purpose, registers and imports: a record typed in a form (流动人口, 特殊人群,
平安创建), and sheets of matters and of each register, as CSV (UTF-8 or GB 18030) and as
XLSX written by openpyxl, with odd cells: rare characters, control characters, Excel date
serials and text dates, ID numbers with x/X or turned into numbers, an empty sheet, a wrong
header.

A record or a one-row sheet is stored exactly (each cell as the field's checks normalise it)
or refused in Chinese — a report whose every problem is Chinese — with nothing written. A
sheet with good and bad rows and ``skip_invalid`` imports the good ones and writes the bad
ones beside it, never crashing on what it copies.
"""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import select

from app.core.errors import ValidationError
from app.models import ImportedRow, Matter, Person
from app.services.command import importing, registers
from app.services.command.registers import REGISTERS, FieldSpec, parse_date, parse_datetime
from app.services.validation import validate_id_number, validate_phone
from tests.conftest import actor
from tests.strategies import (
    ANY_TEXT,
    CELLS,
    CHINESE,
    FAIR,
    GOOD_PHONES,
    NAMES,
    PHONES,
    SHORT_FAIR,
    TEXT,
    attempt,
    center_database,
    id_numbers,
    mostly,
    row_counts,
)

GOOD_DATES = st.one_of(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2025, 12, 31)).flatmap(
        lambda d: st.sampled_from(
            [
                d.isoformat(),
                f"{d.year}/{d.month}/{d.day}",
                f"{d.year}年{d.month}月{d.day}日",
                f"{d:%Y%m%d}",
                f"{d.year}.{d.month}.{d.day} 09:30",
                str((d - date(1899, 12, 30)).days),
            ]
        )  # fmt: skip
    ),
)
BAD_DATES = (
    st.sampled_from(["2026-02-30", "2026-13-01", "0000-01-01", "昨天", "3/5/2026", "1", "99999999"])
    | TEXT
)  # noqa: E501
VILLAGES = ["白石村", "中雁村", "山马社区"]


def good_value(spec: FieldSpec):
    """What a careful clerk types in the field."""
    k = spec.kind
    if k == "name":
        return NAMES
    if k == "id":
        return id_numbers(valid=True)
    if k == "phone":
        return st.just("") | GOOD_PHONES
    if k in ("date", "datetime"):
        return GOOD_DATES if spec.required else st.just("") | GOOD_DATES
    if k == "year":
        return st.integers(1990, 2100) | st.integers(1990, 2100).map(str)
    if k == "village":
        return st.sampled_from(["", *VILLAGES])
    if k == "unit":
        return st.sampled_from(["", "司法所", "派出所"])
    if k == "category":
        return st.sampled_from(["投诉", "咨询", "求助"])
    if k == "choice":
        return st.sampled_from([m.label for m in spec.choices] + [m.value for m in spec.choices])
    if k == "money":
        return st.integers(1, 99_999).map(str) | st.sampled_from(["1,500", "１２３", "88.5元"])
    fair = FAIR if spec.max_len > 60 else SHORT_FAIR
    return fair if spec.required else st.just("") | fair


def bad_value(spec: FieldSpec):
    """What a form or a sheet may hold all the same."""
    k = spec.kind
    if k == "id":
        return id_numbers()
    if k == "phone":
        return PHONES
    if k in ("date", "datetime"):
        return BAD_DATES
    return ANY_TEXT


def values_for(specs: list[FieldSpec], one_in: int = 12):
    return st.fixed_dictionaries(
        {s.key: mostly(good_value(s), bad_value(s), one_in=one_in) for s in specs}
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    yield from center_database(tmp_path_factory)


@pytest.fixture
def clerk(db):
    return actor(db, "jiedai")


def expected(spec: FieldSpec, value: Any) -> Any:
    """The value a record keeps for ``value`` in ``spec``'s field, as the form shows it back:
    text stripped, ID numbers and phones as their checks write them, dates as dates, choices
    by their labels, villages and units by name."""
    text = registers._text_of(value)
    if not text and not isinstance(value, date):
        return None if spec.kind in ("date", "year", "datetime") else ""
    k = spec.kind
    if k == "name":
        return registers.name_text(text)
    if k == "id":
        return validate_id_number(text)
    if k == "phone":
        return validate_phone(text)
    if k == "date":
        return parse_date(value, spec.label)
    if k == "datetime":
        return parse_datetime(value, spec.label)
    if k == "year":
        return int(text)
    if k == "money":  # as the form shows an amount: yuan to the 分 (１２３ → 123.00)
        return f"{registers._money(text, spec.label):.2f}"
    if k == "choice":
        return next(m.label for m in spec.choices if text in (m.label, m.value))
    return text


@pytest.mark.parametrize("kind", list(REGISTERS))
def test_records_typed_in_a_form(db, clerk, kind):
    specs = REGISTERS[kind][1]

    def shown(record_id):
        with db.read() as s:
            return registers.record_values(s, clerk, kind, record_id)

    @settings(max_examples=25)
    @given(raw=values_for(specs), change=values_for(specs))
    def typed(raw, change):
        ok, record_id = attempt(db, lambda s: registers.add_record(s, clerk, kind, dict(raw)))
        if not ok:
            return
        before = shown(record_id)
        assert before == {spec.key: expected(spec, raw[spec.key]) for spec in specs}
        # … and corrected in the form: every field as typed again, or nothing changed.
        ok, _ = attempt(
            db, lambda s: registers.update_record(s, clerk, kind, record_id, dict(change))
        )
        if not ok:
            assert shown(record_id) == before
            return
        # A derived field (最近走访: the newest visit) is shown, never changed by the form.
        derived = registers.DERIVED_FIELDS.get(kind, ())
        assert shown(record_id) == {
            spec.key: before[spec.key] if spec.key in derived else expected(spec, change[spec.key])
            for spec in specs
        }

    typed()


# --- sheets --------------------------------------------------------------------------------------

_names = itertools.count(1)


def write_sheet(folder, form: str, header: list[str], rows: list[list[Any]]):
    """The sheet as a centre's Excel saves it; XLSX cannot hold control characters at all, so
    (as Excel would refuse them) they are dropped there."""
    n = next(_names)
    if form == "xlsx":
        wb = Workbook()
        ws = wb.active
        for r in [header, *rows]:
            ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in r])
        path = folder / f"表{n}.xlsx"
        wb.save(path)
        return path
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    encoding = {"csv": "utf-8-sig", "csv-gb": "gb18030"}[form]
    path = folder / f"表{n}.csv"
    path.write_bytes(
        out.getvalue().encode(encoding, "replace" if form == "csv-gb" else "surrogatepass")
    )
    return path


MATTER_SPECS = [s for s in importing.MATTER_FIELDS if s.key in
                ("received_at", "category_id", "name", "id_number", "phone", "village_id",
                 "address", "summary", "handler_name", "old_number")]  # fmt: skip
FORMS = st.sampled_from(["xlsx", "csv", "csv-gb"])


def _cells(specs):
    """One row's cells: mostly good, now and then anything a cell can hold."""
    return st.fixed_dictionaries(
        {s.key: mostly(good_value(s), st.one_of(bad_value(s), CELLS), one_in=10) for s in specs}
    )


def _header(specs, style: int) -> list[str]:
    if style == 1:  # aliases where there are some, and marks people add to headers
        return [f"*{s.aliases[0]}" if s.aliases else f"{s.label}：" for s in specs]
    return [s.label for s in specs]


def _check_report(report) -> None:
    for p in report.problems:
        assert CHINESE.search(p.message), p.message
    assert all(CHINESE.search(line) for line in report.lines())


@pytest.mark.parametrize("kind", ["matters", *REGISTERS])
def test_a_one_row_sheet_is_imported_exactly_or_refused(db, clerk, kind, tmp_path):
    specs = MATTER_SPECS if kind == "matters" else REGISTERS[kind][1]

    @settings(max_examples=20)
    @given(row=_cells(specs), form=FORMS, style=st.sampled_from([0, 0, 1]))
    def one_row(row, form, style):
        path = write_sheet(tmp_path, form, _header(specs, style), [[row[s.key] for s in specs]])
        try:  # the cells as the import reads them (CSV: all text)
            read = importing.read_sheet(path)
        except ValidationError:  # a file no one can read (broken bytes or XML): refused whole
            ok, _ = attempt(db, lambda s: importing.import_sheet(s, clerk, kind, path))
            assert not ok
            return
        with db.read() as s:
            known = {o for o in s.scalars(select(ImportedRow.object_id))}
            people = dict(s.execute(select(Person.id_number, Person.name)).all())
        values = read.rows[0][1] if read.rows else []
        cells = dict(zip((s.key for s in specs), values, strict=False))
        before = row_counts(db)
        with db.write() as s:
            report = importing.import_sheet(s, clerk, kind, path)
        _check_report(report)
        if report.imported == 0:
            after = row_counts(db)
            if not report.checked_only:  # seen before: nothing but the import's audit row
                after["audit_log"] -= 1
            assert after == before, report.lines()
            return
        with db.read() as s:
            (new,) = [o for o in s.scalars(select(ImportedRow.object_id)) if o not in known]
            if kind == "matters":
                m = s.get(Matter, new)
                p = m.persons[0].person
                shown = {
                    "received_at": m.received_at,
                    "name": p.name,
                    "id_number": p.id_number or "",
                    "summary": m.summary,
                    "handler_name": m.handler_name or "",
                }
            else:
                shown = registers.record_values(s, clerk, kind, new)
        for spec in specs:
            if spec.key not in shown:
                continue
            want = expected(spec, cells.get(spec.key))
            if spec.key == "name" and kind == "matters" and cells.get("id_number"):
                # A person already known by the ID number keeps the name on record.
                id_spec = next(s for s in specs if s.key == "id_number")
                want = people.get(expected(id_spec, cells["id_number"]), want)
            assert shown[spec.key] == want, (spec.key, cells.get(spec.key))

    one_row()


@settings(max_examples=20)
@given(
    kind=st.sampled_from(["matters", *REGISTERS]),
    form=FORMS,
    bad=st.lists(st.lists(CELLS, min_size=1, max_size=16), max_size=3),  # none: an empty sheet
    header=st.sampled_from(["right", "wrong", "none"]),
)
def test_sheets_of_junk_are_reported_not_a_crash(
    db, clerk, tmp_path_factory, kind, form, bad, header
):
    specs = MATTER_SPECS if kind == "matters" else REGISTERS[kind][1]
    head = {"right": [s.label for s in specs], "wrong": ["日期", "人", "事"], "none": []}[header]
    folder = tmp_path_factory.mktemp("junk")
    path = write_sheet(
        folder, form, head, [[str(v) if form != "xlsx" else v for v in r] for r in bad]
    )
    before = row_counts(db)
    ok, report = attempt(  # an unreadable file is refused whole
        db, lambda s: importing.import_sheet(s, clerk, kind, path, skip_invalid=True)
    )
    if not ok:
        return
    _check_report(report)
    if report.imported == 0:
        after = row_counts(db)
        after["audit_log"] -= 0 if report.checked_only else 1
        assert after == before
    if report.refused_file:
        refused = load_workbook(report.refused_file).active
        assert refused.max_row == report.refused_rows + 1


def test_refused_rows_with_control_characters_are_copied_aside_not_a_crash(db, clerk, tmp_path):
    path = tmp_path / "流动人口.csv"
    path.write_text(
        "姓名,户籍地,现住址,来本地日期\n"
        "𠮷祥,贵州省毕节市,白石村1号,2025-01-02\n"
        "坏\x1b人,贵州\x00省,白石村2号,2025-02-30\n",
        encoding="utf-8",
    )
    with db.write() as s:
        report = importing.import_sheet(s, clerk, "migrants", path, skip_invalid=True)
    assert (report.imported, report.refused_rows) == (1, 1), report.lines()
    refused = load_workbook(report.refused_file).active
    assert [c.value for c in refused[2]][:3] == [3, "坏\ufffd人", "贵州\ufffd省"]
    # Text that looks like a formula is copied as text, not run when the file is opened.
    path.write_text('姓名,户籍地,现住址,来本地日期\n=HYPERLINK("x"),贵州,白石村,2025-01-02\n')
    with db.write() as s:
        report = importing.import_sheet(s, clerk, "migrants", path, skip_invalid=True)
    cell = load_workbook(report.refused_file).active["B2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("x")', "s")


def test_a_cell_too_long_for_the_csv_module_is_refused_in_chinese(db, clerk, tmp_path):
    path = tmp_path / "长.csv"
    path.write_text(
        '姓名,户籍地,现住址,来本地日期\n张三,"' + "长" * 200_000 + '",白石村,2025-01-02\n'
    )
    before = row_counts(db)
    with db.write() as s, pytest.raises(ValidationError) as err:
        importing.import_sheet(s, clerk, "migrants", path)
    assert "长.csv" in str(err.value) and CHINESE.search(str(err.value))
    assert row_counts(db) == before


def test_a_year_of_five_thousand_digits_is_refused_in_chinese():
    spec = next(s for s in REGISTERS["safety"][1] if s.key == "year")
    with pytest.raises(ValidationError, match="年份"):
        registers.clean_value(spec, "2" * 5000, None)
    assert registers.clean_value(spec, "２０２６", None) == 2026
