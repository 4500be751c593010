"""What users install: the PyInstaller spec, the .deb's control data and the Inno Setup script
agree with the package (nothing heavy is built here; `make bundle` / `make deb` do that)."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path, PurePath

import pytest

from app import __version__
from installer.deb.build_deb import (
    DEPENDS,
    FLOORS,
    SYSTEM_LIBRARIES,
    build,
    bundle_problems,
    control_text,
    desktop_text,
    needed_libraries,
    required_versions,
)

ROOT = Path(__file__).resolve().parents[1]
SPEC = (ROOT / "installer" / "zongzhi.spec").read_text(encoding="utf-8")
ISS = (ROOT / "installer" / "windows" / "zongzhi.iss").read_text(encoding="utf-8")


def spec_exe_names() -> list[str]:
    return re.findall(r'name="([\w-]+)",\n\s+console=', SPEC)


def spec_helpers() -> dict:
    """The spec's filters (plain functions and constants), without running PyInstaller."""
    tree = ast.parse(SPEC)
    wanted = {
        "WINDOWS",
        "UNNEEDED_QT_PLUGINS",
        "EXCLUDES",
        "KEEP_SYSTEM_LIBRARIES",
        "SYSTEM_LIBRARY_DIRS",
    }
    nodes = [
        n
        for n in tree.body
        if isinstance(n, ast.FunctionDef)
        and n.name.startswith(("_qt_", "_system_"))
        or isinstance(n, ast.Assign)
        and {t.id for t in n.targets if isinstance(t, ast.Name)} & wanted
    ]
    namespace = {"PurePath": PurePath, "sys": sys, "os": os}
    exec(compile(ast.Module(nodes, type_ignores=[]), "zongzhi.spec", "exec"), namespace)
    return namespace


def test_version_lives_in_one_place():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "app.__version__"}


def test_spec_builds_one_folder_without_upx_and_carries_migrations_and_resources():
    assert "exclude_binaries=True" in SPEC and "COLLECT(" in SPEC, "one-folder mode"
    assert "upx=True" not in SPEC and SPEC.count("upx=False") == 3
    assert spec_exe_names() == ["zongzhi", "zongzhi-cli"]
    # Only Windows tells a console program from a windowed one; elsewhere zongzhi-cli is a link.
    assert "if WINDOWS:" in SPEC and 'cli_link.symlink_to("zongzhi")' in SPEC
    assert '(str(ROOT / "app" / "migrations"), "app/migrations")' in SPEC
    assert '(str(ROOT / "resources"), "resources")' in SPEC
    assert "PySide6.QtWebEngineCore" in SPEC  # excluded
    assert list((ROOT / "app" / "migrations" / "versions").glob("0001_*.py"))
    assert (ROOT / "resources" / "icons" / "zongzhi.svg").is_file()


def test_spec_brings_lazy_imports():
    # Tabs import some modules only when opened: every app module is collected.
    assert 'collect_submodules("app"' in SPEC
    assert "matplotlib" not in SPEC  # the command room's charts are drawn with QPainter
    excludes = set(spec_helpers()["EXCLUDES"])
    assert {"tkinter", "_tkinter", "PyQt5", "PyQt6", "PySide2", "wx"} <= excludes
    assert {"PySide6.QtWebEngineCore", "PySide6.QtQml", "PySide6.QtOpenGL"} <= excludes
    # What the app and qt_material import stays.
    for module in ("PySide6.QtWidgets", "PySide6.QtPrintSupport", "PySide6.QtSvg"):
        assert module not in excludes
    assert "PySide6.QtUiTools" not in excludes  # qt_material imports it


