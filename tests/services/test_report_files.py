"""信息报送's attachments: real files kept with a draft report (the matters' attachment store),
saved with the form in one transaction, listed on the printed 附件 line, frozen by 签发."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.core.errors import ValidationError
from app.models import ReportKind, UpwardReport
from app.services.command import reports_upward
from app.services.command.reports_upward import ReportInput
from tests.conftest import actor


def test_files_saved_with_the_form_printed_and_frozen(db, clock, tmp_path):
    clock.freeze("2027-03-01 09:00")
    who, director = actor(db, "jiedai"), actor(db, "zhuren")
    store = tmp_path / "attachments"
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(b"\xff\xd8 photo")
    table = tmp_path / "排查情况汇总表.xlsx"
    table.write_bytes(b"PK sheet")
    data = ReportInput(ReportKind.BRIEF, "三月简报", "正文", attachments="排查情况汇总表")
    # A file that is not there refuses the whole save: no report, no number used.
    with pytest.raises(ValidationError, match="找不到文件"), db.write() as s:
        reports_upward.save_report_with_files(
            s, who, None, data, [tmp_path / "nope.pdf"], [], store
        )
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(UpwardReport)) == 0
    with db.write() as s:
        row = reports_upward.save_report_with_files(s, who, None, data, [photo, table], [], store)
    assert row.number == "简报〔2027〕第1期"
    with db.read() as s:
        files = reports_upward.report_files(s, who, row.id)
    # Added in one save: listed by name.
    assert [f.file_name for f in files] == ["排查情况汇总表.xlsx", "现场照片.jpg"]
    with db.write() as s:
        path = reports_upward.report_file_path(s, who, files[1].id, store)
    assert path.read_bytes() == b"\xff\xd8 photo"
    # The typed line names the table already; the photo is added to the 附件 line.
    with db.read() as s:
        assert reports_upward.report_data(s, who, row.id).attachments == [
            "排查情况汇总表",
            "现场照片",
        ]
    # Removing one in an edit; then 签发 freezes the files too.
    with db.write() as s:
        reports_upward.save_report_with_files(s, who, row.id, data, [], [files[0].id], store)
        reports_upward.sign_report(s, director, row.id)
    with db.read() as s:
        assert [f.file_name for f in reports_upward.report_files(s, who, row.id)] == [
            "现场照片.jpg"
        ]
    with pytest.raises(ValidationError, match="已签发"), db.write() as s:
        reports_upward.add_report_file(s, who, row.id, table, store)
    with db.write() as s:
        _number, pdf = reports_upward.report_pdf(s, who, row.id)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "附件：1. 排查情况汇总表" in text.replace("\n", "") and "现场照片" in text
