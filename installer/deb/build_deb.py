"""Build the .deb for 统信 UOS / 麒麟 Kylin from the PyInstaller bundle.

    python installer/deb/build_deb.py --bundle dist/zongzhi --out dist

Installs under /opt/zongzhi, puts `zongzhi` on the PATH, adds a menu entry with the icon and
Chinese name. Users' data lives in their home folders (~/.local/share/zongzhi), which the
package never touches, so removing or purging it leaves every database and backup in place.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app import __version__  # noqa: E402

PACKAGE = "zongzhi"
# Qt's X11 platform plugin needs these on a minimal desktop; full desktops already have them.
# (What the bundle's libraries link to and the bundle does not carry: libc, GL/EGL, xcb.)
DEPENDS = [
    "libc6",
    "libegl1",
    "libgl1",
    "libfontconfig1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xkb1",
]
# Chinese faces for screen and print; HanaMin carries rare characters such as 𠮷.
# WenQuanYi for the screen, HanaMin for rare characters, AR PL UMing/UKai as the Song and Kai
# faces of printed documents (GB/T 9704).
RECOMMENDS = ["fonts-wqy-microhei", "fonts-hanazono", "fonts-arphic-uming", "fonts-arphic-ukai"]


def control_text(version: str, arch: str, installed_kb: int) -> str:
    return (
        f"Package: {PACKAGE}\n"
        f"Version: {version}\n"
        f"Architecture: {arch}\n"
        "Maintainer: zongzhi-desk <zongzhi-desk@localhost>\n"
        f"Installed-Size: {installed_kb}\n"
        f"Depends: {', '.join(DEPENDS)}\n"
        f"Recommends: {', '.join(RECOMMENDS)}\n"
        "Section: misc\n"
        "Priority: optional\n"
        "Description: 综治中心工作台 — desktop workbench of a comprehensive-governance center\n"
        " Reception window, printed receipts and the rooms of a street or township\n"
        " 综治工作中心, on a local SQLite database or a shared PostgreSQL server.\n"
    )


def desktop_text() -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Zongzhi Desk\n"
        "Name[zh_CN]=综治中心工作台\n"
        "GenericName[zh_CN]=综治工作中心工作台\n"
        "Comment[zh_CN]=群众接待、矛盾纠纷调解、事项流转与台账\n"
        "Exec=/opt/zongzhi/zongzhi\n"
        "Icon=zongzhi\n"
        "Terminal=false\n"
        "Categories=Office;\n"
        "StartupNotify=true\n"
    )


def _dir_kb(path: Path) -> int:
    files = (f for f in path.rglob("*") if f.is_file() and not f.is_symlink())
    return sum(f.stat().st_size for f in files) // 1024 + 1


def build(bundle: Path, out_dir: Path, work: Path = ROOT / "build" / "deb") -> Path:
    if not (bundle / "zongzhi").exists():
        raise SystemExit(f"没有找到打包结果 {bundle}/zongzhi，请先运行 make bundle")
    arch = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()
    stage = work / f"{PACKAGE}_{__version__}_{arch}"
    shutil.rmtree(stage, ignore_errors=True)
    shutil.copytree(bundle, stage / "opt" / "zongzhi", symlinks=True)
    (stage / "usr" / "bin").mkdir(parents=True)
    os.symlink("/opt/zongzhi/zongzhi-cli", stage / "usr" / "bin" / "zongzhi")
    apps = stage / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    (apps / "zongzhi.desktop").write_text(desktop_text(), encoding="utf-8")
    icons = stage / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps"
    icons.mkdir(parents=True)
    shutil.copy(ROOT / "resources" / "icons" / "zongzhi.svg", icons / "zongzhi.svg")
    debian = stage / "DEBIAN"
    debian.mkdir()
    (debian / "control").write_text(
        control_text(__version__, arch, _dir_kb(stage)), encoding="utf-8"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    deb = out_dir / f"{PACKAGE}_{__version__}_{arch}.deb"
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(stage), str(deb)], check=True)
    return deb


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--bundle", type=Path, default=ROOT / "dist" / "zongzhi")
    p.add_argument("--out", type=Path, default=ROOT / "dist")
    args = p.parse_args()
    print(build(args.bundle, args.out))


if __name__ == "__main__":
    main()