def test_spec_keeps_the_qt_plugins_and_translations_the_app_uses():
    h = spec_helpers()
    plugin, translation = h["_qt_plugin_unneeded"], h["_qt_translation_unneeded"]
    linux = "PySide6/Qt/plugins"
    for kept in (
        f"{linux}/platforms/libqxcb.so",
        f"{linux}/platforms/libqwayland.so",
        f"{linux}/platforms/libqoffscreen.so",
        f"{linux}/xcbglintegrations/libqxcb-glx-integration.so",
        f"{linux}/imageformats/libqsvg.so",
        f"{linux}/iconengines/libqsvgicon.so",
        f"{linux}/printsupport/libcupsprintersupport.so",
        f"{linux}/platformthemes/libqxdgdesktopportal.so",
        f"{linux}/platforminputcontexts/libibusplatforminputcontextplugin.so",
        "PySide6/plugins/platforms/qwindows.dll",
        "PySide6/plugins/styles/qmodernwindowsstyle.dll",
        "PIL/plugins/platforms/whatever.so",  # not Qt's
    ):
        assert not plugin(kept), kept
    for dropped in (
        f"{linux}/platformthemes/libqgtk3.so",
        f"{linux}/platforms/libqeglfs.so",
        f"{linux}/platforms/libqvnc.so",
        f"{linux}/generic/libqevdevtouchplugin.so",
        f"{linux}/egldeviceintegrations/libqeglfs-kms-integration.so",
        "PySide6/plugins/generic/qtuiotouchplugin.dll",
    ):
        assert plugin(dropped), dropped
    assert not translation("PySide6/Qt/translations/qtbase_zh_CN.qm")
    assert not translation("PySide6/translations/qt_zh_CN.qm")
    assert translation("PySide6/Qt/translations/qtbase_de.qm")
    assert translation("PySide6/Qt/translations/qt_help_zh_CN.qm")
    assert not translation("resources/translations/app_de.qm")


def test_deb_control_and_desktop_entry():
    control = control_text(__version__, "amd64", 250_000)
    fields = dict(line.split(": ", 1) for line in control.splitlines() if ": " in line)
    assert fields["Package"] == "zongzhi" and fields["Version"] == __version__
    # Chinese faces are not optional: a receipt must never print boxes; HanaMin has GB 18030's
    # rare characters. glibc from the floor on.
    depends = fields["Depends"].split(", ")
    assert {"fonts-wqy-microhei | fonts-noto-cjk", "fonts-hanazono"} <= set(depends)
    assert f"libc6 (>= {'.'.join(map(str, FLOORS['GLIBC']))})" in depends
    # What Qt's libraries link to and the bundle leaves to the system, Wayland's included.
    assert {"libegl1", "libgl1", "libxcb1", "libxcb-cursor0", "libstdc++6", "libcups2"} <= set(
        DEPENDS
    )
    assert "libwayland-client0" in depends
    desktop = desktop_text()
    assert "Name[zh_CN]=综治中心工作台" in desktop
    assert "Exec=/opt/zongzhi/zongzhi" in desktop and "Icon=zongzhi" in desktop
    # No maintainer scripts: removal never touches users' data folders.
    build = (ROOT / "installer" / "deb" / "build_deb.py").read_text(encoding="utf-8")
    assert "postrm" not in build and "prerm" not in build


def test_inno_setup_script_matches_the_bundle_and_the_version():
    defines = dict(re.findall(r'#define (\w+) "([^"]*)"', ISS))
    assert defines["AppVersion"] == __version__, "update installer/windows/zongzhi.iss"
    assert defines["AppExe"] == "zongzhi.exe"
    sources = re.findall(r'Source: "\{#BundleDir\}\\([^"]+)"', ISS)
    assert sources == [f"{name}.exe" for name in spec_exe_names()] + ["_internal\\*"]
    assert 'Name: "chinesesimplified"' in ISS
    assert "PrivilegesRequired=admin" in ISS
    assert "{group}\\{#AppName}" in ISS and "{commondesktop}\\{#AppName}" in ISS
    assert "[UninstallDelete]" not in ISS and "localappdata" not in ISS.split("\n[", 1)[1]


