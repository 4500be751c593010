"""群众/当事人."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDPk, now, pattern_index

# Searched by prefix (name, pinyin, initials, ID number, phone): PostgreSQL's LIKE 'ab%' needs
# indexes in character order under the server's collation (``pattern_index``).
PREFIX_SEARCHED = ("name", "name_pinyin", "name_initials", "id_number", "phone")


class Person(UUIDPk, Base):
    """群众 / 当事人: a person the center knows; ID number and phone are masked in lists."""

    __tablename__ = "persons"
    __table_args__ = tuple(pattern_index("persons", c) for c in PREFIX_SEARCHED)
    # Names may hold any GB 18030 character (𠮷, 䶮, 𪚥): length counts code points.
    name: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    # Search keys for 张三: "zhangsan" and "zs" (kept beside the name, recomputed on change).
    name_pinyin: Mapped[str] = mapped_column(String(255), nullable=False, default="", index=True)
    name_initials: Mapped[str] = mapped_column(String(64), nullable=False, default="", index=True)
    # The pinyin typed by hand, syllables apart ("wang ji"), for a name pypinyin cannot read
    # whole (王𠮷); None while the keys above are pypinyin's. They are made from it when set.
    name_pinyin_typed: Mapped[str | None] = mapped_column(String(255))
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    # Last four digits of the phone, indexed: receptionists ask "尾号是多少？".
    phone_tail: Mapped[str | None] = mapped_column(String(4), index=True)
    address: Mapped[str | None] = mapped_column(String(255))
    village_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("villages.id", ondelete="SET NULL")
    )
    grid_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("grids.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
