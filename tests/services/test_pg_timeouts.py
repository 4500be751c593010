"""The shared PostgreSQL server: a terminal frozen inside a write (idle in transaction, holding
the numbering lock) costs the other terminals a few seconds and a clear message, not minutes.
PostgreSQL only (``ZONGZHI_TEST_DB=postgresql``)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from app import db as app_db
from app.core.errors import DatabaseLocked
from app.core.portable import lock_writers
from app.db import Database
from tests import pg
from tests.conftest import actor
from tests.services.test_intake import make_input, register

pytestmark = pytest.mark.skipif(not pg.ON_PG, reason="PostgreSQL only (ZONGZHI_TEST_DB)")


def test_every_connection_has_the_timeouts_and_keepalives(db):
    with db.engine.connect() as conn:
        assert conn.execute(text("SHOW lock_timeout")).scalar() == "5s"
        assert conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "10s"
        params = conn.connection.driver_connection.info.get_parameters()
        assert params.get("keepalives") == "1" and params.get("keepalives_idle") == "30"


def test_a_terminal_stuck_holding_the_numbering_lock_costs_others_a_moment(db, monkeypatch):
    monkeypatch.setattr(app_db, "PG_LOCK_TIMEOUT_MS", 500)
    other = Database(db.url)  # another terminal, its connections made with the short timeout
    try:
        stuck = db.write()
        session = stuck.__enter__()  # a write begun (the write lock taken), then frozen
        lock_writers(session)
        started = time.monotonic()
        with pytest.raises(DatabaseLocked, match="另一台终端正在写数据库"):
            register(other, actor(other, "jiedai"), make_input(other))
        assert time.monotonic() - started < 3
        stuck.__exit__(None, None, None)  # the stuck one goes on: nothing of it was lost
        made = register(other, actor(other, "jiedai"), make_input(other))
        assert made.number.endswith("-A-000001")
    finally:
        other.dispose()
