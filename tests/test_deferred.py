"""app.core.deferred: a module deferred runs its code when first used, once, in the same module
object; and the libraries a one-document print defers still do not read those modules as they
are imported (if one starts to, the deferral saves nothing: this fails, saying which).

The receipt from the command line, run with its libraries deferred, is checked in
tests/test_startup_imports.py (and by tests/test_cli.py, which prints every document)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap
import threading

import pytest

from app.core import deferred


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A package ``defertest`` whose modules count how often their code ran."""
    root = tmp_path / "defertest"
    root.mkdir()
    (root / "__init__.py").write_text("RUNS = []\n", encoding="utf-8")
    (root / "helpers.py").write_text("def early():\n    return 'early'\n", encoding="utf-8")
    (root / "late.py").write_text(
        textwrap.dedent(
            """
            import time
            import defertest
            defertest.RUNS.append(__name__)
            time.sleep(0.05)  # long enough for a second thread to ask meanwhile
            from defertest.helpers import early
            VALUE = 42
            """
        ),
        encoding="utf-8",
    )
    (root / "broken.py").write_text("raise RuntimeError('broken')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "defertest"
    for name in [m for m in sys.modules if m == "defertest" or m.startswith("defertest.")]:
        del sys.modules[name]


def test_a_deferred_module_runs_its_code_when_a_name_is_first_asked_for(package):
    import defertest

    assert deferred.defer("defertest.late")
    import defertest.late as late  # found in sys.modules: its code has not run

    assert defertest.RUNS == [] and deferred.is_deferred("defertest.late")
    assert late.VALUE == 42
    assert defertest.RUNS == ["defertest.late"] and not deferred.is_deferred("defertest.late")
    assert sys.modules["defertest.late"] is late and defertest.late is late
    assert late.early() == "early" and late.__name__ == "defertest.late"
    with pytest.raises(AttributeError):
        late.missing  # noqa: B018 — a name the module does not have, once it ran
    assert defertest.RUNS == ["defertest.late"]


def test_early_names_are_there_before_the_code_runs(package):
    import defertest

    assert deferred.defer("defertest.late", {"early": "defertest.helpers"})
    # (Not ``from defertest.late import early``: in this test process PySide6's import hook
    # reads the source of every module a ``from`` import names, which runs it.)
    late = importlib.import_module("defertest.late")

    assert late.early() == "early" and defertest.RUNS == []


def test_two_threads_asking_at_once_run_the_code_once(package):
    import defertest

    deferred.defer("defertest.late")
    late = sys.modules["defertest.late"]
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(late.VALUE)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [42] * 4 and defertest.RUNS == ["defertest.late"]


def test_a_module_whose_code_fails_is_not_left_half_made(package):
    assert deferred.defer("defertest.broken")
    with pytest.raises(RuntimeError, match="broken"):
        sys.modules["defertest.broken"].anything  # noqa: B018
    assert "defertest.broken" not in sys.modules


def test_a_module_of_a_package_not_imported_yet_is_deferred_without_running_the_package(
    tmp_path, monkeypatch
):
    """SQLite's package imports its asyncio dialect itself (``from . import aiosqlite``): the
    module is deferred before the package runs, which then finds it deferred."""
    root = tmp_path / "deferpkg"
    root.mkdir()
    (root / "__init__.py").write_text("RUNS = []\nfrom . import late\n", encoding="utf-8")
    (root / "late.py").write_text(
        "import deferpkg\ndeferpkg.RUNS.append(__name__)\nVALUE = 7\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert deferred.defer("deferpkg.late", run_package=False) and "deferpkg" not in sys.modules
        import deferpkg

        assert deferpkg.late is sys.modules["deferpkg.late"] and deferpkg.RUNS == []
        assert deferpkg.late.VALUE == 7 and deferpkg.RUNS == ["deferpkg.late"]
    finally:
        for name in [m for m in sys.modules if m.split(".")[0] == "deferpkg"]:
            del sys.modules[name]


def test_a_spec_is_found_without_running_the_packages_above_it(tmp_path, monkeypatch):
    root = tmp_path / "noisypkg" / "inner"
    root.mkdir(parents=True)
    for folder in (root.parent, root):
        (folder / "__init__.py").write_text("raise RuntimeError('ran')\n", encoding="utf-8")
    (root / "leaf.py").write_text("X = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = deferred.find_spec_running_nothing("noisypkg.inner.leaf")
    assert spec is not None and spec.name == "noisypkg.inner.leaf"
    assert spec.origin.endswith("leaf.py") and "noisypkg" not in sys.modules
    assert deferred.find_spec_running_nothing("noisypkg.inner.missing") is None
    assert deferred.find_spec_running_nothing("noisypkg.inner.leaf.deeper") is None
    monkeypatch.setitem(sys.modules, "noisypkg", None)  # the import system would refuse it
    assert deferred.find_spec_running_nothing("noisypkg.inner.leaf") is None


def test_an_imported_module_is_not_deferred_again(package):
    import defertest.helpers  # noqa: F401

    assert not deferred.defer("defertest.helpers")
    assert not deferred.defer("defertest.no_such_module")


# What a one-document print imports, in a fresh interpreter with its libraries deferred: which
# deferred modules got run (none should), then what still works once they are used.
LIBRARIES = """
import json, sys
from app.core import deferred
deferred.defer_for_one_document()
import sqlalchemy, sqlalchemy.orm, sqlalchemy.dialects.sqlite
from sqlalchemy import create_engine, text
import reportlab.platypus, reportlab.lib.utils, reportlab.pdfgen.canvas
import app.models, app.db, app.services.reception.documents
engine = create_engine("sqlite://")
with engine.connect() as conn:
    conn.execute(text("select 1")).scalar()
deferrable = (*deferred.FOR_ONE_DOCUMENT, *deferred.INSIDE_THEIR_PACKAGE)
run = [n for n in deferrable if not deferred.is_deferred(n)]
# Used after all, they work: SQLAlchemy's asyncio checks, its entry-point look-up, PIL.
import asyncio
from sqlalchemy.util import concurrency, compat
assert concurrency.iscoroutine is asyncio.iscoroutine
assert concurrency.is_exit_exception(asyncio.CancelledError())
assert not concurrency.is_exit_exception(ValueError())
assert isinstance(compat.importlib_metadata_get("console_scripts"), (list, tuple))
from reportlab.lib.utils import ImageReader
from PIL import Image
reader = ImageReader(Image.new("RGB", (2, 3)))
assert reader.getSize() == (2, 3)
import PIL.Image  # the other way to name it: the package has its module
assert PIL.Image.new("1", (1, 1)).size == (1, 1)
# SQLite's other dialects, named after all, are there.
from sqlalchemy.dialects import registry
assert registry.load("sqlite.pysqlcipher").driver == "pysqlcipher"
from sqlalchemy.dialects.sqlite import aiosqlite
assert aiosqlite.dialect.driver == "aiosqlite"
print(json.dumps(run))
"""


def test_sqlalchemy_and_reportlab_do_not_run_what_a_print_defers():
    """If this fails after an upgrade, the library named now reads the module as it is
    imported: find where (``python -X importtime``), and either give that name ``early`` in
    ``deferred.FOR_ONE_DOCUMENT`` or stop deferring the module."""
    out = subprocess.run(
        [sys.executable, "-c", LIBRARIES],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []
