"""This terminal's printer and options for each kind of document, and 回执直接打印.

Kept in ``printing.json`` next to the terminal's settings (outside any database): the window's
terminal prints receipts on the window's printer, the mediation room's terminal agreements and
卷宗 on the room's printer. A kind never printed here takes the printer last used for a kind of
the same place (窗口 / 调解室 / 办公室), then the system's default. The 卷宗 and minutes of more
than one page are printed on both sides unless the user chose otherwise.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.core.private_files import private_folder
from app.db import terminal_config_path

# kind → where such papers are printed
PLACES = {
    "receipt": "window",  # 受理回执
    "notice": "window",  # 受理/不予受理/延期办理告知书, 督办单
    "agreement": "room",  # 调解协议书
    "casefile": "room",  # 卷宗
    "mediation": "room",  # 申请书, 登记表, 笔录, 回访记录
    "minutes": "office",  # 会议纪要
    "ledger": "office",  # 台账
    "referral": "counselling",  # 转介摘要
    "other": "office",
}
KIND_LABELS = {
    "receipt": "受理回执",
    "notice": "告知书、督办单",
    "agreement": "调解协议书",
    "casefile": "卷宗",
    "mediation": "调解室其他文书",
    "minutes": "会议纪要",
    "ledger": "台账",
    "referral": "转介摘要",
    "other": "其他",
}
RECEIPT_KINDS = ("receipt", "notice")  # their prints go on the matter's timeline


@dataclass(frozen=True)
class PrintChoice:
    printer: str | None  # None: the system's default
    duplex: bool


def _path() -> Path:
    return terminal_config_path().with_name("printing.json")


def _load() -> dict:
    try:
        data = json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(data: dict) -> None:
    path = _path()
    private_folder(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".printing-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=2)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def default_duplex(kind: str, pages: int) -> bool:
    return kind == "casefile" or (kind == "minutes" and pages > 1)


def choice_for(kind: str, pages: int = 1) -> PrintChoice:
    """The printer and duplex to preset for a document of ``kind`` with ``pages`` pages."""
    kinds = _load().get("kinds", {})
    own = kinds.get(kind) if isinstance(kinds, dict) else None
    printer = None
    duplex = default_duplex(kind, pages)
    if isinstance(own, dict):
        printer = own.get("printer") or None
        if isinstance(own.get("duplex"), bool) and pages > 1:
            duplex = own["duplex"]
    if printer is None and isinstance(kinds, dict):
        place = PLACES.get(kind, "office")
        for other, saved in kinds.items():
            if PLACES.get(other, "office") == place and isinstance(saved, dict):
                printer = saved.get("printer") or printer
    return PrintChoice(printer if isinstance(printer, str) else None, duplex)


def remember(kind: str, printer: str, duplex: bool) -> None:
    """What was used for ``kind`` this time becomes the preset for the next one."""
    data = _load()
    kinds = data.get("kinds")
    if not isinstance(kinds, dict):
        kinds = data["kinds"] = {}
    kinds[kind] = {"printer": printer, "duplex": duplex}
    # a preset not remembered is no reason to fail a print that succeeded
    with contextlib.suppress(OSError):
        _save(data)


def receipt_direct() -> bool:
    """回执直接打印: registering prints the receipt on the receipt printer, without preview."""
    return _load().get("receipt_direct") is True


def set_receipt_direct(on: bool) -> None:
    data = _load()
    data["receipt_direct"] = bool(on)
    _save(data)


def remembered() -> list[tuple[str, PrintChoice]]:
    """(kind's label, its remembered printer and duplex) for each kind printed on this
    terminal, in the order of ``KIND_LABELS``."""
    kinds = _load().get("kinds", {})
    if not isinstance(kinds, dict):
        return []
    found = []
    for kind, label in KIND_LABELS.items():
        saved = kinds.get(kind)
        if isinstance(saved, dict) and isinstance(saved.get("printer"), str):
            found.append((label, PrintChoice(saved["printer"], saved.get("duplex") is True)))
    return found
