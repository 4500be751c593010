"""Exchange bundles between offline terminals and the center.

- ``RowChange``: every insert, update and delete of a record on this machine, in order (written
  by a mapper event for every model, so tables added later are tracked without being listed).
  A terminal's bundle holds the current rows of what changed since its last export.
- ``TerminalKey``: the Ed25519 public key of each terminal, registered at the center; a bundle
  signed by any other key is refused.
- ``BundleImport`` / ``BundleRow``: at the center, which bundles were applied and when each row
  last came from a terminal; with the center's own ``RowChange`` log that tells a row changed
  at the center since (changed on both sides) from one only the terminal changed.
- ``BundleConflict``: a row changed on both sides: the center's version stays, the terminal's is
  kept here, and a person decides.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDPk, now


class RowChange(Base):
    """本机变更日志: an insert, update or delete of a record on this machine, in order."""

    __tablename__ = "row_changes"
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    row_key: Mapped[str] = mapped_column(Text, nullable=False)  # JSON list of key values
    op: Mapped[str] = mapped_column(String(8), nullable=False)  # insert / update / delete
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)


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
