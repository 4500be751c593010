"""Exchange bundles' tables at the center: terminals' keys, bundles applied, rows' sources and
conflicts (what each is: ``exchange.py``). ``RowChange``, which every write appends to, stays
in ``exchange.py``; these are registered when first named (``app.models``): a matter's
documents printed from the command line never read them (issue 17).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDPk, now


class TerminalKey(UUIDPk, Base):
    """终端公钥: the Ed25519 public key of a terminal, registered at the center."""

    __tablename__ = "terminal_keys"
    terminal: Mapped[str] = mapped_column(String(8), nullable=False, index=True)
    public_key: Mapped[str] = mapped_column(String(64), nullable=False)  # base64, 32 bytes
    fingerprint: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    registered_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    registered_by: Mapped[str | None] = mapped_column(String(64))


class BundleImport(Base):
    """已导入的交换包: a terminal's bundle applied at the center, with its counts."""

    __tablename__ = "bundle_imports"
    bundle_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    terminal: Mapped[str] = mapped_column(String(8), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    imported_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    inserted: Mapped[int] = mapped_column(Integer, nullable=False)
    updated: Mapped[int] = mapped_column(Integer, nullable=False)
    deleted: Mapped[int] = mapped_column(Integer, nullable=False)
    conflicts: Mapped[int] = mapped_column(Integer, nullable=False)


class BundleRow(Base):
    """交换行来源: which terminal a row last came from, and the hash it had then."""

    __tablename__ = "bundle_rows"
    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    row_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    terminal: Mapped[str] = mapped_column(String(8), nullable=False)
    row_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    imported_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


class BundleConflict(UUIDPk, Base):
    """数据冲突: a row changed at the center and on a terminal; the terminal's copy waits here."""

    __tablename__ = "bundle_conflicts"
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    row_key: Mapped[str] = mapped_column(String(255), nullable=False)
    terminal: Mapped[str] = mapped_column(String(8), nullable=False)
    bundle_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    matter_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    center_row: Mapped[str | None] = mapped_column(Text)  # JSON; None: deleted at the center
    terminal_row: Mapped[str | None] = mapped_column(Text)  # JSON; None: deleted on the terminal
    terminal_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    found_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
    decided: Mapped[str | None] = mapped_column(String(16))  # center / terminal
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
