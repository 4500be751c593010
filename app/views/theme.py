"""Theme and fonts, applied once at start-up (widgets carry no ad hoc style sheets).

qt-material's own ``apply_stylesheet`` deletes and rewrites its coloured icons in
``~/.qt_material/theme`` on every start, so two programs starting at once break each other's
icons. Here the icons and the rendered style sheet are made once into the program's cache
folder (a temporary folder renamed into place, so a half-written folder is never seen) and every
later start loads them from there (docs/ARCHITECTURE.md §6)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QDir
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from app.core.cache import cache_folder

# Faces that show Simplified Chinese well, best first; the first one installed is used.
UI_FONTS = [
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimSun",
]
# Faces with rare characters outside the BMP (𠮷), tried after the UI face by Qt's fallback.
RARE_FONTS = ["SimSun-ExtB", "HanaMinB", "HanaMinA"]

EXTRA_QSS = """
QLabel[role="error"] { color: #c62828; }
QLabel[role="success"] { color: #2e7d32; }
QLabel[role="warning"] { color: #b26a00; }
QLabel[role="info"] { color: #37474f; }
QLabel[messagebar="true"][role="error"] { background: #fdecea; padding: 4px 8px; }
QLabel[messagebar="true"][role="success"] { background: #edf7ed; padding: 4px 8px; }
QLabel[messagebar="true"][role="warning"] { background: #fff4e5; padding: 4px 8px; }
QLabel[role="hint"] { color: #616161; }
QTextBrowser { color: #212121; border: 1px solid #cfd8dc; }
QLabel[role="title"] { font-size: 15pt; font-weight: bold; }
QWidget[invalid="true"] { border: 1px solid #c62828; }
QFrame[role="tile"] { border: 1px solid #cfd8dc; border-radius: 4px; background: #ffffff; }
QFrame[role="tile"]:hover, QFrame[role="tile"]:focus { border: 1px solid #2e86c1; }
QLabel[role="figure"] { font-size: 20pt; font-weight: bold; color: #1f4e79; }
QLabel[role="figure"][level="warn"] { color: #e67e22; }
QLabel[role="figure"][level="alert"] { color: #c62828; }
"""

MATERIAL_THEME = "light_blue.xml"
INVERT_SECONDARY = True
STYLE_SHEET = "material.qss"  # the rendered sheet, next to the icon folders it names
ICON_FOLDERS = ("active", "disabled", "primary")

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def _qt_material_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("qt-material")
    except PackageNotFoundError:  # a bundle without the package's metadata
        return "unknown"


def material_folder(extra: dict[str, str], theme: str = MATERIAL_THEME) -> Path:
    """Where the theme's icons and style sheet live: one folder per qt-material version, theme
    name and options, so an upgrade or another font list gets a new one and never a stale one."""
    options = json.dumps([INVERT_SECONDARY, extra], sort_keys=True, ensure_ascii=False)
    key = hashlib.sha256(options.encode()).hexdigest()[:12]
    name = f"{Path(theme).stem}-{key}"
    return cache_folder() / "qt-material" / _qt_material_version() / name


def ensure_material(extra: dict[str, str], theme: str = MATERIAL_THEME) -> Path:
    """The theme's folder, made now if no earlier start made it. qt-material writes into a
    fresh temporary folder next to it, which is then renamed into place in one step: a second
    program starting at the same time either sees the finished folder or loses the rename and
    uses the winner's; nobody deletes or rewrites a folder another program is reading."""
    folder = material_folder(extra, theme)
    if folder.is_dir():
        return folder
    import qt_material

    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        # An absolute parent makes qt-material write the icons there, not in ~/.qt_material.
        sheet = qt_material.build_stylesheet(
            theme, INVERT_SECONDARY, dict(extra), parent=str(scratch), export=True
        )
        if sheet is None:
            raise FileNotFoundError(theme)
        (scratch / STYLE_SHEET).write_text(sheet, encoding="utf-8")
        try:
            scratch.rename(folder)
        except OSError:
            if not folder.is_dir():  # not another start's finished folder: a real failure
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder


def _apply_material(app: QApplication, extra: dict[str, str]) -> str:
    """What qt-material's apply_stylesheet does, with the icons and sheet from the cache."""
    import qt_material

    folder = ensure_material(extra)
    app.setStyle("Fusion")
    qt_material.add_fonts()
    colours = qt_material.get_theme(MATERIAL_THEME, INVERT_SECONDARY)
    primary = colours["primaryColor"]
    palette = QGuiApplication.palette()
    rgb = [int(primary[i : i + 2], 16) for i in (1, 3, 5)]
    palette.setColor(QPalette.ColorRole.Text, QColor(*rgb, 92))
    QGuiApplication.setPalette(palette)
    QDir.setSearchPaths("icon", [str(folder)])  # the sheet names its icons icon:/primary/…
    return keep_case((folder / STYLE_SHEET).read_text(encoding="utf-8"))


def keep_case(sheet: str) -> str:
    """Labels keep the case they are written in: qt-material upper-cases buttons, tabs and
    group boxes ("Ctrl+N" became "CTRL+N", "PDF" hints and pinyin lost their case)."""
    return re.sub(r"text-transform\s*:\s*uppercase\s*;", "text-transform: none;", sheet)


def apply_theme(app: QApplication, *, material: bool = True) -> None:
    icon = RESOURCES / "icons" / "zongzhi.svg"
    if icon.is_file():  # absent from a bare wheel install: the window just has no icon
        app.setWindowIcon(QIcon(str(icon)))
    families = set(QFontDatabase.families())
    chosen = [f for f in UI_FONTS if f in families][:1]
    fallback = [f for f in RARE_FONTS if f in families]
    font = QFont()
    font.setFamilies(chosen + fallback or ["Sans Serif"])
    font.setPointSize(10)
    app.setFont(font)
    extra = EXTRA_QSS
    if material:
        try:
            sheet = _apply_material(
                app,
                {
                    "font_family": ", ".join(chosen + fallback) or "sans-serif",
                    "density_scale": "-1",
                },
            )
            extra = sheet + EXTRA_QSS
        except Exception:  # a missing theme must never stop the window from opening
            pass
    app.setStyleSheet(extra)
