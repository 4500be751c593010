"""Shared fixtures: a fresh database per test, made by the production start-up code."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.db import open_database  # noqa: E402
from app.models import Role, User  # noqa: E402
from app.services import auth, setup  # noqa: E402
from app.services.context import Actor  # noqa: E402

ADMIN_PASSWORD = "Center#2026pw"
STAFF_PASSWORD = "Staff#2026pw"
VILLAGES = ["白石村", "中雁村", "山马社区"]


@pytest.fixture
def db(tmp_path):
    """An initialised center database (白石, BS, terminal A) with one user per role."""
    database = open_database(tmp_path / "zongzhi.sqlite3")
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
