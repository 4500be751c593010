"""Exchange bundles: offline terminals A and B register matters, the center imports their
signed bundles (twice), records changed on both sides are flagged, bad bundles are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.core import changelog
from app.core.errors import PermissionDenied, ServiceError
from app.core.rows import encode_row, table_checksum
from app.db import Database, open_database
from app.models import AuditEntry, Base, BundleConflict, EventKind, Matter, MatterEvent, Unit
from app.services.center.settings import save_settings
from app.services.data import exchange
from app.services.data.exchange import BundleRefused
from app.services.data.migrate_db import migrate_database
from app.services.reception import flow, intake
from tests.conftest import STAFF_PASSWORD, actor
from tests.services.test_intake import make_input, register


def make_terminal(center: Database, folder: Path, code: str, *, register_key=True) -> Database:
    """What a center does to set up an offline PC: a copy of its database with the
    terminal's own code, a key made on the terminal, the public key registered at the center."""
    path = folder / f"terminal-{code}" / "zongzhi.sqlite3"
    migrate_database(center.url, "sqlite:///" + str(path))
    terminal = open_database(path)
    with terminal.write() as s:
        save_settings(s, terminal=code)
        info = exchange.terminal_key(s, actor(terminal, "admin"), exchange.key_path(path))
    assert info.created and info.terminal == code
    if register_key:
        with center.write() as s:
            exchange.register_terminal(s, actor(center, "admin"), code, info.public_key)
    return terminal


def export(terminal: Database, out: Path, **kw) -> Path:
    with terminal.write() as s:
        report = exchange.export_bundle(
            s, actor(terminal, "admin"), out, exchange.key_path(terminal.path), **kw
        )
    return report.path


def import_(center: Database, path: Path) -> exchange.ImportReport:
    with center.write() as s:
        return exchange.import_bundle(s, actor(center, "admin"), path.read_bytes())


def snapshot(database: Database) -> dict:
    with database.engine.connect() as conn:
        return {t.name: table_checksum(conn, t) for t in Base.metadata.sorted_tables}


def rows_of(database: Database, numbers: list[str]) -> dict[str, dict]:
    table = Base.metadata.tables["matters"]
    with database.engine.connect() as conn:
        result = conn.execute(select(table).where(table.c.number.in_(numbers))).mappings()
        return {r["number"]: encode_row(table, r) for r in result}


@pytest.fixture
def center(db):
    with db.write() as s:
        save_settings(s, terminal="Z")  # the center's own PC
    return db


@pytest.fixture
def terminals(center, tmp_path):
    made = [make_terminal(center, tmp_path, code) for code in ("A", "B")]
    yield made
    for t in made:
        t.dispose()


def unit_id(database, name="司法所"):
    with database.read() as s:
        return s.scalar(select(Unit.id).where(Unit.name == name))


def test_round_trip_two_terminals_imported_twice(center, terminals, tmp_path):
    a, b = terminals
    numbers = {}
    for t in (a, b):
        clerk = actor(t, "jiedai")
        made = [register(t, clerk, make_input(t, summary=f"噪音扰民第{i}件")) for i in range(3)]
        numbers[t] = [m.number for m in made]
        with t.write() as s:  # and a change after registering: routed to a unit
            flow.route(s, actor(t, "jiedai"), made[0].id, unit_id(t), "张承办")
    assert numbers[a][0].endswith("-A-000001") and numbers[b][0].endswith("-B-000001")
    bundle_a, bundle_b = export(a, tmp_path / "a.zzb"), export(b, tmp_path / "b.zzb")

    first_a, first_b = import_(center, bundle_a), import_(center, bundle_b)
    assert first_a.inserted > 0 and first_a.conflicts == 0 and first_a.tables["matters"] == 3
    assert first_b.tables["matters"] == 3
    after_first = snapshot(center)
    again_a, again_b = import_(center, bundle_a), import_(center, bundle_b)
    assert (again_a.inserted, again_a.updated, again_a.conflicts) == (0, 0, 0)
    assert again_a.already_imported is not None and again_b.unchanged == again_b.rows
    after_second = snapshot(center)
    for name in after_first:
        if name not in ("audit_log", "row_changes"):  # the import itself is on record
            assert after_second[name] == after_first[name], name

    # Every matter arrived exactly as the terminal has it, routed one included.
    for t in (a, b):
        assert rows_of(center, numbers[t]) == rows_of(t, numbers[t])
    with center.read() as s:
        assert len(s.scalars(select(Matter.number)).all()) == 6
        found = intake.search(s, actor(center, "zhuren"), "噪音扰民")
        assert {r.number for r in found} == set(numbers[a] + numbers[b])
        routed = s.scalar(select(Matter).where(Matter.number == numbers[b][0]))
        assert routed.handler_name == "张承办"
        kinds = [e.kind for e in routed.events]
        assert EventKind.REGISTERED in kinds and EventKind.ROUTED in kinds

    # Nothing new on A: no bundle; a later change travels in the next one and updates.
    with pytest.raises(ServiceError, match="没有新增或修改"):
        export(a, tmp_path / "empty.zzb")
    mid = rows_of(a, [numbers[a][1]])[numbers[a][1]]["id"]
    with a.write() as s:
        flow.route(s, actor(a, "jiedai"), _uuid(mid), unit_id(a), "李承办")
    second = import_(center, export(a, tmp_path / "a2.zzb"))
    assert second.updated >= 1 and second.conflicts == 0
    assert rows_of(center, [numbers[a][1]]) == rows_of(a, [numbers[a][1]])


