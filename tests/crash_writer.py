"""Child process for the crash and concurrency tests: registers matters, printing each number.

A number is printed only after ``register_matter`` returned and its transaction committed.

``crash_writer.py --fork-server DATABASE`` imports the program once, then for each line read
on its standard input forks a writer (the line is its first number): the writer prints its
process id, then its numbers, until it is killed; when it has died the server prints ``end``.
The crash test kills many writers, and a writer forked from here starts without importing the
program again (a second each on a fresh interpreter).
"""

from __future__ import annotations

import os
import sys
import traceback

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


def fork_server(target: str) -> None:
    """Nothing is opened before the fork: each writer opens the database itself, as a
    freshly started program would. pypinyin's tables (loaded at a first registration) are."""
    from app.services.pinyin import name_keys

    name_keys("王𠮷")
    for line in sys.stdin:
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                print(os.getpid(), flush=True)
                main(target, int(line))
                code = 0
            except BaseException:
                traceback.print_exc()
                sys.stderr.flush()
            finally:
                os._exit(code)
        os.waitpid(pid, 0)
        print("end", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "--fork-server":
        fork_server(sys.argv[2])
    else:
        main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else None)
