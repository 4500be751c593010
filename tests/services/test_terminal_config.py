"""A terminal remembers which database it uses (the center's server), outside any database."""

from __future__ import annotations

import json
import os
import stat

import pytest

from app.cli import main
from app.core.errors import EnvironmentProblem, ValidationError
from app.db import DatabaseUnusable, resolve_url, terminal_config_path
from app.services.data import terminal_config
from tests.conftest import STAFF_PASSWORD


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "请填写数据库地址"),
        ("服务器", "看不懂"),
        ("mysql://u@h/db", "只支持 PostgreSQL 和 SQLite"),
        ("postgresql+psycopg://u@/db", "要写明服务器和数据库名"),
        ("sqlite:////nowhere/zongzhi.sqlite3", "找不到数据库文件"),
    ],
)
def test_bad_addresses_are_refused_with_what_to_write(url, words):
    with pytest.raises(ValidationError) as err:
        terminal_config.check_url(url)
    assert words in err.value.message and "postgresql+psycopg://" in err.value.message
    assert not terminal_config_path().exists()


def test_a_plain_postgresql_address_gets_the_driver_the_program_ships():
    url = terminal_config.check_url(" postgresql://zz:pw@10.0.0.5:5432/zongzhi ")
    assert url == "postgresql+psycopg://zz:pw@10.0.0.5:5432/zongzhi"


def test_connecting_saves_the_address_privately_and_the_next_start_opens_it(db, tmp_path):
    found = terminal_config.connect_terminal(db.url)
    assert found.initialised and found.center_name == "白石街道综治工作中心"
    path = terminal_config_path()
    assert json.loads(path.read_text(encoding="utf-8")) == {"database_url": db.url}
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # No --db: the saved database. --db, --database-url and ZONGZHI_DB still win.
    assert resolve_url() == db.url
    other = tmp_path / "other.sqlite3"
    assert resolve_url(other) == "sqlite:///" + str(other.resolve())
    assert resolve_url(None, "sqlite:///x.sqlite3") == "sqlite:///x.sqlite3"
    terminal_config.save_database_url(None)
    assert terminal_config.current_database() is None
    assert resolve_url().endswith("zongzhi.sqlite3") and resolve_url() != db.url


def test_an_unreachable_server_is_reported_without_its_password_and_nothing_is_saved():
    url = "postgresql+psycopg://zongzhi:s3cret-pw@127.0.0.1:1/zongzhi"
    with pytest.raises(EnvironmentProblem) as err:
        terminal_config.connect_terminal(url)
    assert "连接不上数据库" in err.value.message and "请检查服务器地址" in err.value.message
    assert "s3cret-pw" not in err.value.message and "***" in err.value.message
    assert not terminal_config_path().exists()


def test_a_damaged_settings_file_is_named_not_silently_ignored():
    path = terminal_config_path()
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(DatabaseUnusable) as err:
        resolve_url()
    assert str(path) in err.value.message and "zongzhi connect" in err.value.message


def test_the_command_line_connects_shows_and_goes_back(db, capsys, tmp_path):
    assert main(["connect", db.url]) == 0
    assert "白石街道综治工作中心" in capsys.readouterr().out
    pw = tmp_path / "pw.txt"
    pw.write_text(STAFF_PASSWORD, encoding="utf-8")
    login = ["--user", "jiedai", "--password-file", str(pw)]
    assert main(["find", "不存在的事项", *login]) == 0  # no --db: the saved database answers
    assert main(["connect"]) == 0
    assert terminal_config.shown(db.url) in capsys.readouterr().out
    assert main(["connect", "--local"]) == 0
    assert "本机数据库" in capsys.readouterr().out
    assert terminal_config.current_database() is None
    assert main(["connect", "mysql://x@y/z"]) == 1
    assert "只支持" in capsys.readouterr().err
