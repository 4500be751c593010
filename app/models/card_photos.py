"""身份证照片, sealed to the center's recovery key (only while the setting is on).

Registered when first named (``app.models``): a matter's documents printed from the command
line never read them (issue 17).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, now


class PersonCardPhoto(Base):
    """身份证照片, stored only while the center's setting ``store_card_photo`` is on: sealed
    like the counselling notes (same cipher setting), to the center's recovery key (X25519),
    so the window can store it but only the printed recovery key opens it. Confidential: it
    travels in exchange bundles only with the counselling records."""

    __tablename__ = "person_card_photos"
    person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    recovery_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("notes_recovery_keys.id"), nullable=False
    )
    crypt_alg: Mapped[str] = mapped_column(String(16), nullable=False)
    ephemeral_public: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    photo_ct: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    stored_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=now)
