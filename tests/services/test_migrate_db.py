"""zongzhi migrate-db: a center moves to another database (SQLite file → PostgreSQL server)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.core.errors import ServiceError
from app.core.rows import table_checksum
from app.db import open_database
from app.models import AuditEntry, Base, Matter, Setting
from app.services.data.migrate_db import migrate_database
from app.services.reception import intake
from app.services.security import audit
from tests import pg
from tests.conftest import actor, skip_without
from tests.services.test_intake import make_input, register


@pytest.fixture
def target_url(tmp_path):
    """An empty database on the other backend when a PostgreSQL server is there."""
    if pg.PG_URL and not pg.ON_PG:
        url = pg.empty_url()
        yield url
        pg.drop(url)
    else:
        yield "sqlite:///" + str(tmp_path / "moved.sqlite3")


def counts(url):
    db = open_database(database_url=url)
    try:
        with db.engine.connect() as conn:
            return {t.name: table_checksum(conn, t) for t in Base.metadata.sorted_tables}
    finally:
        db.dispose()


def settings_rows(url) -> set[str]:
    db = open_database(database_url=url)
    try:
        with db.engine.connect() as conn:
            return set(conn.execute(select(Setting.key)).scalars())
    finally:
        db.dispose()


def test_every_table_moves_with_counts_and_checksums_and_the_copy_works(db, target_url):
    clerk = actor(db, "jiedai")
    numbers = [
        register(db, clerk, make_input(db, summary=f"第{i}件噪音扰民")).number for i in (1, 2)
    ]
    report = migrate_database(db.url, target_url)
    assert report.rows > 0 and {t.name for t in report.tables} >= {"matters", "audit_log"}
    source = counts(db.url)
    target = counts(target_url)
    # A server keeps one setting more: the id (never the key) its audit chain is keyed from.
    assert {k: v for k, v in target.items() if k != "settings"} == {
        k: v for k, v in source.items() if k != "settings"
    }
    server = {audit.SERVER_KEY_SETTING} if target_url.startswith("postgresql") else set()
    assert settings_rows(target_url) == settings_rows(db.url) | server
    assert source["matters"][0] == 2

    moved = open_database(database_url=target_url)
    try:
        with moved.read() as s:
            assert sorted(s.scalars(select(Matter.number))) == sorted(numbers)
            assert audit.verify_chain(s).first_broken is None
            found = intake.search(s, actor(moved, "jiedai"), "噪音")
            assert {r.number for r in found} == set(numbers)
        # Registering goes on where the source stopped: the next number, not a duplicate.
        third = register(moved, actor(moved, "jiedai"), make_input(moved))
        assert third.number.endswith("000003")
    finally:
        moved.dispose()


def test_attachments_move_into_a_servers_database_and_open_on_any_terminal(
    db, target_url, tmp_path
):
    if not db.is_sqlite:  # the PostgreSQL pass: its SQLite pass moves them
        pytest.skip("the source is a SQLite file with its attachments folder")
    if target_url.startswith("sqlite"):
        skip_without("a PostgreSQL target (ZONGZHI_TEST_PG_URL on the SQLite pass)")
    from app.services.reception import attachments

    clerk = actor(db, "jiedai")
    files = {"来信.pdf": b"%PDF letter", "照片.jpg": b"\xff\xd8 photo"}
    with db.write() as s:
        mid = intake.register_matter(s, clerk, make_input(db)).id
        for name, data in files.items():
            (tmp_path / name).write_bytes(data)
            attachments.add_attachment(
                s, clerk, mid, tmp_path / name, attachments.attachments_folder(db.path)
            )
    report = migrate_database(db.url, target_url)
    assert report.attachments == 2 and not report.missing_attachments
    moved = open_database(database_url=target_url)
    try:
        with moved.write() as s:
            rows = attachments.list_attachments(s, actor(moved, "jiedai"), mid)
            opened = {
                r.file_name: attachments.attachment_path(
                    s, actor(moved, "jiedai"), r.id, tmp_path / "another-pc"
                ).read_bytes()
                for r in rows
            }
        assert opened == files  # 2 of 2 open on a PC that never had the files
    finally:
        moved.dispose()


def test_a_target_with_data_is_refused_and_left_as_it_was(db, target_url):
    migrate_database(db.url, target_url)
    before = counts(target_url)
    register(db, actor(db, "jiedai"), make_input(db))
    with pytest.raises(ServiceError, match="不是空的"):
        migrate_database(db.url, target_url)
    assert counts(target_url) == before


def test_the_command_line_reports_and_refuses(db, target_url, capsys):
    register(db, actor(db, "jiedai"), make_input(db))
    assert main(["migrate-db", "--from", db.url, "--to", target_url]) == 0
    out = capsys.readouterr().out
    assert "行数和校验和逐表核对一致" in out and "matters" in out
    assert main(["migrate-db", "--from", db.url, "--to", target_url]) == 1
    assert "不是空的" in capsys.readouterr().err
    assert main(["migrate-db", "--from", db.url, "--to", db.url]) == 1
    assert "同一个" in capsys.readouterr().err
    with open_database(database_url=target_url).read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) > 0
