"""The command line as an admin or a script would use it."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest
from pypdf import PdfReader

from app.cli import main
from tests.conftest import STAFF_PASSWORD


def run(*args: str) -> subprocess.CompletedProcess:
    """Through a real process: exit codes and output as a user sees them."""
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def password_file(tmp_path, password: str = STAFF_PASSWORD):
    path = tmp_path / "password.txt"
    path.write_text(password + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def _demo_template(tmp_path_factory):
    """The demo, made once: its folder holds all it wrote (the file, its audit key beside it
    in keys/, its attachments)."""
    path = tmp_path_factory.mktemp("demo-template") / "demo.sqlite3"
    assert main(["demo", "--db", str(path), "--matters", "60"]) == 0
    return path


@pytest.fixture
def demo_db(_demo_template, tmp_path_factory):
    """A demo database of this test's own: a copy of the template's whole folder."""
    folder = tmp_path_factory.mktemp("demo")
    shutil.copytree(_demo_template.parent, folder, dirs_exist_ok=True)
    return folder / _demo_template.name


def test_init_creates_a_center_and_refuses_to_run_twice(tmp_path):
    pw = tmp_path / "pw.txt"
    pw.write_text("Center#2026pw\n", encoding="utf-8")
    db = tmp_path / "center.sqlite3"
    args = [
        "init",
        "--db",
        str(db),
        "--center-name",
        "白石街道综治工作中心",
        "--prefix",
        "bs",
        "--terminal",
        "a",
        "--admin",
        "admin",
        "--admin-password-file",
        str(pw),
    ]
    first = run(*args)
    assert first.returncode == 0, first.stderr
    assert "编号前缀 BS" in first.stdout
    again = run(*args)
    assert again.returncode == 1
    assert again.stderr.strip() == "该数据库已经初始化过，不能重复初始化。"


def test_demo_refuses_a_real_centers_database(tmp_path, capsys):
    pw = tmp_path / "pw.txt"
    pw.write_text("Center#2026pw\n", encoding="utf-8")
    db = tmp_path / "real.sqlite3"
    init = ["init", "--db", str(db), "--center-name", "某街道综治工作中心", "--prefix", "MJ"]
    assert main([*init, "--admin", "admin", "--admin-password-file", str(pw)]) == 0
    capsys.readouterr()
    assert main(["demo", "--db", str(db), "--matters", "3"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "真实中心的数据库" in err
    with sqlite3.connect(db) as conn:
        users = {r[0] for r in conn.execute("SELECT username FROM users")}
        matters = conn.execute("SELECT count(*) FROM matters").fetchone()[0]
        demo_flag = conn.execute("SELECT value FROM settings WHERE key = 'is_demo'").fetchone()
    conn.close()
    assert users == {"admin"} and matters == 0 and demo_flag is None


def test_init_with_a_weak_password_says_what_to_fix(tmp_path):
    pw = tmp_path / "pw.txt"
    pw.write_text("123", encoding="utf-8")
    r = run(
        "init",
        "--db",
        str(tmp_path / "x.sqlite3"),
        "--center-name",
        "某中心",
        "--prefix",
        "X",
        "--admin",
        "admin",
        "--admin-password-file",
        str(pw),
    )
    assert (
        r.returncode == 1 and "密码至少要" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    )


def test_usage_errors_exit_2_and_say_in_chinese_what_is_wrong():
    r = run("print", "receipt")
    assert r.returncode == 2 and "用法：" in r.stderr and "缺少参数：number" in r.stderr
    r = run("no-such-command")
    assert r.returncode == 2 and "没有 'no-such-command' 这一项" in r.stderr
    r = run("find", "张三", "--limit", "许多")
    assert r.returncode == 2 and "'许多' 不是有效的值" in r.stderr
    assert "required" not in r.stderr and "invalid" not in r.stderr


def test_find_json_and_print_receipt(demo_db, tmp_path, capsys):
    assert main(["find", "BS", "--db", str(demo_db), "--json", "--limit", "5"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 5 and all(r["number"].startswith("BS") for r in rows)
    with sqlite3.connect(demo_db) as conn:  # the export is on record, without the query
        (reason,) = conn.execute(
            "SELECT reason FROM audit_log WHERE event = 'export_search' ORDER BY seq DESC"
        ).fetchone()
    conn.close()
    assert reason == "5 件，JSON"
    number = rows[0]["number"]
    out = tmp_path / "r.pdf"
    assert main(["print", "receipt", number, "--db", str(demo_db), "--out", str(out)]) == 0
    text = PdfReader(out).pages[0].extract_text()
    assert number in text and "受理回执" in text
    assert (
        main(["print", "receipt", "BS1999-A-999999", "--db", str(demo_db), "--out", str(out)]) == 1
    )
    assert "找不到受理编号" in capsys.readouterr().err


def test_print_a_petitions_opinion_and_review_from_the_demo(demo_db, tmp_path, capsys):
    assert main(["find", "林玉梅", "--db", str(demo_db), "--json"]) == 0
    number = json.loads(capsys.readouterr().out)[0]["number"]
    for kind, title in (("opinion", "处理意见书"), ("review", "复查意见书")):
        out = tmp_path / f"{kind}.pdf"
        assert main(["print", kind, number, "--db", str(demo_db), "--out", str(out)]) == 0
        assert title in PdfReader(out).pages[0].extract_text()
    assert main(["print", "completion", number, "--db", str(demo_db), "--out", str(out)]) == 1
    assert "该事项没有办结报告" in capsys.readouterr().err


def test_check_reports_a_tampered_audit_log(demo_db, capsys):
    assert main(["check", "--db", str(demo_db)]) == 0
    assert "哈希链完整" in capsys.readouterr().out
    with sqlite3.connect(demo_db) as conn:
        conn.execute("UPDATE audit_log SET reason = 'x' WHERE seq = 2")
    conn.close()
    assert main(["check", "--db", str(demo_db)]) == 1
    assert "第 2 条" in capsys.readouterr().out


def damaged_copy(demo_db, path, how: str):
    """A self-contained copy of the demo database, then damaged as a disk or a cut-off
    copy would: a b-tree page header overwritten, or the file cut to 100 KB."""
    with sqlite3.connect(demo_db) as src, sqlite3.connect(path) as dest:
        src.backup(dest)
        dest.execute("PRAGMA journal_mode=DELETE")
        page_size = dest.execute("PRAGMA page_size").fetchone()[0]
        root = dest.execute("SELECT rootpage FROM sqlite_master WHERE name = 'matters'").fetchone()
    src.close()
    dest.close()
    with open(path, "r+b") as f:
        if how == "page":
            f.seek((root[0] - 1) * page_size)
            f.write(b"\xff" * 12)
        else:
            f.truncate(100 * 1024)
    return path


@pytest.mark.parametrize("how", ["page", "truncated"])
def test_a_damaged_database_file_is_named_not_a_traceback(demo_db, tmp_path, how):
    path = damaged_copy(demo_db, tmp_path / f"{how}.sqlite3", how)
    r = run("check", "--db", str(path))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "数据库文件损坏" in r.stdout + r.stderr and "zongzhi restore" in r.stdout + r.stderr
    r = run("find", "王", "--db", str(path))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "数据库文件损坏" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_screenshot_writes_a_png_of_the_reception_tab(demo_db, tmp_path):
    out = tmp_path / "shot.png"
    r = run("screenshot", "--db", str(demo_db), "--tab", "reception", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


def test_screenshot_of_the_ledgers_tab(demo_db, tmp_path):
    out = tmp_path / "ledgers.png"
    r = run("screenshot", "--db", str(demo_db), "--tab", "ledgers", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


def test_screenshot_of_the_command_tab_is_taken_as_the_director(demo_db, tmp_path):
    out = tmp_path / "command.png"
    r = run("screenshot", "--db", str(demo_db), "--tab", "command", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000
    r = run(
        "screenshot",
        *("--db", str(demo_db), "--tab", "command", "--user", "demo-reception"),
        *("--out", str(tmp_path / "no.png")),
    )
    assert r.returncode == 1 and "看不到“指挥研判”" in r.stderr


def test_screenshot_of_the_settings_tab_is_taken_as_the_admin(demo_db, tmp_path):
    out = tmp_path / "settings.png"
    r = run("screenshot", "--db", str(demo_db), "--tab", "settings", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # A user who cannot see the tab is told so in one line, not with a traceback.
    r = run(
        "screenshot",
        *("--db", str(demo_db), "--tab", "settings", "--user", "demo-reception"),
        *("--out", str(tmp_path / "no.png")),
    )
    assert r.returncode == 1 and "看不到“系统设置”" in r.stderr and "Traceback" not in r.stderr
    r = run("screenshot", "--db", str(demo_db), "--user", "nobody", "--out", str(out))
    assert r.returncode == 1 and "找不到用户 nobody" in r.stderr


def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("zongzhi-desk ")


def test_a_missing_database_file_is_named_not_created(tmp_path):
    missing = tmp_path / "nope.sqlite3"
    r = run("check", "--db", str(missing))
    assert r.returncode == 1 and "找不到数据库文件" in r.stderr
    assert not missing.exists()


def test_print_mediation_documents_by_case_number(db, tmp_path, capsys):
    from tests.reports.test_mediation_documents import make_case, text_of

    make_case(db)
    login = ["--user", "tiaojie", "--password-file", str(password_file(tmp_path))]
    number = "BSTJ2026-A-0001"
    for document, expected in (
        ("agreement", "人民调解协议书"),
        ("record", "调 解 笔 录"),
        ("casefile", "卷 内 目 录"),
        ("application", "人民调解申请书"),
        ("registration", "人民调解受理登记表"),
        ("followup", "人民调解回访记录"),
    ):
        out = tmp_path / f"{document}.pdf"
        args = ["print", document, number, "--database-url", db.url, "--out", str(out), *login]
        assert main(args) == 0, capsys.readouterr().err
        assert expected in text_of(out.read_bytes())[0]
    args = ["print", "record", number, "--index", "2", "--database-url", db.url, "--out", "x"]
    args += login
    assert main(args) == 1
    assert "只有 1 份调解笔录" in capsys.readouterr().err
    args = ["print", "agreement", "BSTJ2026-A-0099", "--database-url", db.url, "--out", "x"]
    args += login
    assert main(args) == 1 and "找不到案号" in capsys.readouterr().err


def test_export_a_ledger_and_import_a_sheet(demo_db, tmp_path):
    from openpyxl import Workbook, load_workbook

    out = tmp_path / "事项台账.xlsx"
    r = run("export", "ledger", "matters", "--from", "2026-01-01", "--to", "2026-12-31",
            "--db", str(demo_db), "--out", str(out))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "已导出事项台账" in r.stdout
    ws = load_workbook(out).active
    assert ws["A1"].value == "受理编号" and ws.freeze_panes == "A2"
    r = run("export", "ledger", "matters", "--grid", "bsc-01", "--db", str(demo_db),
            "--out", str(tmp_path / "grid.xlsx"))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "网格：白石村第一网格（BSC-01）" in r.stdout
    r = run("export", "ledger", "matters", "--db", str(demo_db), "--out", str(tmp_path / "x.doc"))
    assert r.returncode == 2 and ".xlsx 或 .pdf" in r.stderr
    r = run("export", "ledger", "matters", "--from", "2026-13-01", "--db", str(demo_db),
            "--out", str(out))  # fmt: skip
    assert r.returncode == 2 and "2026-13-01" in r.stderr
    r = run("export", "ledger", "nope", "--db", str(demo_db), "--out", str(out))
    assert r.returncode == 1 and "没有“nope”这本台账" in r.stderr

    sheet = tmp_path / "旧台账.xlsx"
    wb = Workbook()
    wb.active.append(["受理时间", "类别", "姓名", "事项摘要"])
    wb.active.append(["2026-03-05", "投诉", "王𠮷", "反映噪音扰民"])
    wb.active.append(["2026-03-06", "吵架", "李四", "邻里纠纷"])
    wb.save(sheet)
    r = run("import", "matters", str(sheet), "--db", str(demo_db))
    assert r.returncode == 1 and "第 3 行“类别”列" in r.stdout and "没有导入任何数据" in r.stdout
    r = run("import", "matters", str(sheet), "--db", str(demo_db), "--skip-invalid")
    assert r.returncode == 0, r.stderr
    assert "已导入 1 行" in r.stdout and "旧台账.未导入.xlsx" in r.stdout
    assert "导入：1/1 行" in r.stderr  # the progress line
    r = run("import", "matters", str(sheet), "--db", str(demo_db), "--skip-invalid")
    assert "已导入 0 行；以前已导入、本次跳过 1 行" in r.stdout
    with sqlite3.connect(demo_db) as conn:
        (n,) = conn.execute(
            "SELECT count(*) FROM audit_log WHERE event='import_matters'"
        ).fetchone()
    assert n == 2


def test_counselling_recovery_prints_once_and_the_key_restores(tmp_path, capsys):
    from sqlalchemy import select

    from app.core.errors import ServiceError
    from app.db import open_database
    from app.models import ClientSource, Role, TargetGroup, User
    from app.services.rooms import counselling
    from app.services.security import auth, notes_keys

    pw = tmp_path / "pw.txt"
    pw.write_text("Center#2026pw\n", encoding="utf-8")
    db = tmp_path / "c.sqlite3"
    init = ["init", "--db", str(db), "--center-name", "白石街道综治工作中心", "--prefix", "BS"]
    assert main([*init, "--admin", "admin", "--admin-password-file", str(pw)]) == 0
    out = tmp_path / "rk.pdf"
    assert main(["counselling-recovery", "--db", str(db), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "指纹" in printed and "保险柜" in printed
    assert out.stat().st_mode & 0o077 == 0  # readable by its owner only
    text = "".join(p.extract_text() for p in PdfReader(out).pages)
    groups = re.findall(r"(?<![A-Z0-9])[A-Z2-7]{5}(?![A-Z0-9])", text)
    assert len(groups) == 11
    key_text = " ".join(groups)  # typed with spaces instead of hyphens: still accepted
    assert main(["counselling-recovery", "--db", str(db), "--out", str(tmp_path / "b.pdf")]) == 1
    assert "已经设置过" in capsys.readouterr().err
    assert not (tmp_path / "b.pdf").exists()
    # The printed key (read back from the PDF) opens the notes for a counsellor.
    database = open_database(db)
    with database.write() as s:
        admin = auth.actor_for(s.scalar(select(User)))
        user = auth.create_user(s, admin, "zixun", "陈咨询", Role.COUNSELLOR, "Staff#2026pw")
        c = auth.actor_for(user)
    with database.write() as s:
        key = notes_keys.unlock(s, c, "Staff#2026pw")
        cid = counselling.register_client(
            s,
            c,
            counselling.ClientInput(
                TargetGroup.OTHER, ClientSource.SELF, pseudonym="甲", use_pseudonym=True
            ),
        )
    with database.write() as s:
        restored = notes_keys.restore_with_recovery(s, c, key_text, "Staff#2026pw")
        assert restored.material() == key.material()
        with pytest.raises(ServiceError):
            notes_keys.restore_with_recovery(s, c, key_text[::-1], "Staff#2026pw")
    assert cid
    database.dispose()


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_db_option_works_before_or_after_the_subcommand(demo_db, tmp_path, capsys, before):
    def argv(*sub: str, option=("--db", str(demo_db))) -> list[str]:
        return [*option, *sub] if before else [*sub, *option]

    assert main(argv("find", "BS", "--json", "--limit", "3")) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3
    out = tmp_path / "r.pdf"
    assert main(argv("print", "receipt", rows[0]["number"], "--out", str(out))) == 0
    assert rows[0]["number"] in PdfReader(out).pages[0].extract_text()
    url = ("--database-url", f"sqlite:///{demo_db}")
    assert main(argv("check", option=url)) == 0
    assert "哈希链完整" in capsys.readouterr().out
    missing = tmp_path / "nope.sqlite3"  # not silently the default database
    assert main(argv("find", "BS", option=("--db", str(missing)))) == 1
    assert str(missing) in capsys.readouterr().err and not missing.exists()


def test_db_option_without_a_subcommand_opens_the_gui_on_that_database(monkeypatch):
    seen = {}

    def fake_run_gui(db, url, *, demo_login, startup_probe, allow_network_share):
        seen.update(db=db, url=url, demo_login=demo_login, share=allow_network_share)
        return 0

    monkeypatch.setattr("app.gui.run_gui", fake_run_gui)
    assert main(["--db", "X.sqlite3", "--demo-login"]) == 0  # `make run`
    assert seen == {"db": "X.sqlite3", "url": None, "demo_login": True, "share": False}
    assert main(["--db", "X.sqlite3", "--allow-network-share"]) == 0
    assert seen["share"] is True


def test_commands_that_name_their_databases_otherwise_refuse_db(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--db", "X.sqlite3", "connect", "--local"])
    assert exc.value.code == 2 and "connect 不用 --db" in capsys.readouterr().err


def test_reading_personal_data_from_a_real_center_asks_who_is_signing_in(db, tmp_path, capsys):
    out = tmp_path / "流动人口.xlsx"
    export = ["export", "ledger", "migrants", "--database-url", db.url, "--out", str(out)]
    assert main(export) == 1  # no user, no terminal to ask on (pytest's stdin)
    assert "--user 用户名 --password-file 密码文件" in capsys.readouterr().err
    assert not out.exists()
    wrong = password_file(tmp_path, "Wrong#2026pw")
    assert main([*export, "--user", "jiedai", "--password-file", str(wrong)]) == 1
    assert "登录失败：用户名或密码不正确" in capsys.readouterr().err
    pw = password_file(tmp_path)
    assert main([*export, "--user", "zixun", "--password-file", str(pw)]) == 1  # the role
    assert "导出工作台账" in capsys.readouterr().err and not out.exists()
    assert main(["find", "张", "--database-url", db.url, "--user", "zixun",
                 "--password-file", str(pw)]) == 1  # fmt: skip
    assert main([*export, "--user", "jiedai", "--password-file", str(pw)]) == 0
    assert "已导出流动人口服务管理台账" in capsys.readouterr().out
    assert main(["--database-url", db.url, "find", "张", "--user", "jiedai",
                 "--password-file", str(pw)]) == 0  # fmt: skip
    from sqlalchemy import select

    from app.models import AuditEntry

    with db.read() as s:
        rows = s.execute(
            select(AuditEntry.event, AuditEntry.username, AuditEntry.outcome).order_by(
                AuditEntry.seq
            )
        ).all()
    events = [(e, u) for e, u, _o in rows]
    assert ("export_ledger", "jiedai") in events and ("export_search", "jiedai") in events
    assert ("login", "jiedai") in events
    assert not any(u == "system" for e, u in events if e.startswith("export"))
    refused = [(e, u) for e, u, o in rows if o == "refused"]
    assert ("login", "jiedai") in refused


def test_a_demo_database_signs_in_as_its_demo_director(demo_db, capsys):
    assert main(["find", "BS", "--db", str(demo_db), "--limit", "1"]) == 0
    with sqlite3.connect(demo_db) as conn:
        (user,) = conn.execute(
            "SELECT username FROM audit_log WHERE event = 'export_search' ORDER BY seq DESC"
        ).fetchone()
    conn.close()
    assert user == "demo-director"


def test_print_lists_a_matters_documents_and_prints_each_again(db, tmp_path, capsys, clock):
    from datetime import date, datetime

    from sqlalchemy import select

    from app.models import Unit
    from app.services.reception import flow, intake, supervision
    from tests.conftest import actor
    from tests.services.test_intake import make_input

    clock.freeze("2026-11-02 09:00")
    director, jiedai = actor(db, "zhuren"), actor(db, "jiedai")
    with db.write() as s:
        unit = s.scalar(select(Unit.id).where(Unit.name == "信访办"))
        data = make_input(db, category="信访事项", unit_id=unit)
        r = intake.register_matter(s, jiedai, data, at=datetime(2026, 11, 2, 9))
    with db.write() as s:
        at = datetime(2026, 11, 2, 10)
        order = supervision.issue_order(
            s, director, r.id, unit, "请答复。", date(2026, 11, 9), at=at
        )
        flow.request_extension(
            s, director, r.id, date(2027, 1, 20), "需要现场勘查", at=at.replace(minute=4)
        )
        flow.extend(s, director, r.id, at=at.replace(minute=5))
    login = ["--user", "jiedai", "--password-file", str(password_file(tmp_path))]
    assert main(["print", "list", r.number, "--database-url", db.url, *login]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "receipt", "acceptance", "supervision", "extension"
    ]  # fmt: skip
    assert f"督办单 {order.number}" in lines[2] and "延至 2027-01-20" in lines[3]
    for document, expected in (
        ("receipt", "受理回执"),
        ("acceptance", "受理告知书"),
        ("supervision", "督　办　单"),
        ("extension", "延期办理告知书"),
    ):
        out = tmp_path / f"{document}.pdf"
        args = ["print", document, r.number, "--database-url", db.url, "--out", str(out), *login]
        assert main(args) == 0, capsys.readouterr().err
        assert expected in PdfReader(out).pages[0].extract_text()
    args = ["print", "rejection", r.number, "--database-url", db.url, "--out", "x.pdf", *login]
    assert main(args) == 1 and "该事项没有不予受理告知书" in capsys.readouterr().err
    assert main(["print", "receipt", r.number, "--database-url", db.url, *login]) == 2


def test_password_files_as_notepad_saves_them_and_bad_ones_said_in_chinese(db, tmp_path, capsys):
    from sqlalchemy import select

    from app.models import User

    find = ["find", "BS", "--database-url", db.url, "--user", "jiedai", "--password-file"]
    for name, data in (
        ("bom.txt", "\ufeff".encode() + STAFF_PASSWORD.encode() + b"\r\n"),  # UTF-8 with BOM
        ("utf16.txt", (STAFF_PASSWORD + "\r\n").encode("utf-16")),  # Notepad's "Unicode"
    ):
        (tmp_path / name).write_bytes(data)
        assert main([*find, str(tmp_path / name)]) == 0, capsys.readouterr().err
    (tmp_path / "empty.txt").write_text("\n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x80\x81\x82")
    for path, said in (
        (tmp_path / "empty.txt", "是空的"),
        (tmp_path / "nope.txt", "找不到密码文件"),
        (tmp_path, "是一个文件夹"),
        (tmp_path / "binary.txt", "不是文本文件"),
    ):
        assert main([*find, str(path)]) == 1
        assert said in capsys.readouterr().err
    with db.read() as s:  # refused before any log-in: no try counted towards the lock-out
        assert s.scalar(select(User.failed_logins).where(User.username == "jiedai")) == 0
