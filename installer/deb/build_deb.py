"""Build the .deb for 统信 UOS / 麒麟 Kylin from the PyInstaller bundle.

    python installer/deb/build_deb.py --bundle dist/zongzhi --out dist

Installs under /opt/zongzhi, puts `zongzhi` on the PATH, adds a menu entry with the icon and
Chinese name. Users' data lives in their home folders (~/.local/share/zongzhi), which the
package never touches, so removing or purging it leaves every database and backup in place.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app import __version__  # noqa: E402

PACKAGE = "zongzhi"

# The oldest system the package starts on: glibc 2.28 (UOS 20 1050 and later; Kylin V10 SP1 has
# 2.31) and the C++ runtime of GCC 8 (GLIBCXX_3.4.25, CXXABI_1.3.11), which the bundle does not
# carry. `make deb` builds the bundle on Debian 11 (installer/deb/bullseye_bundle.sh) and
# build() refuses a bundle any of whose files asks for more.
FLOORS = {"GLIBC": (2, 28), "GLIBCXX": (3, 4, 25), "CXXABI": (1, 3, 11)}
# Version requirements that are not numbers but came with a glibc release.
_NAMED_VERSIONS = {"GLIBC_ABI_DT_RELR": ("GLIBC", (2, 36))}

# The system libraries the bundle links to and leaves to the system (spec: Python's own
# SSL/SQLite/libffi travel with it, everything else is the target's), by soname → the
# package that has it on Debian 10 and 11, UOS 20 and Kylin V10. A file linking to a library
# that is neither in the bundle nor here stops the build.
SYSTEM_LIBRARIES = {
    **dict.fromkeys(
        [
            "libc.so.6",
            "libm.so.6",
            "libdl.so.2",
            "libpthread.so.0",
            "librt.so.1",
            "libutil.so.1",
            "libresolv.so.2",
            "ld-linux-x86-64.so.2",
        ],
        "libc6",
    ),
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1 | libgcc1",
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
    "libbz2.so.1.0": "libbz2-1.0",
    "liblzma.so.5": "liblzma5",
    "libuuid.so.1": "libuuid1",
    "libexpat.so.1": "libexpat1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    **dict.fromkeys(
        ["libglib-2.0.so.0", "libgthread-2.0.so.0", "libgobject-2.0.so.0", "libgio-2.0.so.0"],
        "libglib2.0-0",
    ),
    "libdbus-1.so.3": "libdbus-1-3",
    "libcups.so.2": "libcups2",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    # The Wayland plug-in stays (UKUI and DDE have Wayland sessions); its client libraries are
    # small and on every target.
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}


def _floor_text(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


# What the package needs: glibc from the floor on, the libraries above, and Chinese fonts —
# a receipt must never print boxes on a bare system: a screen face (WenQuanYi or Noto CJK) and
# HanaMin for the rare characters of GB 18030 (such as 𠮷) that the others lack.
DEPENDS = [
    f"libc6 (>= {_floor_text(FLOORS['GLIBC'])})",
    *sorted(set(SYSTEM_LIBRARIES.values()) - {"libc6"}),
    "fonts-wqy-microhei | fonts-noto-cjk",
    "fonts-hanazono",
]
# AR PL UMing/UKai as the Song and Kai faces of printed documents (GB/T 9704).
RECOMMENDS = ["fonts-arphic-uming", "fonts-arphic-ukai"]

_VERSION = re.compile(r"\b(GLIBCXX|CXXABI|GLIBC)_([0-9]+(?:\.[0-9]+)*|[A-Z][A-Z_]*)\b")


def required_versions(objdump_text: str) -> dict[str, tuple[int, ...]]:
    """The newest glibc / libstdc++ symbol versions a file asks for, from `objdump -T -p`:
    its undefined symbols and its version references ("required from libc.so.6: … GLIBC_2.17").
    Versions the file defines itself (a bundled library's own) do not count."""
    newest: dict[str, tuple[int, ...]] = {}
    in_references = False
    for line in objdump_text.splitlines():
        if line.startswith("Version References:"):
            in_references = True
            continue
        if in_references and line and not line[0].isspace():
            in_references = False
        if not (in_references or "*UND*" in line):
            continue
        for family, version in _VERSION.findall(line):
            if version[0].isdigit():
                number = tuple(int(part) for part in version.split("."))
            elif f"{family}_{version}" in _NAMED_VERSIONS:
                family, number = _NAMED_VERSIONS[f"{family}_{version}"]
            else:
                continue  # GLIBC_PRIVATE: between glibc's own libraries
            newest[family] = max(newest.get(family, number), number)
    return newest


def needed_libraries(objdump_text: str) -> list[str]:
    """The sonames a file links to (NEEDED entries of `objdump -p`)."""
    return re.findall(r"^\s+NEEDED\s+(\S+)$", objdump_text, flags=re.MULTILINE)


def _is_elf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


def bundle_problems(reports: dict[str, str], carried: set[str]) -> list[str]:
    """What stops the package from starting on the oldest target, as messages: a file that asks
    for a symbol version above FLOORS, or links to a library that neither the bundle carries
    (`carried`: its file names) nor SYSTEM_LIBRARIES names. `reports`: path → objdump text."""
    problems = []
    for path, text in sorted(reports.items()):
        for family, version in sorted(required_versions(text).items()):
            if family in FLOORS and version > FLOORS[family]:
                problems.append(
                    f"{path} 需要 {family}_{_floor_text(version)}，"
                    f"高于下限 {family}_{_floor_text(FLOORS[family])}"
                )
        for soname in needed_libraries(text):
            if soname not in carried and soname not in SYSTEM_LIBRARIES:
                problems.append(f"{path} 链接 {soname}：包里没有，Depends 也没有声明")
    return problems


def check_bundle(bundle: Path) -> None:
    """objdump -T -p every ELF file of the bundle; stop with the list of problems, if any."""
    files = [f for f in sorted(bundle.rglob("*")) if f.is_file() and not f.is_symlink()]
    elves = [f for f in files if _is_elf(f)]
    if not elves:
        return
    objdump = shutil.which("objdump")
    if objdump is None:
        raise SystemExit("检查打包结果需要 objdump（apt-get install binutils）")
    reports = {
        str(f.relative_to(bundle)): subprocess.run(
            [objdump, "-T", "-p", str(f)], capture_output=True, text=True, check=True
        ).stdout
        for f in elves
    }
    carried = {f.name for f in bundle.rglob("*")}
    problems = bundle_problems(reports, carried)
    if problems:
        raise SystemExit(
            f"打包结果不能在下限 glibc {_floor_text(FLOORS['GLIBC'])} 的系统上运行"
            "（请用 make deb 在 Debian 11 环境里构建，见 README「安装包（给窗口终端）」）：\n  "
            + "\n  ".join(problems)
        )
    newest = {}
    for text in reports.values():
        for family, version in required_versions(text).items():
            newest[family] = max(newest.get(family, version), version)
    print(
        f"build_deb: {len(elves)} ELF files; newest versions asked for: "
        + ", ".join(f"{k}_{_floor_text(v)}" for k, v in sorted(newest.items()))
    )


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
    check_bundle(bundle)
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
