"""群众/当事人."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDPk, now, pattern_index

# Searched by prefix (name, pinyin, initials, ID number, phone): PostgreSQL's LIKE 'ab%' needs
# indexes in character order under the server's collation (``pattern_index``). They carry the
# person's id: a search matching thousands of visitors (a surname) finds their ids in the index
# alone, without reading each visitor's row (migration 0038).
PREFIX_SEARCHED = ("name", "name_pinyin", "name_initials", "id_number", "phone")


class Person(UUIDPk, Base):
    """群众 / 当事人: a person the center knows; ID number and phone are masked in lists."""

    __tablename__ = "persons"
    __table_args__ = (
        # On PostgreSQL the prefix indexes carry the id (INCLUDE, 0038): a surname's visitors
        # are listed from the index alone.
        *(pattern_index("persons", c, include=("id",)) for c in PREFIX_SEARCHED),
        # A name's prefix gives its people's ids from the index alone, not from each person's
        # row: a surname's visitors' matters are listed in every window of a search (2,066
        # people at 300,000 matters: 9.4 ms a statement on SQLite, 4.5 with the ids in this
        # index and ix_matter_persons_person_id; 0037).
        Index("ix_persons_name", "name", "id"),
    )
    # Names may hold any GB 18030 character (𠮷, 䶮, 𪚥): length counts code points.
    name: Mapped[str] = mapped_column(String(64), nullable=False)
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
    # 性别 (男/女), 民族 (one of the 56), 出生日期: from the ID card, or for a typed ID number
    # derived from it where left empty (services/reception/intake.py).
    sex: Mapped[str | None] = mapped_column(String(2))
    nation: Mapped[str | None] = mapped_column(String(16))
    birth_date: Mapped[date | None] = mapped_column(Date)
    # Read from the card only: 签发机关 and 有效期限 (no end: 长期). Shown in a matter's detail.
    id_authority: Mapped[str | None] = mapped_column(String(64))
    id_valid_from: Mapped[date | None] = mapped_column(Date)
    id_valid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