def _uuid(text):
    import uuid

    return uuid.UUID(text)


def test_a_record_changed_on_both_sides_keeps_both_and_waits_for_a_person(
    center, terminals, tmp_path
):
    a, _b = terminals
    made = register(a, actor(a, "jiedai"), make_input(a))
    import_(center, export(a, tmp_path / "1.zzb"))
    # The center routes it to one unit; terminal A, not knowing, routes it to another.
    with center.write() as s:
        flow.route(s, actor(center, "zhuren"), made.id, unit_id(center, "司法所"), "中心承办")
    with a.write() as s:
        flow.route(s, actor(a, "jiedai"), made.id, unit_id(a, "派出所"), "终端承办")
    bundle = export(a, tmp_path / "2.zzb")
    report = import_(center, bundle)
    assert report.conflicts >= 1
    assert import_(center, bundle).conflicts == 0  # flagged once, not again

    with center.read() as s:
        m = s.get(Matter, made.id)
        assert m.handler_name == "中心承办"  # the center's version stays
        flagged = [e for e in m.events if e.kind == EventKind.BUNDLE_CONFLICT]
        assert flagged and "中心承办" in flagged[0].note and "终端承办" in flagged[0].note
        open_ = exchange.list_conflicts(s, actor(center, "zhuren"))
    mine = [c for c in open_ if c.matter_id == made.id and c.table == "matters"]
    assert len(mine) == 1 and mine[0].terminal == "A"
    # Units by name, not by id.
    assert "司法所" in mine[0].differences and "派出所" in mine[0].differences
    assert str(unit_id(center, "司法所")) not in mine[0].differences
    assert "承办人：中心“中心承办”" in mine[0].differences  # the label, not handler_name
    assert "handler_name" not in mine[0].differences and "unit_id" not in mine[0].differences

    with center.write() as s, pytest.raises(PermissionDenied):
        exchange.resolve_conflict(s, actor(center, "jiedai"), mine[0].id, "terminal")
    with center.write() as s:
        exchange.resolve_conflict(s, actor(center, "zhuren"), mine[0].id, "terminal")
    with center.read() as s:
        assert s.get(Matter, made.id).handler_name == "终端承办"
        assert s.get(BundleConflict, mine[0].id).decided == "terminal"
        notes = s.scalars(
            select(MatterEvent.note).where(
                MatterEvent.matter_id == made.id, MatterEvent.kind == EventKind.NOTE
            )
        ).all()
    assert any("采用终端 A 的版本" in n for n in notes)
    with center.write() as s, pytest.raises(ServiceError, match="已于 .* 由 zhuren 处理过"):
        exchange.resolve_conflict(s, actor(center, "zhuren"), mine[0].id, "center")


