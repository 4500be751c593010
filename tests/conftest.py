"""Shared fixtures: a fresh database per test, made by the production start-up code."""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.core import clock as program_clock  # noqa: E402
from app.core.private_files import private_folder  # noqa: E402
from app.db import open_database  # noqa: E402
from app.models import Role, User  # noqa: E402
from app.services.center import setup  # noqa: E402
from app.services.context import Actor  # noqa: E402
from app.services.security import auth
from app.services.security.audit_key import key_file as audit_key_file  # noqa: E402
from tests import pg  # noqa: E402

ADMIN_PASSWORD = "Center#2026pw"
# .ci/run installs what some tests need from the machine (a C compiler, PostgreSQL and pg_dump)
# and says so: there a test that finds it missing fails instead of passing unrun.
TOOLS_REQUIRED = os.environ.get("ZONGZHI_TEST_TOOLS_REQUIRED") == "1"


def skip_without(what: str) -> None:
    """Skips the test for want of ``what`` on this machine — fails it in CI, which has it."""
    if TOOLS_REQUIRED:
        pytest.fail(f"CI installs this, but it is missing: {what}")
    pytest.skip(what)


STAFF_PASSWORD = "Staff#2026pw"
VILLAGES = ["白石村", "中雁村", "山马社区"]


# The tests whose outcome could depend on the date they run on (they use "today": deadlines,
# numbers of the year, due reminders, leave, backups of the day). `make test` runs them again,
# `pytest -m dates`, with the clock set to other dates (ZONGZHI_CLOCK): whole modules, or single
# (slow, GUI) tests by "module::test"; a test can also be marked `@pytest.mark.dates` itself.
DATE_SENSITIVE = {
    "tests/test_clock.py",
    "tests/reports/test_referral_print.py",
    "tests/services/test_arrangements.py",
    "tests/services/test_backup_manifest.py",
    "tests/services/test_bad_input_counselling.py",
    "tests/services/test_bad_input_flow.py",
    "tests/services/test_calendar.py",
    "tests/services/test_counselling.py",
    "tests/services/test_deadline_recompute.py",
    "tests/services/test_flow.py",
    "tests/services/test_handler_scope.py",
    "tests/services/test_intake.py",
    "tests/services/test_linkage.py",
    "tests/services/test_petitions.py",
    "tests/services/test_permissions.py",
    "tests/services/test_posts.py",
    "tests/services/test_statistics.py",
    "tests/services/test_supervision.py",
    "tests/services/test_validation.py",
    "tests/services/test_visits.py",
    "tests/services/test_work_rules.py",
    "tests/views/test_auto_backup.py",
    "tests/views/test_calendar_reminder.py",
    "tests/views/test_command_tab.py::test_crisis_alerts_open_without_notes",
    "tests/views/test_counselling_tab.py::test_director_sees_the_alert_but_no_notes",
    "tests/views/test_handling_tab.py",
    "tests/views/test_procedures_tab.py",
    "tests/views/test_login_and_settings.py::test_first_run_wizard_sets_up_the_center",
    "tests/views/test_login_and_settings.py::test_director_sets_an_ab_post_and_an_absence",
    "tests/views/test_mediation_tab.py::test_from_intake_to_a_printed_agreement",
    "tests/views/test_mediation_tab.py::test_confirmation_follow_up_archive_and_the_case_file",
    "tests/views/test_reception_tab.py::test_register_by_keyboard_then_receipt",
}
ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "sqlite_only: about the SQLite file itself (pragmas, file backups); skipped on PG",
    )
    config.addinivalue_line(
        "markers", "dates: depends on today; run again at other dates (ZONGZHI_CLOCK)"
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.path.relative_to(ROOT).as_posix()
        if module in DATE_SENSITIVE or f"{module}::{item.originalname}" in DATE_SENSITIVE:
            item.add_marker(pytest.mark.dates)
    if pg.ON_PG:
        skip = pytest.mark.skip(reason="SQLite file only (the PostgreSQL pass)")
        elsewhere = pytest.mark.skip(
            reason="opens no database on the server (its own SQLite files, or none): the "
            "SQLite pass runs it"
        )
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)
            elif not _reaches_the_server(item):
                item.add_marker(elsewhere)


