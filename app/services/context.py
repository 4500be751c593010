"""Who is acting: passed to every service call that reads or writes on someone's behalf."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.models import Role


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID | None
    username: str
    display_name: str
    role: Role | None
    terminal: str = ""

    @classmethod
    def system(cls, terminal: str = "") -> Actor:
        """The program itself (set-up, migrations, demo data): no person behind it."""
        return cls(None, "system", "系统", None, terminal)
