"""The qt-material theme is made once into the program's cache folder and loaded from there:
two programs starting at once no longer delete each other's icons (issue 13)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# One start of the program as far as the theme goes; it waits for the test's signal so that
# two of them apply the theme at the same moment.
SCRIPT = """
import sys, time
from pathlib import Path
from PySide6.QtWidgets import QApplication
from app.views.theme import apply_theme

app = QApplication(["zongzhi"])
ready, go = Path(sys.argv[1]), Path(sys.argv[2])
ready.touch()
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.005)
apply_theme(app)
assert "icon:/primary/" in app.styleSheet(), "the material style sheet was not applied"
print("themed")
"""


def _start(tmp_path: Path, name: str) -> subprocess.Popen:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "ZONGZHI_CACHE_DIR": str(tmp_path / "cache"),
        "HOME": str(home),
        "USERPROFILE": str(home),
        "QT_QPA_PLATFORM": "offscreen",
    }
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(tmp_path / f"{name}.ready"), str(tmp_path / "go")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run_together(tmp_path: Path, *names: str) -> None:
    (tmp_path / "go").unlink(missing_ok=True)
    procs = [_start(tmp_path, name) for name in names]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"{n}.ready").exists() for n in names):
        assert time.monotonic() < deadline, "the programs did not start"
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.01)
    (tmp_path / "go").touch()
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.strip().endswith("themed"), (out, err)


def _theme_folders(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "cache" / "qt-material").glob("*/*")]


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in [folder, *folder.rglob("*")]
    }


def test_two_programs_starting_at_once_both_get_the_whole_theme(tmp_path):
    import qt_material

    _run_together(tmp_path, "first", "second")

    folders = _theme_folders(tmp_path)
    assert len(folders) == 1, folders  # one finished folder, no half-made scratch left behind
    folder = folders[0]
    icons = sorted(
        p.name for p in (Path(qt_material.__file__).parent / "resources" / "source").glob("*.svg")
    )
    assert "sizegrip.svg" in icons
    for colour in ("active", "disabled", "primary"):
        made = sorted(p.name for p in (folder / colour).glob("*.svg"))
        assert made == icons, colour
        assert all((folder / colour / name).stat().st_size > 0 for name in made)
    assert "icon:/primary/" in (folder / "material.qss").read_text(encoding="utf-8")
    assert not (tmp_path / "home" / ".qt_material").exists()  # the shared folder is not used

    before = _snapshot(folder)
    _run_together(tmp_path, "third")
    assert _theme_folders(tmp_path) == [folder]
    assert _snapshot(folder) == before  # the next start reads the theme, it rewrites nothing


@pytest.fixture
def own_cache(tmp_path, monkeypatch, qapp):
    from PySide6.QtCore import QDir
    from PySide6.QtGui import QGuiApplication

    monkeypatch.setenv("ZONGZHI_CACHE_DIR", str(tmp_path / "cache"))
    palette, icons = QGuiApplication.palette(), QDir.searchPaths("icon")
    yield tmp_path / "cache"
    QGuiApplication.setPalette(palette)
    QDir.setSearchPaths("icon", icons)


def test_a_start_that_loses_the_race_uses_the_winners_theme(own_cache, monkeypatch):
    """Another program finishes the folder while this one is still writing its own: this one
    keeps the winner's folder untouched and throws its own copy away."""
    import tempfile

    from app.views import theme

    extra = {"font_family": "sans-serif", "density_scale": "-1"}
    target = theme.material_folder(extra)
    make_scratch = tempfile.mkdtemp

    def scratch_while_the_other_program_finishes(**kw):
        target.mkdir(parents=True)
        (target / "winner.txt").write_text("the other program's theme")
        return make_scratch(**kw)

    monkeypatch.setattr(tempfile, "mkdtemp", scratch_while_the_other_program_finishes)

    assert theme.ensure_material(extra) == target
    assert (target / "winner.txt").read_text() == "the other program's theme"
    assert not (target / "material.qss").exists()
    assert list(target.parent.iterdir()) == [target]