def _reaches_the_server(item) -> bool:
    """Whether a test can open a database on the PostgreSQL pass's server: it asks for the
    test database (``database_url``, and so ``db`` and every fixture made from it), or its
    module reaches the server itself (``tests.pg``) or shares one database per module
    (``tests.strategies.center_database``). The others — reports, fonts, the command line on
    its own SQLite files, the demo, widgets without a database — would only run a second
    time exactly as on the SQLite pass (about a quarter of the PostgreSQL pass's time)."""
    module = getattr(item, "module", None)
    names = vars(module) if module is not None else {}
    return "database_url" in item.fixturenames or "pg" in names or "center_database" in names


def pytest_sessionfinish(session, exitstatus):
    if pg.ON_PG:
        pg.drop_template()


@pytest.fixture(autouse=True)
def _no_unanswered_question(monkeypatch):
    """A question box nobody answers would wait for ever offscreen, hanging the run: one the
    test did not answer itself (``monkeypatch.setattr(QMessageBox, "question", …)``) fails
    it at once, with the question."""
    from PySide6.QtWidgets import QMessageBox

    def unanswered(_parent, title, text, *_a, **_k):
        raise AssertionError(f"the test did not answer the question “{title}”: {text}")

    monkeypatch.setattr(QMessageBox, "question", unanswered)


@pytest.fixture(autouse=True)
def _clock_reset():
    """Every test starts on the clock the run was started with (``ZONGZHI_CLOCK`` or the
    machine's), whatever an earlier test set."""
    program_clock.reset()
    yield
    program_clock.reset()


@pytest.fixture(scope="session")
def _collector(qapp):
    from app.views.collector import MainThreadCollector

    collector = MainThreadCollector(qapp)
    yield collector
    collector.timer.stop()
    gc.enable()


@pytest.fixture(autouse=True)
def _cycles_collected_on_the_gui_thread(_collector):
    """As in the program (``gui.make_app``): the cycle collector never runs on a worker
    thread, where freeing a finished test's widgets crashes the run; it runs here between
    tests, and from the collector's timer while a test waits on Qt. A test that logged in
    through ``run_gui`` froze what was alive then (``settle_loaded_code``): thawed here.

    The widgets pytest-qt closed (``deleteLater``) are deleted here too, not whenever a later
    test next runs an event loop: left alive they pile up, and every style sheet set on the
    application (the theme, in the screen-fit tests) polishes each of them again."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if gc.get_freeze_count():
        gc.unfreeze()
    _collector.check()


@pytest.fixture(autouse=True)
def _application_as_found(qapp):
    """The run has one QApplication. What ``gui.make_app`` (``run_gui`` calls it) and
    ``apply_theme`` set on it — qt-material's style sheet, palette and style, the font, the
    theme's icon folder, the window icon, Qt's Chinese catalogues and locale, the screen fitter
    and the wheel guard — is put back after each test, so a GUI test runs as it would alone
    whichever tests ran before it. A test that wants the theme asks for ``themed``."""
    from PySide6.QtCore import QDir, QEvent, QLocale
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from app.views.widgets.screen import uninstall_screen_fitter
    from app.views.widgets.wheel import uninstall_wheel_guard

    sheet, font, palette = qapp.styleSheet(), qapp.font(), QGuiApplication.palette()
    style, icons, window_icon = qapp.style().name(), QDir.searchPaths("icon"), qapp.windowIcon()
    locale, name = QLocale(), qapp.applicationName()
    fitter = getattr(qapp, "_zongzhi_screen_fitter", None)
    guard = getattr(qapp, "_zongzhi_wheel_guard", None)
    translators = getattr(qapp, "_zongzhi_translators", None)
    yield
    # The test's windows (closed by pytest-qt) go first: a new style sheet polishes every widget.
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if qapp.styleSheet() != sheet:
        qapp.setStyleSheet(sheet)
    if qapp.style().name() != style:
        qapp.setStyle(style)
    if QGuiApplication.palette() != palette:
        QGuiApplication.setPalette(palette)
    if qapp.font() != font:
        qapp.setFont(font)
    QDir.setSearchPaths("icon", icons)
    qapp.setWindowIcon(window_icon)
    QLocale.setDefault(locale)
    qapp.setApplicationName(name)
    if fitter is None:
        uninstall_screen_fitter(qapp)
    if guard is None:
        uninstall_wheel_guard(qapp)
    if translators is None:
        for translator in getattr(qapp, "_zongzhi_translators", None) or []:
            qapp.removeTranslator(translator)
        qapp._zongzhi_translators = None


@pytest.fixture
def themed(qapp):
    """The application as users see it: the program's font and qt-material theme (made once,
    in the run's cache folder); ``_application_as_found`` takes it off afterwards."""
    from app.views.theme import apply_theme

    apply_theme(qapp)
    return qapp


