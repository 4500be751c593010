"""What every tab gets: the database worker, the change bus, who is logged in, the settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.services.center.settings import CenterSettings
from app.services.context import Actor
from app.services.drafts import DraftStore

from .bus import DataBus
from .worker import DbWorker


@dataclass
class ViewContext:
    worker: DbWorker
    bus: DataBus
    actor: Actor
    settings: CenterSettings
    drafts: DraftStore | None = None
    attachments: Path | None = None  # folder where attachment files are kept
