"""Checks a built bundle as a person would after installing it: the command line starts, makes
a demo database, signs in, prints a receipt and a mediation case's file, exports a ledger to
XLSX, and renders every tab of the window. Run by ``make bundle`` and ``make deb`` after
building, so that a bundle that cannot print (as when ReportLab's QR encoder was read from a
file the bundle does not have) stops the build instead of reaching a center.

    python installer/check_bundle.py dist/zongzhi

Prints what it checked; exits 1 with what failed (in Chinese, as build_deb.py does).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import __version__  # noqa: E402
from app.cli import SCREENSHOT_TABS as TABS  # noqa: E402
from app.demo.accounts import DEMO_LOGINS  # noqa: E402

PASSWORDS = {user: password for user, password, *_ in DEMO_LOGINS}


class BundleBroken(Exception):
    pass


def _run(cli: Path, argv: list, env: dict, what: str) -> str:
    try:
        proc = subprocess.run(
            [cli, *argv],
            capture_output=True,
            encoding="utf-8",  # the program writes UTF-8 (env below), whatever the locale
            errors="replace",
            env=env,
            timeout=300,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BundleBroken(f"{what} 在 {exc.timeout:.0f} 秒内没有结束") from None
    if proc.returncode != 0:
        raise BundleBroken(
            f"{what} 失败（退出码 {proc.returncode}）：\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
        )
    return proc.stdout


def _pdf_text(path: Path) -> tuple[str, int, set[str]]:
    """The PDF's text, its page count and the names of the faces it embeds (subsets, named
    ``ABCDEF+Name``; the standard fonts a viewer has are not embedded)."""
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    fonts: set[str] = set()
    for page in reader.pages:
        for font in (page.get("/Resources") or {}).get("/Font", {}).values():
            name = str(font.get_object().get("/BaseFont", ""))
            if "+" in name:
                fonts.add(name.split("+", 1)[1])
    return "".join(p.extract_text() for p in reader.pages), len(reader.pages), fonts


def check(bundle: Path) -> list[str]:
    """What was checked, a line each; raises BundleBroken on the first failure."""
    cli = bundle / ("zongzhi-cli.exe" if os.name == "nt" else "zongzhi-cli")
    if not cli.exists():
        raise BundleBroken(f"找不到 {cli}，请先构建")
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "PYTHONIOENCODING": "utf-8",
    }
    done = []
    version = _run(cli, ["--version"], env, "--version").strip()
    if __version__ not in version:
        raise BundleBroken(f"--version 显示 {version!r}，源码的版本是 {__version__}")
    done.append(f"版本：{version}")
    with tempfile.TemporaryDirectory(prefix="zongzhi-bundle-check-") as tmp:
        work = Path(tmp)
        db = work / "demo.sqlite3"
        _run(cli, ["demo", "--db", db, "--matters", "40"], env, "demo")
        # Demo data: which numbers to print (closed before the folder goes: Windows).
        with contextlib.closing(sqlite3.connect(db)) as con:
            matter = con.execute("SELECT number FROM matters ORDER BY received_at DESC").fetchone()
            case = con.execute("SELECT number FROM mediation_cases ORDER BY number").fetchone()
        if matter is None or case is None:
            raise BundleBroken("demo 生成的数据库里没有事项或调解案件")
        number, case = matter[0], case[0]
        done.append(f"演示数据库：{db.stat().st_size // 1024} KB")
        for user, kind, which, must in (
            ("demo-reception", "receipt", number, ("受理回执", number)),
            ("demo-mediator", "casefile", case, ("人民调解", case)),
        ):
            password = work / f"{user}.txt"
            password.write_text(PASSWORDS[user], encoding="utf-8")
            out = work / f"{kind}.pdf"
            login = ["--user", user, "--password-file", password]
            printing = ["print", kind, which, "--db", db, "--out", out, *login]
            _run(cli, printing, env, f"print {kind}")
            text, pages, fonts = _pdf_text(out)
            missing = [m for m in must if m not in text]
            if missing:
                raise BundleBroken(f"print {kind} {which}：PDF 里没有 {missing}")
            if not fonts:
                raise BundleBroken(f"print {kind} {which}：PDF 没有嵌入中文字体")
            done.append(f"print {kind} {which}：{pages} 页，嵌入字体 {'、'.join(sorted(fonts))}")
        password = work / "demo-director.txt"
        password.write_text(PASSWORDS["demo-director"], encoding="utf-8")
        xlsx = work / "ledger.xlsx"
        login = ["--user", "demo-director", "--password-file", password]
        ledger = ["export", "ledger", "matters", "--format", "xlsx", "--out", xlsx]
        _run(cli, [*ledger, "--db", db, *login], env, "export ledger")
        with zipfile.ZipFile(xlsx) as book:  # an XLSX is a zip of XML parts
            sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        if not sheets:
            raise BundleBroken("export ledger：XLSX 里没有工作表")
        done.append(f"export ledger matters：{xlsx.stat().st_size // 1024} KB XLSX")
        # Every tab, each as a user of it sees it: the views and their libraries load.
        shots = work / "tabs"
        size = ["--size", "1366x728"]
        _run(cli, ["screenshot", "--all", "--db", db, *size, "--out", shots], env, "screenshot")
        pngs = sorted(shots.glob("*.png"))
        narrow = [p.name for p in pngs if _png_width(p) != 1366]
        if len(pngs) != len(TABS) or narrow:
            raise BundleBroken(
                f"screenshot --all：{len(TABS)} 个标签页只截了 {len(pngs)} 张；宽度不对：{narrow}"
            )
        done.append(f"screenshot --all：全部 {len(pngs)} 个标签页，宽 1366 像素")
    return done


def _png_width(path: Path) -> int:
    head = path.read_bytes()[:24]
    return int.from_bytes(head[16:20], "big") if head.startswith(b"\x89PNG") else 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("bundle", type=Path, nargs="?", default=ROOT / "dist" / "zongzhi")
    args = p.parse_args()
    try:
        for line in check(args.bundle):
            print(f"安装包自检：{line}")
    except BundleBroken as exc:
        print(f"安装包自检失败（{args.bundle}）：{exc}", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"安装包自检通过：{args.bundle}")


if __name__ == "__main__":
    main()
