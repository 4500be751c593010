"""Migration 0024: reports written before it keep their numbers, are put on this machine's
terminal, and the counters carry on after them (no 第1期 handed out twice)."""

from __future__ import annotations

import uuid

from alembic import command
from sqlalchemy import text

from app.db import Database, alembic_config


def test_existing_reports_keep_their_numbers_and_the_counters_follow(tmp_path):
    db = Database("sqlite:///" + str(tmp_path / "old.sqlite3"))
    with db.engine.connect() as conn:
        command.upgrade(alembic_config(conn), "0019")
        conn.execute(text("INSERT INTO settings (key, value) VALUES ('terminal', '\"C\"')"))
        for seq in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO upward_reports (id, kind, year, seq, number, title, body,"
                    " attachments, recipient, copy_no, secrecy, urgency, distribution, signer,"
                    " created_at, updated_at) VALUES (:id, 'brief', 2026, :seq, :number, '简报',"
                    " '', '', '', '', '', '', '', '', '2026-05-01 09:00:00',"
                    " '2026-05-01 09:00:00')"
                ),
                {"id": uuid.uuid4().hex, "seq": seq, "number": f"简报〔2026〕第{seq}期"},
            )
        conn.commit()
        command.upgrade(alembic_config(conn), "0020")
        conn.commit()
        terminals = {r[0] for r in conn.execute(text("SELECT terminal FROM upward_reports"))}
        counters = conn.execute(
            text("SELECT prefix, year, terminal, last_value FROM number_counters")
        ).all()
    db.dispose()
    assert terminals == {"C"}
    assert counters == [("RPT-brief", 2026, "C", 2)]
