"""The PostgreSQL pass: a fresh database per test, cloned from a migrated template.

``ZONGZHI_TEST_DB=postgresql`` with ``ZONGZHI_TEST_PG_URL`` (a server's maintenance database,
e.g. the URL ``.ci/pg-up`` prints) runs the suite against that server; otherwise tests use
SQLite files. Cloning a template (CREATE DATABASE … TEMPLATE) takes a few tens of ms where
running every migration again would take a second.
"""

from __future__ import annotations

import itertools
import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("ZONGZHI_TEST_PG_URL", "")
ON_PG = os.environ.get("ZONGZHI_TEST_DB", "") == "postgresql" and bool(PG_URL)

_admin = None
_templates: dict[str, str] = {}  # kind ("empty", "center") → template database name
# kind → the template's audit key file (bytes): the server chain's key goes with each clone,
# as it would to every terminal of a server (``zongzhi audit-key import``).
_template_keys: dict[str, bytes] = {}
# URL → the audit key of a database a whole module shares (``tests/strategies.py``): each test
# has its own data folder, so the key is put in each, as every terminal of a server holds it.
shared_keys: dict[str, bytes] = {}
_names = itertools.count(1)
_tag = uuid.uuid4().hex[:8]


def admin_engine():
    global _admin
    if _admin is None:
        _admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", pool_size=1)
    return _admin


def url_for(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _create(name: str, template: str | None = None) -> str:
    clause = f" TEMPLATE {template}" if template else ""
    with admin_engine().connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}{clause}")
    return url_for(name)


def template(kind: str = "empty", fill=None) -> str:
    """A template database made once per test run: "empty" is migrated; other kinds are the
    empty one with ``fill(database)`` applied (e.g. the center with one user per role)."""
    if kind not in _templates:
        from app.db import open_database

        name = f"zz_tmpl_{kind}_{_tag}"
        url = _create(name, _templates.get("empty") if kind != "empty" else None)
        try:
            database = open_database(database_url=url)
            if fill is not None:
                fill(database)
            database.dispose()
            from app.services.security.audit_key import server_key_file

            key = server_key_file(url)
            if key.exists():
                _template_keys[kind] = key.read_bytes()
        except BaseException:
            drop(url)  # the next test tries again and reports the same error
            raise
        _templates[kind] = name
    return _templates[kind]


def _write_key(url: str, data: bytes) -> None:
    from app.core.private_files import private_folder
    from app.services.security.audit_key import server_key_file

    key = server_key_file(url)
    private_folder(key.parent)
    key.write_bytes(data)
    key.chmod(0o600)


def share_key(url: str) -> None:
    """Keep the key of the module-wide database at ``url`` for every test's data folder."""
    from app.services.security.audit_key import server_key_file

    key = server_key_file(url)
    if key.exists():
        shared_keys[url] = key.read_bytes()


def install_shared_keys() -> None:
    """Put the module-wide databases' keys into this test's data folder."""
    for url, data in shared_keys.items():
        _write_key(url, data)


def fresh_url(kind: str = "empty", fill=None) -> str:
    """A new database's URL, cloned from the template of ``kind``."""
    if kind != "empty":
        template()
    url = _create(f"zz_t_{_tag}_{next(_names)}", template(kind, fill))
    if kind in _template_keys:
        _write_key(url, _template_keys[kind])
    return url


def empty_url() -> str:
    """A new database without any table (for migrate-db targets and migration tests)."""
    return _create(f"zz_e_{_tag}_{next(_names)}")


def drop(url: str) -> None:
    name = make_url(url).database
    with admin_engine().connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def drop_template() -> None:
    for kind in sorted(_templates, key=lambda k: k == "empty"):  # clones of "empty" first
        drop(url_for(_templates.pop(kind)))
