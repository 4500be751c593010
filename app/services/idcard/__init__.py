"""The resident ID card (二代证) at the reception window: what a reader gives and how it is read.

``IdCardSource`` is the one small interface behind every kind of reader: ``ga467`` speaks the
public SAM frame protocol over a serial or USB-CDC port, ``vendor`` loads a vendor library
(termb.dll / sdtapi.dll / libtermb.so) with ctypes, ``simulator`` is a pretend reader on a
pseudo-terminal for tests and ``zongzhi card-test --simulate``. ``settings`` keeps which reader
this terminal uses. Keyboard-wedge readers need nothing here: they type into the form.
"""

from __future__ import annotations

from app.services.idcard.card import (
    CardData,
    CardReaderError,
    CardReadFailed,
    IdCardSource,
    NoCard,
    ReaderNotFound,
    card_warnings,
    parse_text,
)

__all__ = [
    "CardData",
    "CardReadFailed",
    "CardReaderError",
    "IdCardSource",
    "NoCard",
    "ReaderNotFound",
    "card_warnings",
    "parse_text",
]
