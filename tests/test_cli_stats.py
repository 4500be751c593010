"""`zongzhi export stats NAME`: signed in, audited, XLSX or PDF by the file's suffix."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.cli import main
from app.models import AuditEntry
from tests.services.test_superior_stats import stats_center  # noqa: F401  (the fixture)
from tests.test_cli import password_file


def test_export_stats_xlsx_and_pdf(db, stats_center, tmp_path, capsys):  # noqa: F811
    login = ["--user", "zhuren", "--password-file", str(password_file(tmp_path))]
    base = ["--database-url", db.url, *login]
    period = ["--from", "2027-01-01", "--to", "2027-01-31"]
    out = tmp_path / "disputes.xlsx"
    args = ["export", "stats", "disputes", *period, "--village", "中雁村", "--out", str(out)]
    assert main([*args, *base]) == 0, capsys.readouterr().err
    assert "矛盾纠纷排查化解情况统计表" in capsys.readouterr().out
    values = [[c.value for c in r] for r in load_workbook(out).active.iter_rows()]
    assert "村社区：中雁村" in values[1][0]
    assert next(r for r in values if r[0] == "合计")[1] == 1  # D2 only
    out = tmp_path / "mediation.pdf"
    assert main(["export", "stats", "mediation", *period, "--out", str(out), *base]) == 0
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "人民调解案件情况统计表" in text and "2027年1月1日至2027年1月31日" in text
    # Usage errors: an unknown table, a wrong suffix; a user without the right is refused.
    assert main(["export", "stats", "nope", "--out", str(out), *base]) == 2
    assert main(["export", "stats", "petitions", "--out", str(tmp_path / "x.csv"), *base]) == 2
    jiedai = ["--user", "jiedai", "--password-file", str(password_file(tmp_path))]
    assert main(["export", "stats", "petitions", "--out", str(out), "--database-url", db.url,
                 *jiedai]) == 1  # fmt: skip
    with db.read() as s:
        events = list(
            s.scalars(select(AuditEntry.reason).where(AuditEntry.event == "export_stats"))
        )
    assert len(events) == 2 and "中雁村" in events[0]
