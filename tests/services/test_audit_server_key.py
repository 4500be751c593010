"""The audit chain on a PostgreSQL server is keyed too (issue 16, section 2).

One HMAC key per server database, kept outside the database in each terminal's key store
(``audit_key.server_key_file``). Whoever edits the server database cannot recompute a chain
that verifies; a terminal without the key is refused rather than writing plain rows, until
``zongzhi audit-key import`` gives it the key the admin exported at another terminal."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from app.cli import main
from app.core.errors import ServiceError
from app.models import AuditEntry, Setting
from app.services.security import audit, audit_key, server_audit_key
from tests import pg
from tests.conftest import ADMIN_PASSWORD, actor

pytestmark = pytest.mark.skipif(not pg.ON_PG, reason="PostgreSQL pass only")


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, "".join(capsys.readouterr())


def add_rows(db, n: int) -> None:
    admin = actor(db, "admin")
    with db.write() as s:
        for _ in range(n):
            audit.record(s, admin, "probe")


def recompute(db, *, plain_below: int | None = None, key: bytes | None = None) -> None:
    """Every prev_hash/hash again, with the program's own function."""
    with db.write() as s:
        prev = audit.GENESIS
        for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
            e.prev_hash = prev
            plain = plain_below is None or e.seq < plain_below
            e.hash = prev = audit.chain_hash(prev, e, None if plain else key)


def other_terminal(monkeypatch, tmp_path) -> None:
    """From here on the test is another terminal: its own user data folder (no key)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "other-terminal"))


def test_server_rows_are_keyed_and_a_recomputed_chain_is_reported(db, capsys):
    add_rows(db, 3)
    key = audit_key.load_server_key(db.url)
    assert key is not None
    with db.read() as s:
        marker = audit.server_key_marker(s)
        report = audit.verify_chain(s)
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last.hash != audit.chain_hash(last.prev_hash, last), "written keyed, not plain"
    assert marker is not None and marker["key_id"] == key.key_id
    assert report.first_broken is None and report.unknown_chain is None, report
    assert report.keyed is not None and report.key_id == key.key_id
    code, text = run(capsys, "check", "--database-url", db.url)
    assert code == 0, text
    # Whoever edits the server database recomputes with the program's plain function.
    with db.write() as s:
        s.get(AuditEntry, 2).username = "mallory"
    recompute(db)
    code, text = run(capsys, "check", "--database-url", db.url)
    assert code == 1 and ("审计记录被修改" in text or "审计记录被改写" in text), text


def test_a_plain_server_chain_is_keyed_from_its_next_row_and_its_old_rows_verify(db, capsys):
    """A server made by the previous version: plain rows, no key anywhere."""
    audit_key.server_key_file(db.url).unlink()
    with db.write() as s:
        s.execute(delete(Setting).where(Setting.key == audit.SERVER_KEY_SETTING))
    recompute(db)
    with db.read() as s:
        old = s.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    add_rows(db, 2)
    key = audit_key.load_server_key(db.url)
    with db.read() as s:
        first = s.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 1))
        assert audit.server_key_marker(s)["from_seq"] == old + 1
        assert audit.verify_chain(s).first_broken is None
    assert key.span(first) == (old + 1, None)
    code, text = run(capsys, "check", "--database-url", db.url)
    assert code == 0, text


def test_a_terminal_without_the_key_is_refused_until_it_imports_it(
    db, capsys, tmp_path, monkeypatch
):
    add_rows(db, 1)
    pw = tmp_path / "admin.pw"
    pw.write_text(ADMIN_PASSWORD + "\n", encoding="utf-8")
    out = tmp_path / "carried" / "server.audit-key"
    out.parent.mkdir()
    code, text = run(
        capsys, "audit-key", "export", "--database-url", db.url, "--out", str(out),
        "--user", "admin", "--password-file", str(pw),
    )  # fmt: skip
    assert code == 0 and out.exists(), text
    assert out.stat().st_mode & 0o077 == 0
    other_terminal(monkeypatch, tmp_path)
    assert audit_key.load_server_key(db.url) is None
    with pytest.raises(ServiceError, match="audit-key import"):
        add_rows(db, 1)
    code, text = run(capsys, "check", "--database-url", db.url)
    assert code == 1 and "audit-key import" in text, text
    with db.read() as s:  # nothing was written plain
        n = s.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    code, text = run(capsys, "audit-key", "import", "--database-url", db.url, str(out))
    assert code == 0 and "已导入" in text, text
    add_rows(db, 2)
    with db.read() as s:
        assert s.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) == n + 2
        report = audit.verify_chain(s)
    assert report.first_broken is None and report.unknown_chain is None, report
    code, text = run(capsys, "check", "--database-url", db.url)
    assert code == 0, text


def test_a_key_of_another_server_is_not_imported(db, capsys, tmp_path, monkeypatch):
    add_rows(db, 1)
    other_terminal(monkeypatch, tmp_path)
    stranger = audit_key._create(tmp_path / "stranger.audit-hmac.json")
    code, text = run(capsys, "audit-key", "import", "--database-url", db.url, str(stranger.path))
    assert code == 1 and "不是这台服务器数据库的" in text, text
    assert audit_key.load_server_key(db.url) is None


def test_export_needs_the_admin(db, capsys, tmp_path):
    from tests.conftest import STAFF_PASSWORD

    pw = tmp_path / "staff.pw"
    pw.write_text(STAFF_PASSWORD + "\n", encoding="utf-8")
    out = tmp_path / "k"
    code, text = run(
        capsys, "audit-key", "export", "--database-url", db.url, "--out", str(out),
        "--user", "jiedai", "--password-file", str(pw),
    )  # fmt: skip
    assert code == 1 and not out.exists(), text


def test_connect_carries_the_key_to_a_new_terminal(db, capsys, tmp_path, monkeypatch):
    add_rows(db, 1)
    with db.write() as s:
        out = tmp_path / "server.audit-key"
        server_audit_key.export_server_key(s, actor(db, "admin"), out)
    other_terminal(monkeypatch, tmp_path)
    code, text = run(capsys, "connect", db.url, "--audit-key", str(out))
    assert code == 0 and "已导入审计密钥" in text, text
    add_rows(db, 1)
    code, text = run(capsys, "check")  # the connected server, checked with the key
    assert code == 0, text


def test_a_terminal_without_the_key_cannot_log_in_nor_tell_a_right_password(
    db, tmp_path, monkeypatch
):
    """Log-in writes audit rows: refused the same way whatever the password (so a terminal
    without the key is no way to guess passwords past the lock-out)."""
    from app.core.ops import op
    from app.services.security import auth

    add_rows(db, 1)
    other_terminal(monkeypatch, tmp_path)
    for password in (ADMIN_PASSWORD, "wrong-password"):
        with pytest.raises(ServiceError, match="audit-key import"):
            db.run(op(auth.login, "admin", password, ""))
