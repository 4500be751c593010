"""What users install: the PyInstaller spec, the .deb's control data and the Inno Setup script
agree with the package (nothing heavy is built here; `make bundle` / `make deb` do that)."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path, PurePath

import pytest

from app import __version__
from installer.deb.build_deb import DEPENDS, RECOMMENDS, build, control_text, desktop_text

ROOT = Path(__file__).resolve().parents[1]
SPEC = (ROOT / "installer" / "zongzhi.spec").read_text(encoding="utf-8")
ISS = (ROOT / "installer" / "windows" / "zongzhi.iss").read_text(encoding="utf-8")


def spec_exe_names() -> list[str]:
    return re.findall(r'name="([\w-]+)",\n\s+console=', SPEC)


def spec_helpers() -> dict:
    """The spec's filters (plain functions and constants), without running PyInstaller."""
    tree = ast.parse(SPEC)
    wanted = {"WINDOWS", "UNNEEDED_QT_PLUGINS", "EXCLUDES"}
    nodes = [
        n
        for n in tree.body
        if isinstance(n, ast.FunctionDef)
        and n.name.startswith("_qt_")
        or isinstance(n, ast.Assign)
        and {t.id for t in n.targets if isinstance(t, ast.Name)} & wanted
    ]
    namespace = {"PurePath": PurePath, "sys": sys}
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
    assert {"fonts-wqy-microhei", "fonts-hanazono"} <= set(RECOMMENDS)
    assert "fonts-hanazono" in fields["Recommends"]
    assert "libxcb-cursor0" in fields["Depends"]
    # What Qt's libraries link to and the bundle does not carry.
    assert {"libc6", "libegl1", "libgl1", "libxcb1", "libxcb-icccm4", "libxcb-keysyms1"} <= set(
        DEPENDS
    )
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
    assert "Recommends: fonts-wqy-microhei, fonts-hanazono" in info
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
