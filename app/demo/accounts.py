"""The demo accounts, as the log-in window lists them: read before the models are loaded
(issue 17), so the roles are given by value and label here; ``center.DEMO_ACCOUNTS`` makes
them ``Role`` members (a test keeps the labels equal to ``Role``'s)."""

from __future__ import annotations

# user name, password, role (Role's value), role's label, display name
DEMO_LOGINS: list[tuple[str, str, str, str, str]] = [
    ("demo-reception", "Jiedai@2026", "receptionist", "接待员", "林晓燕"),
    ("demo-mediator", "Tiaojie@2026", "mediator", "调解员", "陈国平"),
    ("demo-counsellor", "Nuanxin@2026", "counsellor", "心理咨询师", "周静"),
    ("demo-director", "Zhuren@2026", "director", "主任", "郑建华"),
    # Each one's B on an AB post (demo_work.POSTS): log in as B to cover an absent A.
    ("demo-reception2", "Jiedai2@2026", "receptionist", "接待员", "王丽娜"),
    ("demo-mediator2", "Tiaojie2@2026", "mediator", "调解员", "李志明"),
    ("demo-admin", "Guanli@2026", "admin", "系统管理员", "系统管理员"),
]

# The 网格员 account belongs to a grid, so it is made with the demo grids (``demo.grids``),
# not with the others; the log-in window lists it after them.
GRID_LOGIN = ("demo-grid", "Wangge@2026", "grid_worker", "网格员", "吴网格")
