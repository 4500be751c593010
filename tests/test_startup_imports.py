"""Start-up speed by construction: the login window and a receptionist's main window do not
load the big libraries that only other rooms or later actions need (issue 2: usable in 2 s)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# Each costs 0.1–0.5 s to import on an office PC; the first registration, export, preview or
# upgrade loads its own when it happens (printing is made ready once the window is up).
HEAVY = [
    "pypinyin",
    "openpyxl",
    "numpy",
    "pypdfium2",
    "alembic",
    "matplotlib",
    "cryptography",
    "reportlab",
]

SCRIPT = """
import json, os, sys
from sqlalchemy import select
import app.gui as gui
from app.db import open_database
from app.models import User
from app.services.center import setup
from app.services.security.auth import actor_for
from app.services.center.settings import load_settings

heavy = json.loads(sys.argv[1])
db = open_database(database_url=os.environ["URL"])
with db.read() as s:
    setup.is_initialised(s)
    load_settings(s)
at_login = [m for m in heavy if m in sys.modules]
with db.read() as s:
    actor = actor_for(s.scalar(select(User).where(User.username == "jiedai")))
app = gui.make_app(["zongzhi"])
window = gui.build_main_window(db, actor)
print(json.dumps({"login": at_login, "reception": [m for m in heavy if m in sys.modules]}))
"""


def test_login_and_reception_windows_leave_heavy_libraries_unloaded(db):
    db.dispose()
    env = {**os.environ, "URL": db.url, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    ).stdout
    loaded = json.loads(out.strip().splitlines()[-1])
    assert loaded == {"login": [], "reception": []}


# The log-in window comes before the database layer (issue 17: on screen within 0.8 s): only
# Qt, the theme and a first look at the file with the standard library's sqlite3; these are
# loaded behind it, on a thread of their own, once it is on screen.
NOT_BEFORE_THE_LOGIN_WINDOW = ["sqlalchemy", "app.db", "app.models", "app.services", "argon2"]

LOGIN_WINDOW_SCRIPT = """
import json, sys
import app.gui as gui

watched = json.loads(sys.argv[2])
seen = {}
real_start = gui.OpeningDatabase.start

def start(self):
    dialogs = [w for w in gui.QApplication.topLevelWidgets() if isinstance(w, gui.LoginDialog)]
    seen["shown"] = bool(dialogs) and all(d.isVisible() for d in dialogs)
    seen["loaded"] = sorted(
        {w for w in watched for m in sys.modules if m == w or m.startswith(w + ".")}
    )
    real_start(self)

gui.OpeningDatabase.start = start
code = gui.run_gui(sys.argv[1], None, startup_probe=True)
print(json.dumps([code, seen]))
"""


@pytest.mark.sqlite_only  # a server is opened the usual way: there is no file to look at
def test_the_login_window_shows_before_the_database_layer_is_loaded(db):
    """A fresh interpreter running the real start: about a second on a quiet PC."""
    db.dispose()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            LOGIN_WINDOW_SCRIPT,
            str(db.path),
            json.dumps(NOT_BEFORE_THE_LOGIN_WINDOW),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    ).stdout
    code, seen = json.loads(out.strip().splitlines()[-1])
    assert code == 0
    assert seen == {"shown": True, "loaded": []}


PRINT_SCRIPT = """
import os, sys, threading
from sqlalchemy import select
import app.gui as gui
from app.db import open_database
from app.models import User
from app.services.security.auth import actor_for
import builtins

gui_thread = threading.current_thread()
where = []
real_import = builtins.__import__

def spy(name, *args, **kwargs):
    if name.startswith("reportlab") and not where:
        where.append("gui" if threading.current_thread() is gui_thread else "worker")
    return real_import(name, *args, **kwargs)

db = open_database(database_url=os.environ["URL"])
with db.read() as s:
    actor = actor_for(s.scalar(select(User).where(User.username == "jiedai")))
