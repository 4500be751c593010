"""Theme and fonts, applied once at start-up (widgets carry no ad hoc style sheets)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

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
QLabel[role="hint"] { color: #616161; }
QLabel[role="title"] { font-size: 15pt; font-weight: bold; }
QWidget[invalid="true"] { border: 1px solid #c62828; }
QFrame[role="tile"] { border: 1px solid #cfd8dc; border-radius: 4px; background: #ffffff; }
QFrame[role="tile"]:hover, QFrame[role="tile"]:focus { border: 1px solid #2e86c1; }
QLabel[role="figure"] { font-size: 20pt; font-weight: bold; color: #1f4e79; }
QLabel[role="figure"][level="warn"] { color: #e67e22; }
QLabel[role="figure"][level="alert"] { color: #c62828; }
"""


RESOURCES = Path(__file__).resolve().parents[2] / "resources"


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
            from qt_material import apply_stylesheet

            apply_stylesheet(
                app,
                theme="light_blue.xml",
                invert_secondary=True,
                extra={
                    "font_family": ", ".join(chosen + fallback) or "sans-serif",
                    "density_scale": "-1",
                },
            )
            extra = app.styleSheet() + EXTRA_QSS
        except Exception:  # a missing theme must never stop the window from opening
            pass
    app.setStyleSheet(extra)
