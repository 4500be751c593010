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


# Reading the machine's clock anywhere but app/core/clock.py: date.today(), datetime.now(), Qt's
# QDate.currentDate() and the like. Durations (time.monotonic) are not dates and stay allowed.
_MACHINE_CLOCK = {
    "date": {"today"},
    "datetime": {"now", "today", "utcnow"},
    "QDate": {"currentDate"},
    "QDateTime": {"currentDateTime", "currentDateTimeUtc", "currentSecsSinceEpoch"},
    "QTime": {"currentTime"},
    "time": {"time", "localtime", "gmtime", "ctime", "strftime"},
}


def _machine_clock_reads(source: str, where: str) -> list[str]:
    reads = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
        if node.func.attr in _MACHINE_CLOCK.get(name, ()):
            reads.append(f"{where}:{node.lineno} {name}.{node.func.attr}()")
    return reads


def test_only_the_program_clock_reads_the_machine_clock():
    """Every "now" and "today" comes from app.core.clock, so tests and ZONGZHI_CLOCK set it."""
    offenders = [
        read
        for path in sorted(APP.rglob("*.py"))
        if path != APP / "core" / "clock.py"
        for read in _machine_clock_reads(
            path.read_text(encoding="utf-8"), str(path.relative_to(APP))
        )
    ]
    assert not offenders, offenders


def test_the_machine_clock_check_finds_a_read():
    sample = (
        "import datetime\nfrom datetime import date\n"
        "a = date.today()\nb = datetime.datetime.now()\nc = clock.today()\n"
        "d = QDate.currentDate().addDays(3)\n"
    )
    assert _machine_clock_reads(sample, "x.py") == [
        "x.py:3 date.today()",
        "x.py:4 datetime.now()",
        "x.py:6 QDate.currentDate()",
    ]
