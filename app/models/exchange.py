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

``RowChange`` is here, registered with the event flow's tables (every write appends to it); the
other four are in ``bundles.py``, registered when first named.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, now


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