@pytest.fixture(autouse=True)
def _desktop_screen():
    """Windows are fitted to the screen they open on (app/views/widgets/screen.py); the
    offscreen platform's own screen is small, so every test has a 1920×1080 desktop unless it
    simulates another (the 1366×768 tests do)."""
    from PySide6.QtCore import QRect

    from app.views.widgets.screen import simulate_screen

    simulate_screen(QRect(0, 0, 1920, 1080))
    yield
    simulate_screen(None)


@pytest.fixture
def clock():
    """The program's clock (``app.core.clock``): ``clock.freeze("2027-01-05")`` stops it on a
    day, ``clock.set_clock(...)`` runs it from there; reset after the test."""
    return program_clock


@pytest.fixture(scope="session", autouse=True)
def _cache_folder(tmp_path_factory):
    """The program's cache (each font's parsed tables…) in a folder of the run's own, not the
    user's; the processes the tests start inherit it."""
    if "ZONGZHI_CACHE_DIR" in os.environ:
        yield
        return
    os.environ["ZONGZHI_CACHE_DIR"] = str(tmp_path_factory.mktemp("program-cache"))
    yield
    os.environ.pop("ZONGZHI_CACHE_DIR", None)


@pytest.fixture(autouse=True)
def _terminal_config(tmp_path, monkeypatch):
    """Each test has its own terminal settings file: none saved unless the test saves one;
    and its own user data folder (a server database's keys and audit head live there)."""
    monkeypatch.setenv("ZONGZHI_CONFIG_DIR", str(tmp_path / "terminal-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    if pg.ON_PG:
        pg.install_shared_keys()


def fill_center(database) -> None:
    """白石 (BS, terminal A) with one user per role: what ``db`` gives every test."""
    with database.write() as s:
        admin = setup.init_center(
            s,
            center_name="白石街道综治工作中心",
            prefix="BS",
            terminal="A",
            admin_username="admin",
            admin_password=ADMIN_PASSWORD,
            center_phone="0577-61234567",
            villages=VILLAGES,
        )
        admin_actor = auth.actor_for(admin)
        for username, name, role in [
            ("jiedai", "李接待", Role.RECEPTIONIST),
            ("tiaojie", "王调解", Role.MEDIATOR),
            ("zixun", "陈咨询", Role.COUNSELLOR),
            ("zhuren", "周主任", Role.DIRECTOR),
        ]:
            auth.create_user(s, admin_actor, username, name, role, STAFF_PASSWORD)


@pytest.fixture(scope="session")
def _sqlite_templates(tmp_path_factory):
    """Template files made once per test process by the production start-up code (migrations,
    then the center for ``db``); each test gets a copy, as fresh as one made from scratch."""
    folder = tmp_path_factory.mktemp("templates")
    made: dict[str, Path] = {}

    def template(kind: str) -> Path:
        if kind not in made:
            path = folder / f"{kind}.sqlite3"
            database = open_database(path)
            if kind == "center":
                fill_center(database)
            database.dispose()  # the last connection checkpoints the WAL into the file
            made[kind] = path
        return made[kind]

    return template


@pytest.fixture
def database_url(request, tmp_path, monkeypatch):
    """A fresh, migrated database: a SQLite file, or a PostgreSQL database on the PG pass.
    Empty, or already the center of ``db`` when the test asks for ``db``."""
    kind = "center" if "db" in request.fixturenames else "empty"
    if not pg.ON_PG:
        path = tmp_path / "zongzhi.sqlite3"
        template = request.getfixturevalue("_sqlite_templates")(kind)
        shutil.copy2(template, path)
        key = audit_key_file(template)  # the audit chain's key goes with its database
        if key.exists():
            private_folder(audit_key_file(path).parent)
            shutil.copy2(key, audit_key_file(path))
        yield "sqlite:///" + str(path)
        return
    # The data folder (attachments, keys) of a server database lives in the user data folder.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    url = pg.fresh_url(kind, fill_center)
    yield url
    pg.drop(url)


@pytest.fixture
def db(database_url):
    """An initialised center database (白石, BS, terminal A) with one user per role."""
    database = open_database(database_url=database_url)
    yield database
    database.dispose()


def actor(database, username: str) -> Actor:
    with database.read() as s:
        return auth.actor_for(s.scalar(select(User).where(User.username == username)), "A")


@pytest.fixture
def receptionist(db) -> Actor:
    return actor(db, "jiedai")


@pytest.fixture
def admin(db) -> Actor:
    return actor(db, "admin")
