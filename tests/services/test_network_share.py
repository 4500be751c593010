"""A database on a network share is refused (SQLite's WAL is unsafe there), by every
command and by the GUI, unless the admin passes ``--allow-network-share`` (issue 16, §7)."""

from __future__ import annotations

import pytest

import app.db as app_db
from app.cli import main

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def on_a_share(db, monkeypatch):
    shared = str(db.path)
    monkeypatch.setattr(
        app_db,
        "network_share_reason",
        lambda path, *a: "/mnt/share 是网络文件系统（cifs）" if str(path) == shared else None,
    )
    return db.path


@pytest.mark.parametrize(
    "argv",
    [
        ["check"],
        ["find", "张三", "--user", "admin", "--password-file", "nope"],
        ["backup"],
        ["export", "ledger", "matters", "--out", "out.xlsx"],
        ["terminal-key"],
    ],
    ids=lambda a: a[0],
)
def test_every_command_refuses_a_database_on_a_network_share(on_a_share, argv, capsys, tmp_path):
    before = sorted(p.name for p in on_a_share.parent.rglob("*"))
    code = main([*argv, "--db", str(on_a_share)])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert "网络共享" in err and "--allow-network-share" in err and "cifs" in err
    assert sorted(p.name for p in on_a_share.parent.rglob("*")) == before, "nothing written"


def test_the_admin_may_allow_it_explicitly(on_a_share, capsys):
    code = main(["check", "--db", str(on_a_share), "--allow-network-share"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "警告" in err and "网络共享" in err
    code = main(["backup", "--db", str(on_a_share), "--allow-network-share"])
    assert code == 0, "".join(capsys.readouterr())


def test_restore_onto_a_network_share_is_refused(on_a_share, tmp_path, capsys):
    code = main(["restore", str(tmp_path / "any.sqlite3"), "--db", str(on_a_share)])
    assert code == 1 and "--allow-network-share" in capsys.readouterr().err


def test_the_program_refuses_to_open_it_too(on_a_share, monkeypatch, qtbot):
    from app import gui

    shown = []
    monkeypatch.setattr(gui, "network_share_reason", app_db.network_share_reason)
    monkeypatch.setattr(gui.QMessageBox, "critical", lambda *a: shown.append(a[2]))
    assert gui.run_gui(str(on_a_share), None) == 1
    assert shown and "网络共享" in shown[0] and "--allow-network-share" in shown[0]
