"""Child process for the crash and concurrency tests: registers matters, printing each number.

A number is printed only after ``register_matter`` returned and its transaction committed.
"""

from __future__ import annotations

import sys

from sqlalchemy import select

from app.db import open_database
from app.models import Category, Channel, User
from app.services.reception import intake
from app.services.reception.intake import IntakeInput, VisitorInput
from app.services.security.auth import actor_for


def main(target: str, start: int, count: int | None = None) -> None:
    db = open_database(database_url=target) if "://" in target else open_database(target)
    with db.read() as s:
        actor = actor_for(s.scalar(select(User).where(User.username == "jiedai")))
        category = s.scalar(select(Category.id).where(Category.name == "投诉"))
    i = start
    while count is None or i < start + count:
        data = IntakeInput(
            channel=Channel.VISIT,
            visitors=[
                VisitorInput(name=("王𠮷", "张三", "陈䶮")[i % 3], phone=f"138{i:08d}"),
                VisitorInput(name="李䶮"),
            ],
            category_id=category,
            summary=f"第 {i} 件：反映噪音扰民。" + "很长的描述。" * (i % 50),
        )
        with db.write() as s:
            result = intake.register_matter(s, actor, data)
        print(result.number, flush=True)
        i += 1


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else None)