@pytest.mark.skipif(not shutil.which("dpkg-deb"), reason="needs dpkg-deb (Debian, UOS, Kylin)")
def test_deb_layout_from_a_stand_in_bundle(tmp_path):
    bundle = tmp_path / "zongzhi"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "zongzhi").write_bytes(b"#!/bin/sh\n")
    (bundle / "zongzhi").chmod(0o755)
    (bundle / "zongzhi-cli").symlink_to("zongzhi")
    (bundle / "_internal" / "base_library.zip").write_bytes(b"")
    deb = build(bundle, tmp_path / "out", work=tmp_path / "work")
    assert deb.name == f"zongzhi_{__version__}_{deb.name.rsplit('_', 1)[1]}"
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    paths = {line.split()[5].lstrip(".") for line in listing.splitlines()}
    assert {
        "/opt/zongzhi/zongzhi",
        "/opt/zongzhi/_internal/base_library.zip",
        "/usr/share/applications/zongzhi.desktop",
        "/usr/share/icons/hicolor/scalable/apps/zongzhi.svg",
    } <= paths
    assert "/usr/bin/zongzhi -> /opt/zongzhi/zongzhi-cli" in listing
    assert "/opt/zongzhi/zongzhi-cli -> zongzhi" in listing
    assert not [p for p in paths if "/home" in p or "/root" in p or "/var" in p]
    info = subprocess.run(
        ["dpkg-deb", "--info", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    assert "fonts-wqy-microhei | fonts-noto-cjk, fonts-hanazono" in info
    # No maintainer scripts: nothing runs on removal, users' data folders stay.
    assert not re.search(r"\b(preinst|postinst|prerm|postrm)\b", info)


def test_inno_setup_script_states_its_minimum_version_and_is_utf8_with_a_bom():
    """Inno Setup reads a script without a byte-order mark in the system's ANSI code page:
    the Chinese names would come out garbled on a machine set to another one."""
    raw = (ROOT / "installer" / "windows" / "zongzhi.iss").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "save zongzhi.iss as UTF-8 with BOM"
    raw.decode("utf-8-sig")  # and the rest is UTF-8
    assert re.search(r"#if VER < EncodeVer\(6, 3, 0\)\s+#error", ISS)
    assert "Inno Setup 6.3" in (ROOT / "README.md").read_text(encoding="utf-8")


# `objdump -T -p` of a library: what it asks of glibc and libstdc++, what it defines itself.
OBJDUMP = """
libdemo.so:     file format elf64-x86-64

Dynamic Section:
  NEEDED               libstdc++.so.6
  NEEDED               libc.so.6
  NEEDED               libxcb-cursor.so.0
  SONAME               libdemo.so

Version definitions:
1 0x01 0x0a1b2c3d libdemo.so
2 0x00 0x0b1c2d3e Qt_6

Version References:
  required from libc.so.6:
    0x09691a75 0x00 04 GLIBC_2.2.5
    0x06969197 0x00 03 GLIBC_2.17
    0x0963cf85 0x00 02 GLIBC_PRIVATE
  required from libstdc++.so.6:
    0x08922974 0x00 05 GLIBCXX_3.4
    0x0297f865 0x00 06 GLIBCXX_3.4.21

DYNAMIC SYMBOL TABLE:
0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.2.5) free
0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.14) memcpy
0000000000000000  w   DF *UND*\t0000000000000000 (GLIBC_2.27) memfd_create
0000000000000000      DF *UND*\t0000000000000000 (CXXABI_1.3.9) _ZdlPvm
0000000000001120 g    DF .text\t0000000000000042  Qt_6        qt_demo
0000000000001180 g    DF .text\t0000000000000042  GLIBC_2.99  not_asked_for_but_defined
"""


def test_objdump_output_gives_the_newest_versions_asked_for_and_the_libraries_linked():
    assert required_versions(OBJDUMP) == {
        "GLIBC": (2, 27),  # a symbol's version can be above the version references' list
        "GLIBCXX": (3, 4, 21),
        "CXXABI": (1, 3, 9),
    }
    newer = OBJDUMP.replace("(GLIBC_2.27) memfd_create", "(GLIBC_2.34) pthread_once")
    assert required_versions(newer)["GLIBC"] == (2, 34)
    # glibc 2.36's packed relocations are asked for by name, not number.
    relr = OBJDUMP.replace("GLIBC_PRIVATE", "GLIBC_ABI_DT_RELR")
    assert required_versions(relr)["GLIBC"] == (2, 36)
    assert needed_libraries(OBJDUMP) == ["libstdc++.so.6", "libc.so.6", "libxcb-cursor.so.0"]


def test_bundle_problems_name_each_file_above_the_floor_or_linking_what_nobody_brings():
    assert FLOORS["GLIBC"] == (2, 28)
    ok = {"_internal/libdemo.so": OBJDUMP}
    assert bundle_problems(ok, carried=set()) == []
    too_new = OBJDUMP.replace("(GLIBC_2.27) memfd_create", "(GLIBC_2.29) pow")
    unknown = OBJDUMP.replace("libxcb-cursor.so.0", "libgtk-3.so.0")
    problems = bundle_problems(
        {"_internal/libpython3.11.so.1.0": too_new, "_internal/libqgtk3.so": unknown},
        carried=set(),
    )
    assert problems == [
        "_internal/libpython3.11.so.1.0 需要 GLIBC_2.29，高于下限 GLIBC_2.28",
        "_internal/libqgtk3.so 链接 libgtk-3.so.0：包里没有，Depends 也没有声明",
    ]
    # A library the bundle carries itself needs no package.
    assert bundle_problems({"x.so": unknown}, carried={"libgtk-3.so.0"}) == []
    # Every library left to the system is declared.
    assert {p for p in SYSTEM_LIBRARIES.values()} <= set(DEPENDS) | {"libc6"}


def test_spec_leaves_the_build_systems_libraries_to_the_target():
    unneeded = spec_helpers()["_system_library_unneeded"]
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    lib = "/usr/lib/x86_64-linux-gnu"
    for left_out in ("libstdc++.so.6", "libcups.so.2", "libexpat.so.1", "libz.so.1"):
        assert unneeded(left_out, f"{lib}/{left_out}"), left_out
    # What Python's own modules need in versions a target may lack, the runtime, the wheels'.
    for kept in ("libssl.so.1.1", "libffi.so.7", "libpython3.11.so.1.0", "libxcb-util.so.1"):
        assert not unneeded(kept, f"{lib}/{kept}"), kept
    assert not unneeded("libpython3.11.so.1.0", "/opt/python3.11/lib/libpython3.11.so.1.0")
    wheel = "/opt/venv/lib/python3.11/site-packages/PySide6/Qt/lib/libQt6Core.so.6"
    assert not unneeded("PySide6/Qt/lib/libQt6Core.so.6", wheel)
    assert not unneeded("libz.so.1", "/usr/lib/python3/dist-packages/pkg.libs/libz.so.1")


def test_the_bundle_sets_qts_paths_without_loading_qt(tmp_path):
    """PyInstaller's run-time hook for PySide6 imported QtCore as every process started
    (zongzhi-cli --help: 0.19 s instead of 0.07 s); ours replaces it, setting the same
    environment in a process that imports no Qt."""
    assert 'a.scripts = [s for s in a.scripts if s[0] != "pyi_rth_pyside6"]' in SPEC
    assert "assert len(a.scripts) == _scripts - 1" in SPEC  # a renamed hook stops the build
    assert 'runtime_hooks=[str(ROOT / "installer" / "rthook_qt.py")]' in SPEC
    stub = tmp_path / "_pyi_rth_utils"
    stub.mkdir()
    (stub / "__init__.py").write_text("", encoding="utf-8")
    (stub / "qt.py").write_text("", encoding="utf-8")
    script = (
        "import json, os, sys\n"
        f"sys._MEIPASS = {str(tmp_path / 'bundle')!r}\n"
        f"exec(open({str(ROOT / 'installer' / 'rthook_qt.py')!r}, encoding='utf-8').read())\n"
        "qt = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "print(json.dumps([os.environ['QT_PLUGIN_PATH'], os.environ['QML2_IMPORT_PATH'], qt]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    ).stdout
    plugins, qml, qt_loaded = json.loads(out)
    qt = tmp_path / "bundle" / "PySide6" / ("" if sys.platform == "win32" else "Qt")
    assert Path(plugins) == qt / "plugins" and Path(qml) == qt / "qml"
    assert qt_loaded == []


def test_the_gui_points_the_bundled_qt_at_the_bundle(monkeypatch, tmp_path):
    """What PyInstaller's hook did as the process started, the GUI does before its
    QApplication (in the bundle only)."""
    import types

    from app import gui

    calls = []
    helper = types.ModuleType("_pyi_rth_utils.qt")
    helper.create_embedded_qt_conf = lambda bindings, prefix: calls.append((bindings, prefix))
    package = types.ModuleType("_pyi_rth_utils")
    package.qt = helper
    monkeypatch.setitem(sys.modules, "_pyi_rth_utils", package)
    monkeypatch.setitem(sys.modules, "_pyi_rth_utils.qt", helper)
    gui.relocate_bundled_qt()  # not frozen: nothing
    assert calls == []
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    gui.relocate_bundled_qt()
    qt = tmp_path / "PySide6" / ("" if sys.platform == "win32" else "Qt")
    assert calls == [("PySide6", str(qt).rstrip(os.sep))]