app = gui.make_app(["zongzhi"])
window = gui.build_main_window(db, actor)
tab = window.reception
tab._print_target = __import__("uuid").UUID(os.environ["MATTER"])  # before the warm-up
builtins.__import__ = spy
tab.print_receipt()
window.ctx.worker.wait()
app.processEvents()
window.ctx.worker.wait()
print(where[0] if where else "none")
"""


def test_the_first_receipt_loads_reportlab_on_the_worker_not_the_window(db):
    from app.services.reception import intake
    from tests.conftest import actor
    from tests.services.test_intake import make_input

    with db.write() as s:
        r = intake.register_matter(s, actor(db, "jiedai"), make_input(db))
    db.dispose()
    env = {**os.environ, "URL": db.url, "QT_QPA_PLATFORM": "offscreen", "MATTER": str(r.id)}
    out = subprocess.run(
        [sys.executable, "-c", PRINT_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    ).stdout
    assert out.strip().splitlines()[-1] == "worker"


# A receipt from the command line is a whole process each time (issue 17: under 0.5 s): the
# window's libraries and those of other commands stay unloaded.
NOT_FOR_THE_COMMAND_LINE = [
    "PySide6",
    "shiboken6",
    "qt_material",
    "matplotlib",
    "numpy",
    "openpyxl",
    "pypdfium2",
    "pypinyin",
    "alembic",
    "cryptography",
    "reportlab.graphics",  # every barcode kind and the charts' shapes: the QR code is drawn itself
    "urllib.request",  # with http.client and email's parser: xml.sax.saxutils' import loads them
    # The rooms' tables a matter's documents never read (app.models: registered when named);
    # whether a family case seals the matter is asked of the cases' table (sealed.CASES).
    "app.models.assessment",
    "app.models.cases",
    "app.models.counselling",
    "app.models.duty",
    "app.models.keyplaces",
    "app.models.mediation",
    "app.models.registers",
    "app.models.meetings",
    # Nor the event flow's tables that a matter's documents never read.
    "app.models.arrangements",
    "app.models.attachments",
    "app.models.bundles",
    "app.models.card_photos",
    "app.models.staffing",
    # The search and registration (a matter's detail is app.services.reception.detail).
    "app.services.reception.intake",
]

# As the program runs (``main()`` of a process of its own: a print ends with os._exit, the
# interpreter's clean-up skipped); what was loaded is told as the process ends.
CLI_SCRIPT = """
import json, os, sys
watched, real_exit, main_pid = json.loads(sys.argv[2]), os._exit, os.getpid()

def report(code):
    if os.getpid() != main_pid:  # the printing process (app.printer_process) ending
        real_exit(code)
    from app.core import deferred  # what a print defers and ran after all

    run = [
        m
        for m in (*deferred.FOR_ONE_DOCUMENT, *deferred.INSIDE_THEIR_PACKAGE)
        if m in sys.modules and not deferred.is_deferred(m)
    ]
    print(json.dumps([code, [m for m in watched if m in sys.modules], run]), flush=True)
    real_exit(code)

os._exit = report
sys.argv = ["zongzhi", *json.loads(sys.argv[1])]
from app.cli import main
try:
    code = main()
except SystemExit as exc:
    code = exc.code
