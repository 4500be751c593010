"""附件: scanned letters and photos kept with a matter, and their bytes on a shared server.

Registered when first named (``app.models``): a matter's documents printed from the command
line never read them (issue 17).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDPk, now


class Attachment(UUIDPk, Base):
    """附件: a scanned letter or photo kept with a matter, stored by content hash."""

    __tablename__ = "attachments"
    matter_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("matters.id"), nullable=False, index=True
    )
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    added_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class AttachmentBlob(Base):
    """附件内容: an attachment's bytes kept in the database, by SHA-256, where the database is a
    shared server (every terminal opens the same attachments; ``migrate-db`` carries them)."""

    __tablename__ = "attachment_blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    stored_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