def test_bad_bundles_are_refused_and_nothing_is_applied(center, terminals, tmp_path, monkeypatch):
    a, _b = terminals
    register(a, actor(a, "jiedai"), make_input(a))
    good = export(a, tmp_path / "good.zzb").read_bytes()
    before = snapshot(center)
    del before["audit_log"]  # each refusal is on record there

    def refused(data: bytes, match: str) -> None:
        bad = tmp_path / "bad.zzb"
        bad.write_bytes(data)
        with center.read() as s:
            audited = s.scalar(select(func.count()).select_from(AuditEntry))
        with pytest.raises(BundleRefused, match=match):
            import_(center, bad)
        after = snapshot(center)
        assert after.pop("audit_log")[0] == audited + 1
        assert after == before
        with center.read() as s:
            last = s.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
            assert (last.event, last.outcome) == ("refuse_bundle", "refused")

    tampered = bytearray(good)
    tampered[-40] ^= 0x01
    refused(bytes(tampered), "签名不符")
    refused(good[: len(good) - 100], "不完整或已损坏")
    refused(good[:30], "不完整或已损坏")
    refused(b"PK\x03\x04 not a bundle", "不是综治中心工作台的交换包")

    stranger = make_terminal(center, tmp_path, "C", register_key=False)
    register(stranger, actor(stranger, "jiedai"), make_input(stranger))
    refused(export(stranger, tmp_path / "c.zzb").read_bytes(), "未登记的终端 C")
    stranger.dispose()

    register(a, actor(a, "jiedai"), make_input(a))
    monkeypatch.setattr(exchange, "_schema_revision", lambda s: "9999")
    refused(export(a, tmp_path / "new.zzb").read_bytes(), "更新版本的程序")

    # A good bundle still goes in afterwards.
    assert import_(center, tmp_path / "good.zzb").tables["matters"] == 1


def test_the_command_line_round_trip(center, tmp_path, capsys):
    path = tmp_path / "terminal-D" / "zongzhi.sqlite3"
    migrate_database(center.url, "sqlite:///" + str(path))
    terminal = open_database(path)
    with terminal.write() as s:
        save_settings(s, terminal="D")
    register(terminal, actor(terminal, "jiedai"), make_input(terminal))
    terminal.dispose()

    pw = tmp_path / "pw.txt"
    pw.write_text(STAFF_PASSWORD, encoding="utf-8")
    login = ["--user", "zhuren", "--password-file", str(pw)]
    assert main(["export", "bundle", "--db", str(path)]) == 1  # no one signed in
    assert "--user 用户名 --password-file 密码文件" in capsys.readouterr().err
    assert main(["export", "bundle", "--db", str(path), *login]) == 1
    assert "terminal-key" in capsys.readouterr().err  # no key yet: told how to make one
    assert main(["terminal-key", "--db", str(path)]) == 0
    key = capsys.readouterr().out.split("公钥：")[1].split()[0]
    # The key was made after the registration above: that matter counts as the copy's.
    terminal = open_database(path)
    register(terminal, actor(terminal, "jiedai"), make_input(terminal))
    terminal.dispose()
    out = tmp_path / "d.zzb"
    assert main(["export", "bundle", "--db", str(path), "--out", str(out), *login]) == 0
    assert "已导出交换包" in capsys.readouterr().out
    url = ["--database-url", center.url]
    assert main(["import", "bundle", str(out), *url]) == 1  # no one signed in
    assert "--user 用户名 --password-file 密码文件" in capsys.readouterr().err
    url = [*url, *login]
    assert main(["import", "bundle", str(out), *url]) == 1
    assert "未登记的终端 D" in capsys.readouterr().err
    with center.read() as s:  # refused, and on record under the person who tried
        refused = s.execute(
            select(AuditEntry.username, AuditEntry.outcome).where(
                AuditEntry.event == "refuse_bundle"
            )
        ).all()
    assert [tuple(r) for r in refused] == [("zhuren", "refused")]
    assert main(["register-terminal", "--terminal", "D", "--public-key", key, *url[:2]]) == 0
    capsys.readouterr()
    assert main(["import", "bundle", str(out), *url]) == 0
    assert "新增" in capsys.readouterr().out
    with center.read() as s:
        imported = s.scalar(select(AuditEntry.username).where(AuditEntry.event == "import_bundle"))
    assert imported == "zhuren"
    assert main(["import", "bundle", str(out), *url]) == 0
    again = capsys.readouterr().out
    assert "导入过，本次没有新的变化" in again and "新增" not in again
    assert main(["conflicts", *url]) == 0
    assert "没有待处理的交换冲突" in capsys.readouterr().out


