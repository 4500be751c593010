"""``zongzhi backup`` on a PostgreSQL server: a checked pg_dump, or a plain statement that no
backup was made and what the administrator must back up; never a claimed backup."""

from __future__ import annotations

import pytest

from app.cli import main
from app.services.data import server_backup
from tests import pg
from tests.conftest import skip_without


def test_without_pg_dump_it_says_no_backup_was_made_and_what_to_back_up(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(server_backup, "_dump_command", lambda: None)
    url = "postgresql+psycopg://zz:secret@db.example/zongzhi_center"
    assert main(["backup", "--database-url", url, "--out", str(tmp_path / "x.pgdump")]) == 1
    captured = capsys.readouterr()
    assert "已备份" not in captured.out + captured.err
    assert "没有备份" in captured.err and "zongzhi_center" in captured.err
    assert "服务器管理员" in captured.err and "secret" not in captured.err
    assert not (tmp_path / "x.pgdump").exists()


def test_a_failing_pg_dump_is_no_backup(tmp_path, monkeypatch, capsys):
    fake = tmp_path / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump: error: connection refused' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(server_backup, "_dump_command", lambda: str(fake))
    url = "postgresql+psycopg://zz@127.0.0.1:1/zongzhi_center"
    assert main(["backup", "--database-url", url, "--out", str(tmp_path / "x.pgdump")]) == 1
    err = capsys.readouterr().err
    assert "没有备份" in err and "connection refused" in err
    assert not list(tmp_path.glob("x.pgdump*"))


@pytest.mark.skipif(not pg.ON_PG, reason="PostgreSQL only (ZONGZHI_TEST_DB)")
def test_on_a_server_the_backup_is_a_checked_pg_dump(db, tmp_path, capsys):
    if server_backup._dump_command() is None:
        skip_without("pg_dump (PostgreSQL's client programs)")
    out = tmp_path / "center.pgdump"
    assert main(["backup", "--database-url", db.url, "--out", str(out)]) == 0
    assert "已用 pg_dump 备份" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"PGDMP")
