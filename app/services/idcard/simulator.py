"""A pretend GA 467 reader on a pseudo-terminal, for tests and for trying a terminal without
hardware (``zongzhi card-test --simulate``). It answers 找卡, 选卡 and 读基本信息 the way a
reader does, and can misbehave on request: no card, a wrong check byte, a frame cut short,
the card lifted mid-read, a slow or silent reader. Linux and macOS only (``os.openpty``)."""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
import time
import tty
from dataclasses import dataclass, replace
from datetime import date

from app.services.idcard.card import PHOTO_SIZE, TEXT_SIZE, CardData, encode_text
from app.services.idcard.ga467 import (
    FIND_CARD,
    FOUND,
    HEADER,
    NOT_FOUND,
    NOT_SELECTED,
    OK,
    READ_BASE,
    SELECT_CARD,
    frame,
    xor,
)

SAMPLE_CARD = CardData(
    name="王𠈌",
    sex="女",
    nation="汉族",
    birth=date(1949, 12, 31),
    address="北京市西城区下塘街道幸福里社区5号楼2单元301",
    id_number="11010519491231002X",
    authority="北京市公安局西城分局",
    valid_from=date(2016, 3, 1),
    valid_until=None,  # 长期
    photo=bytes(range(256)) * (PHOTO_SIZE // 256),
)


@dataclass
class Behaviour:
    """How the pretend reader misbehaves (all off: a good reader)."""

    bad_checksum: bool = False  # the 读基本信息 answer's check byte is wrong
    truncate: bool = False  # the 读基本信息 answer stops halfway
    removed_mid_read: bool = False  # 找卡, 选卡 fine, then SW3 41 (读证失败)
    delay: float = 0.0  # seconds before each answer
    silent: bool = False  # answers nothing at all


class CardSimulator:
    """``with CardSimulator(card) as sim:`` then read from ``sim.port``. ``card`` None: the
    reader is empty. ``card`` and ``behaviour`` may be changed while it runs."""

    def __init__(self, card: CardData | None = SAMPLE_CARD, behaviour: Behaviour | None = None):
        self.card = card
        self.behaviour = behaviour or Behaviour()
        self.commands: list[bytes] = []
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="card-simulator", daemon=True)

    def __enter__(self) -> CardSimulator:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def start(self) -> CardSimulator:
        return self.__enter__()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def with_card(self, **changes) -> None:
        self.card = replace(self.card or SAMPLE_CARD, **changes)

    def _serve(self) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self._master, selectors.EVENT_READ)
        buf = b""
        while not self._stop.is_set():
            if not sel.select(0.05):
                continue
            try:
                buf += os.read(self._master, 4096)
            except OSError:
                return
            while True:
                start = buf.find(HEADER)
                if start < 0 or len(buf) < start + 7:
                    break
                length = int.from_bytes(buf[start + 5 : start + 7], "big")
                end = start + 7 + length
                if len(buf) < end:
                    break
                body, check = buf[start + 5 : end - 1], buf[end - 1]
                buf = buf[end:]
                answer = self._answer(body[2:], xor(body) == check)
                if answer is not None:
                    self._send(answer)
        sel.close()

    def _send(self, data: bytes) -> None:
        b = self.behaviour
        if b.delay:
            time.sleep(b.delay)
        with contextlib.suppress(OSError):
            os.write(self._master, data)

    def _answer(self, cmd: bytes, check_ok: bool) -> bytes | None:
        b = self.behaviour
        self.commands.append(cmd)
        if b.silent:
            return None
        if not check_ok:
            return frame(b"\x00\x00\x10")
        if cmd == FIND_CARD:
            return frame(bytes([0, 0, FOUND if self.card else NOT_FOUND]) + b"\x00" * 4)
        if cmd == SELECT_CARD:
            return frame(bytes([0, 0, OK if self.card else NOT_SELECTED]) + b"\x00" * 8)
        if cmd == READ_BASE:
            if self.card is None or b.removed_mid_read:
                return frame(b"\x00\x00\x41")
            photo = self.card.photo[:PHOTO_SIZE]
            data = (
                TEXT_SIZE.to_bytes(2, "big")
                + len(photo).to_bytes(2, "big")
                + encode_text(self.card)
                + photo
            )
            answer = frame(bytes([0, 0, OK]) + data)
            if b.bad_checksum:
                answer = answer[:-1] + bytes([answer[-1] ^ 0xFF])
            if b.truncate:
                answer = answer[: len(answer) // 2]
            return answer
        return frame(b"\x00\x00\x21")
