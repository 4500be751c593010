"""The bundle's run-time hook for Qt, in place of PyInstaller's ``pyi_rth_pyside6``.

PyInstaller's hook imports ``PySide6.QtCore`` as every process of the program starts, to
register a ``qt.conf`` that points Qt at the bundle: 60–100 ms of every command-line command
(``zongzhi-cli print receipt``, ``check``, ``backup``), which never use Qt. This one sets the
same environment and leaves the ``qt.conf`` to ``app.gui.make_app``, which registers it
(``relocate_bundled_qt``) before the first QApplication. Importing PyInstaller's helper here,
which imports no Qt, keeps it in the bundle for that.
"""

import os
import sys

import _pyi_rth_utils.qt  # noqa: F401 — app.gui's, kept in the bundle

if sys.platform == "win32":
    _qt = os.path.join(sys._MEIPASS, "PySide6")
    # QtNetwork's OpenSSL, as PyInstaller's hook does.
    os.environ["PATH"] = sys._MEIPASS + os.pathsep + os.environ.get("PATH", "")
else:
    _qt = os.path.join(sys._MEIPASS, "PySide6", "Qt")
os.environ["QT_PLUGIN_PATH"] = os.path.join(_qt, "plugins")
os.environ["QML2_IMPORT_PATH"] = os.path.join(_qt, "qml")
del _qt
