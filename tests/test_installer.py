"""What users install: the PyInstaller spec, the .deb's control data and the Inno Setup script
agree with the package (nothing heavy is built here; `make bundle` / `make deb` do that)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from app import __version__
from installer.deb.build_deb import RECOMMENDS, control_text, desktop_text

ROOT = Path(__file__).resolve().parents[1]
SPEC = (ROOT / "installer" / "zongzhi.spec").read_text(encoding="utf-8")
ISS = (ROOT / "installer" / "windows" / "zongzhi.iss").read_text(encoding="utf-8")


def spec_exe_names() -> list[str]:
    return re.findall(r'name="([\w-]+)",\n\s+console=', SPEC)


def test_version_lives_in_one_place():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "app.__version__"}


def test_spec_builds_one_folder_without_upx_and_carries_migrations_and_resources():
    assert "exclude_binaries=True" in SPEC and "COLLECT(" in SPEC, "one-folder mode"
    assert "upx=True" not in SPEC and SPEC.count("upx=False") == 3
    assert spec_exe_names() == ["zongzhi", "zongzhi-cli"]
    assert '(str(ROOT / "app" / "migrations"), "app/migrations")' in SPEC
    assert '(str(ROOT / "resources"), "resources")' in SPEC
    assert "PySide6.QtWebEngineCore" in SPEC  # excluded
    assert list((ROOT / "app" / "migrations" / "versions").glob("0001_*.py"))
    assert (ROOT / "resources" / "icons" / "zongzhi.svg").is_file()


def test_deb_control_and_desktop_entry():
    control = control_text(__version__, "amd64", 250_000)
    fields = dict(line.split(": ", 1) for line in control.splitlines() if ": " in line)
    assert fields["Package"] == "zongzhi" and fields["Version"] == __version__
    assert {"fonts-wqy-microhei", "fonts-hanazono"} <= set(RECOMMENDS)
    assert "fonts-hanazono" in fields["Recommends"]
    assert "libxcb-cursor0" in fields["Depends"]
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
