"""Offline terminals set up with public commands only: ``terminal create`` at the center,
``terminal join`` on the new PC, bundles both ways, the terminal's key registered by its first
bundle, reference data changed at the center reaching the terminals."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app.cli import main
from app.db import open_database
from app.models import Matter, NotesKey, Setting, TerminalKey, Unit, User, Village
from app.services.center import reference_admin
from tests.conftest import ADMIN_PASSWORD, actor
from tests.services.test_intake import make_input, register


def _login(tmp_path: Path) -> list[str]:
    pw = tmp_path / "admin-pw.txt"
    pw.write_text(ADMIN_PASSWORD, encoding="utf-8")
    return ["--user", "admin", "--password-file", str(pw)]


def _numbers(database) -> set[str]:
    with database.read() as s:
        return set(s.scalars(select(Matter.number)))


def _create_and_join(db, tmp_path, capsys, code, *extra) -> Path:
    url = ["--database-url", db.url]
    starter = tmp_path / f"terminal-{code}.zzt"
    assert (
        main(["terminal", "create", code, "--out", str(starter), *url, *_login(tmp_path), *extra])
        == 0
    )
    shown = capsys.readouterr().out.split("密钥指纹：")[1].split()[0]
    path = tmp_path / f"pc-{code}" / "zongzhi.sqlite3"
    assert main(["terminal", "join", str(starter), "--db", str(path)]) == 0
    joined = capsys.readouterr().out
    assert f"本机是终端 {code}" in joined and shown in joined  # the same fingerprint to compare
    return path


def test_a_center_and_two_terminals_exchange_matters_both_ways(db, tmp_path, capsys):
    """About 7 s: a whole roll-out through the command line (each command opens its database
    and signs in, a password hash each time): two starter files, two joins, five bundles."""
    center = db
    url = ["--database-url", center.url]
    login = _login(tmp_path)
    register(center, actor(center, "jiedai"), make_input(center, summary="中心先登记的事项"))
    paths = {code: _create_and_join(center, tmp_path, capsys, code) for code in ("B", "C")}
    terminals = {code: open_database(p) for code, p in paths.items()}
    try:
        with center.read() as s:
            center_units = set(s.execute(select(Unit.id, Unit.name)))
        for t in terminals.values():
            with t.read() as s:  # the center's ids; no matters; no counselling keys
                assert set(s.execute(select(Unit.id, Unit.name))) == center_units
                assert s.scalar(select(func.count()).select_from(Matter)) == 0
                assert s.scalar(select(func.count()).select_from(NotesKey)) == 0
                assert s.scalar(select(User.id).where(User.username == "jiedai")) is not None

        # Each terminal registers matters; its first bundle registers its key at the center.
        made = {}
        for code, t in terminals.items():
            made[code] = {
                register(t, actor(t, "jiedai"), make_input(t, summary=f"终端{code}第{i}件")).number
                for i in range(2)
            }
            assert all(f"-{code}-" in n for n in made[code])
            out = tmp_path / f"{code}-1.zzb"
            assert (
                main(["export", "bundle", "--db", str(paths[code]), "--out", str(out), *login]) == 0
            )
            capsys.readouterr()
            assert main(["import", "bundle", str(out), *url, *login]) == 0
            assert "新增" in capsys.readouterr().out
        assert made["B"] | made["C"] <= _numbers(center)
        with center.read() as s:
            assert {k.terminal for k in s.scalars(select(TerminalKey))} == {"B", "C"}
            assert s.scalar(select(Setting).where(Setting.key.like("exchange.enrol.%"))) is None

        # The center registers a matter and adds a village; its bundle brings both to B and C.
        later = register(center, actor(center, "jiedai"), make_input(center, summary="中心后登记"))
        with center.write() as s:
            reference_admin.save_village(s, actor(center, "admin"), None, "新建社区")
        out = tmp_path / "center.zzb"
        assert main(["export", "bundle", *url, "--out", str(out), *login]) == 0
        for code in ("B", "C"):
            assert main(["import", "bundle", str(out), "--db", str(paths[code]), *login]) == 0
            capsys.readouterr()
            assert later.number in _numbers(terminals[code])
            with terminals[code].read() as s:
                assert s.scalar(select(Village.id).where(Village.name == "新建社区")) is not None

        # A later change on B travels again, now under its registered key.
        b = terminals["B"]
        register(b, actor(b, "jiedai"), make_input(b, summary="终端B第三件"))
        out = tmp_path / "B-2.zzb"
        assert main(["export", "bundle", "--db", str(paths["B"]), "--out", str(out), *login]) == 0
        assert main(["import", "bundle", str(out), *url, *login]) == 0
        assert len(_numbers(center) & _numbers(b)) == len(_numbers(b))
    finally:
        for t in terminals.values():
            t.dispose()


def test_a_starter_file_is_signed_and_carries_matters_only_when_asked(db, tmp_path, capsys):
    """About 2 s: three command-line runs, each signing in (a password hash) or opening a
    database file it creates."""
    register(db, actor(db, "jiedai"), make_input(db, summary="未办结的事项"))
    path = _create_and_join(db, tmp_path, capsys, "D", "--with-open-matters")
    joined = open_database(path)
    try:
        assert _numbers(joined) == _numbers(db)
    finally:
        joined.dispose()

    starter = tmp_path / "terminal-D.zzt"
    data = bytearray(starter.read_bytes())
    data[-20] ^= 1
    starter.write_bytes(bytes(data))
    assert main(["terminal", "join", str(starter), "--db", str(tmp_path / "x" / "z.sqlite3")]) == 1
    assert "签名不符" in capsys.readouterr().err
    assert not (tmp_path / "x").exists(), "a refused file makes no database"
    # The center's own code, and a code already in use, are refused.
    url = ["--database-url", db.url, *_login(tmp_path)]
    assert main(["terminal", "create", "A", "--out", str(tmp_path / "a.zzt"), *url]) == 1
    assert "中心本机的终端代码" in capsys.readouterr().err
