"""Layering: models, services and reports import no Qt; views build no queries."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_lower_layers_import_no_qt():
    offenders = []
    for layer in ("models", "services", "reports", "migrations"):
        for path in (APP / layer).rglob("*.py"):
            for name in _imports(path):
                if name.split(".")[0] in {"PySide6", "shiboken6", "qt_material"}:
                    offenders.append(f"{path.relative_to(APP)} imports {name}")
    assert not offenders, offenders


def test_reports_are_pure():
    for path in (APP / "reports").rglob("*.py"):
        for name in _imports(path):
            assert not name.startswith(("app.models", "app.services", "app.db", "sqlalchemy")), (
                f"{path.name} imports {name}"
            )


def test_views_never_touch_sessions_or_queries():
    """Only worker.py, the one bridge that runs service calls off the GUI thread, sees app.db."""
    offenders = []
    for path in (APP / "views").rglob("*.py"):
        if path.name == "worker.py":
            continue
        for name in _imports(path):
            if name.startswith(("sqlalchemy", "app.models.base", "app.db")):
                offenders.append(f"{path.name} imports {name}")
    assert not offenders, offenders