def test_counselling_records_travel_only_when_the_center_enables_it_and_keys_never():
    secret = exchange.confidential_tables()
    assert {
        "counselling_clients",
        "counselling_sessions",
        "care_plans",
        "care_follow_ups",
    } <= secret
    assert "matters" not in secret and "persons" not in secret
    off = {t.name for t in exchange.exchanged_tables(False)}
    on = {t.name for t in exchange.exchanged_tables(True)}
    assert "matters" in off and not off & secret and secret <= on
    for keys in ("notes_keys", "notes_key_wraps", "notes_recovery_keys", "terminal_keys"):
        assert keys not in on
    assert not on & changelog.LOCAL_TABLES


def test_counselling_notes_travel_as_ciphertext_once_the_center_enables_it(center, admin, tmp_path):
    import gzip
    import json

    from app.models import CounsellingSession
    from app.services.rooms import counselling
    from app.services.security import notes_keys
    from tests.conftest import STAFF_PASSWORD
    from tests.services.test_counselling import SECRET, add_client_and_session

    with center.write() as s:  # the center's notes key exists before the terminal is copied
        notes_keys.create_recovery_key(s, admin)
    with center.write() as s:
        notes_keys.unlock(s, actor(center, "zixun"), STAFF_PASSWORD)
    terminal = make_terminal(center, tmp_path, "A")
    with terminal.write() as s:
        key = notes_keys.unlock(s, actor(terminal, "zixun"), STAFF_PASSWORD)
    client_id, _session = add_client_and_session(terminal, key)
    register(terminal, actor(terminal, "jiedai"), make_input(terminal))

    report = import_(center, export(terminal, tmp_path / "off.zzb"))
    assert report.tables["matters"] == 1  # the matter travels, the counselling records not
    assert not {"counselling_clients", "counselling_sessions"} & set(report.tables)
    with center.read() as s:
        assert s.scalar(select(CounsellingSession.id)) is None

    for database in (center, terminal):
        with database.write() as s:
            save_settings(s, exchange_counselling=True)
    # Made while their exchange was off, they travel in the next bundle: no --since needed.
    bundle = export(terminal, tmp_path / "on.zzb")
    body = gzip.decompress(bundle.read_bytes().split(b"\n", 2)[2]).decode("utf-8")
    assert "counselling_sessions" in json.loads(body)["tables"]
    assert SECRET not in body and SECRET[:6] not in body  # ciphertext only
    report = import_(center, bundle)
    assert report.tables["counselling_sessions"] == 1
    with center.write() as s:  # the center's counsellor reads it with the center's key
        center_key = notes_keys.unlock(s, actor(center, "zixun"), STAFF_PASSWORD)
        opened = counselling.open_client(s, actor(center, "zixun"), center_key, client_id)
    assert opened.sessions[0].notes == SECRET
    terminal.dispose()


def test_a_re_import_says_either_nothing_new_or_what_it_added_not_both():
    import uuid
    from datetime import datetime

    before = datetime(2027, 1, 5, 9, 0)
    same = exchange.ImportReport(uuid.uuid4(), "A", before, rows=3, unchanged=3)
    text = "\n".join(same.lines())
    assert "本次没有新的变化" in text and "新增" not in text
    # Counselling records skipped the first time (their exchange was off), taken now.
    more = exchange.ImportReport(uuid.uuid4(), "A", before, rows=3, inserted=2, unchanged=1)
    text = "\n".join(more.lines())
    assert "没有新的变化" not in text and "上次没有导入的记录" in text and "新增 2 条" in text


def test_every_exchanged_column_has_a_chinese_label():
    """交换冲突 name the fields that differ as people know them (承办单位, not unit_id)."""
    from app.services.data.column_labels import column_label

    unlabelled = sorted(
        f"{t.name}.{c.name}"
        for t in exchange.exchanged_tables(False)  # (counselling's own travel sealed)
        for c in t.columns
        if column_label(t.name, c.name) == c.name
    )
    assert not unlabelled, unlabelled
