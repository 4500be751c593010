"""`zongzhi print duty-roster|duty-log|report`: signed in, audited, like the other prints."""

from __future__ import annotations

import io
from datetime import date, datetime

from pypdf import PdfReader
from sqlalchemy import select

from app.cli import main
from app.models import AuditEntry, ReportKind, User
from app.services.command import duty, reports_upward
from tests.conftest import actor
from tests.test_cli import password_file


def _text(path) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_print_roster_log_and_report(db, tmp_path, capsys, clock):
    clock.freeze("2027-03-01 09:00")
    director = actor(db, "zhuren")
    with db.write() as s:
        ids = dict(s.execute(select(User.username, User.id)).all())
        duty.build_roster(
            s, director, date(2027, 3, 1), date(2027, 3, 7), [ids["zhuren"]], [ids["jiedai"]]
        )
        duty.log_entry(
            s, director, duty.EntryInput(datetime(2027, 3, 1, 8, 30), "来电", "反映停水")
        )
        r = reports_upward.create_report(
            s, director, reports_upward.ReportInput(ReportKind.BRIEF, "三月简报", "正文")
        )
        reports_upward.sign_report(s, director, r.id)
    login = ["--user", "zhuren", "--password-file", str(password_file(tmp_path))]
    base = ["--database-url", db.url, *login]
    out = tmp_path / "roster.pdf"
    args = ["print", "duty-roster", "--from", "2027-03-01", "--to", "2027-03-07"]
    assert main([*args, "--out", str(out), *base]) == 0, capsys.readouterr().err
    assert "值班表" in _text(out) and "周主任" in _text(out)
    out = tmp_path / "log.pdf"
    assert main(["print", "duty-log", "2027-03-01", "--out", str(out), *base]) == 0
    assert "反映停水" in _text(out)
    out = tmp_path / "report.pdf"
    assert main(["print", "report", "简报〔2027〕第1期", "--out", str(out), *base]) == 0
    assert "三月简报" in _text(out) and "签发人：周主任" in _text(out)
    assert main(["print", "report", "简报〔2027〕第9期", "--out", str(out), *base]) == 1
    assert "第9期" in capsys.readouterr().err
    assert main(["print", "duty-roster", "--out", str(out), *base]) == 2
    assert main(["print", "duty-log", "三月一日", "--out", str(out), *base]) == 2
    with db.read() as s:
        events = set(s.scalars(select(AuditEntry.event)))
    assert {"duty_roster_print", "duty_log_print", "report_print"} <= events