report(code)
"""


# On SQLite, nor the PostgreSQL dialect (its import alone is 30–40 ms).
SQLITE_ONLY = ["sqlalchemy.dialects.postgresql"]


def _cli_loads(argv: list[str], also: list[str] = ()) -> tuple[int, list[str], list[str]]:
    """(exit code, which of the watched modules were loaded, which of those a one-document
    print defers (app.core.deferred) were run all the same)."""
    watched = [*NOT_FOR_THE_COMMAND_LINE, *also]
    out = subprocess.run(
        [sys.executable, "-c", CLI_SCRIPT, json.dumps(argv), json.dumps(watched)],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"},
        check=True,
        timeout=120,
    ).stdout
    code, loaded, run = json.loads(out.strip().splitlines()[-1])
    return code, loaded, run


def test_printing_a_receipt_from_the_command_line_loads_only_what_it_needs(db, tmp_path):
    """Three fresh interpreters (a receipt, --help, print --help): about 1 s on a quiet PC."""
    from datetime import datetime

    from sqlalchemy import select

    from app.models import AuditEntry
    from app.services.reception import intake
    from tests.conftest import STAFF_PASSWORD, actor
    from tests.services.test_intake import make_input

    with db.write() as s:
        r = intake.register_matter(s, actor(db, "jiedai"), make_input(db), at=datetime(2026, 3, 2))
    db.dispose()
    password = tmp_path / "pw.txt"
    password.write_text(STAFF_PASSWORD, encoding="utf-8")
    out = tmp_path / "r.pdf"
    login = ["--user", "jiedai", "--password-file", str(password)]
    argv = ["print", "receipt", r.number, "--database-url", db.url, "--out", str(out), *login]
    # On PostgreSQL psycopg reads asyncio and importlib.metadata as it is imported: they run.
    run_anyway = [] if db.path else ["asyncio", "importlib.metadata"]
    also = SQLITE_ONLY if db.path else []
    if sys.platform.startswith("linux"):  # the PDF is made by a second process (printer_process)
        also = [*also, "reportlab"]
    assert _cli_loads(argv, also) == (0, [], run_anyway)
    assert out.read_bytes().startswith(b"%PDF")
    with db.read() as s:  # the print was committed, and audited under the user, before the exit
        last = s.execute(
            select(AuditEntry.event, AuditEntry.username).order_by(AuditEntry.seq.desc())
        ).first()
    assert tuple(last) == ("document_print", "jiedai")
    assert _cli_loads(["--help"]) == (0, [], [])
    assert _cli_loads(["print", "--help"]) == (0, [], [])


def test_the_first_look_reads_what_the_settings_say(db):
    """The log-in window's facts, read with sqlite3 alone, are ``load_settings``' (defaults
    included); a file not at the program's schema, or not set up, gets no first look."""
    from dataclasses import fields

    from sqlalchemy import text

    from app.core.locations import FirstLook, first_look
    from app.demo.accounts import DEMO_LOGINS, GRID_LOGIN
    from app.models import Role
    from app.services.center.settings import CenterSettings, load_settings

    defaults = CenterSettings()
    assert FirstLook() == FirstLook(*(getattr(defaults, f.name) for f in fields(FirstLook)))
    logins = [*DEMO_LOGINS, GRID_LOGIN]
    assert all(Role(role).label == label for _u, _p, role, label, _n in logins)
    if db.path is None:
        assert first_look(db.path) is None  # a server: opened the usual way
        return
    with db.read() as s:
        settings = load_settings(s)
    assert first_look(db.path) == FirstLook(settings.center_name, settings.terminal, False)
    with db.write() as s:
        s.execute(text("UPDATE alembic_version SET version_num = '0013'"))
    assert first_look(db.path) is None


def test_the_printing_is_imported_beside_the_log_in(tmp_path, monkeypatch):
    """``zongzhi print`` imports ReportLab and the documents on a second thread while the
    password is checked: the import runs while the block waits, and its errors are not lost."""
    import importlib
    import threading

    from app.cli import _meanwhile

    def importing(name: str):
        return _meanwhile(lambda: importlib.import_module(name))

    (tmp_path / "zz_slow_printing.py").write_text(
        "import threading, zz_signal\n"
        "ON = threading.current_thread().name\n"
        "zz_signal.imported.set()\n",
        encoding="utf-8",
    )
    (tmp_path / "zz_signal.py").write_text(
        "import threading\nimported = threading.Event()\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("zz_slow_printing", "zz_signal"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    import zz_signal

    with importing("zz_slow_printing"):
        # The log-in's password check: waiting here, the import goes on meanwhile.
        assert zz_signal.imported.wait(timeout=30)
    assert sys.modules["zz_slow_printing"].ON == "zongzhi-meanwhile"
    assert all(t.name != "zongzhi-meanwhile" for t in threading.enumerate())  # joined

    # An import error is raised after the block, not lost on the thread; a failed log-in is
    # what is reported, not the import.
    with pytest.raises(ModuleNotFoundError), importing("zz_no_such_module"):
        pass
    with pytest.raises(ValueError), importing("zz_no_such_module"):
        raise ValueError("登录失败")


def test_the_rooms_enumerations_are_named_where_they_are_defined():
    """``app.models.enums`` and ``app.models`` name the rooms' enumerations (loaded when first
    named) by one list, which must be exactly the enumerations room_enums.py defines."""
    import inspect

    from app.models import enums, room_enums
    from app.models.labelled import LabelledEnum

    defined = {
        name
        for name, value in vars(room_enums).items()
        if inspect.isclass(value) and issubclass(value, LabelledEnum) and value is not LabelledEnum
    }
    assert defined == set(enums._IN_ROOMS)
    assert not defined & {n for n, v in vars(enums).items() if inspect.isclass(v)}
    from app.models import DisputeType

    assert DisputeType is room_enums.DisputeType is enums.DisputeType
