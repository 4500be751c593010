"""Readers that speak the public SAM frame protocol of GA 467 over a serial or USB-CDC port.

A frame is the header ``AA AA AA 96 69``, a two-byte length (big-endian: what follows it,
check byte included), the payload and an XOR check byte over length and payload. The
terminal sends a command and its parameter (找卡 ``20 01``, 选卡 ``20 02``, 读基本信息
``30 01``); the reader answers with three status bytes SW1 SW2 SW3 (``00 00 90`` done,
``00 00 9F`` card found) and, for 读基本信息, the text and photo lengths (two bytes each),
256 bytes of text and 1,024 bytes of photo.
"""

from __future__ import annotations

import errno
import glob
import sys
import time
from collections.abc import Callable, Iterable
from functools import reduce

from app.services.idcard.card import (
    PHOTO_SIZE,
    TEXT_SIZE,
    CardData,
    CardReaderError,
    CardReadFailed,
    NoCard,
    ReaderNotFound,
    parse_text,
)

HEADER = b"\xaa\xaa\xaa\x96\x69"
BAUDRATE = 115200
FIND_CARD = b"\x20\x01"
SELECT_CARD = b"\x20\x02"
READ_BASE = b"\x30\x01"
MAX_FRAME = 4096
PROBE_TIMEOUT_S = 0.4

OK = 0x90
FOUND = 0x9F
NOT_FOUND = 0x80
NOT_SELECTED = 0x81
# SW3 codes a reader answers when something went wrong, as the clerk should hear them.
SW3_REASONS = {
    0x10: "读卡器收到的命令校验和错误",
    0x11: "读卡器收到的命令长度错误",
    0x21: "读卡器不认识这条命令",
    0x23: "读卡器未授权",
    0x24: "读卡器内部错误",
    0x31: "证件认证失败",
    0x32: "信息验证错误",
    0x33: "证件信息验证错误",
    0x40: "不支持的证件",
    0x41: "读证时出错（证件可能被移开了）",
    0x47: "读卡器的安全模块出错",
    0x60: "读卡器的安全模块自检失败",
    0x66: "读卡器的安全模块未授权",
}


PORT_ERRORS = {
    errno.ENOENT: "没有这个端口",
    errno.EACCES: "没有权限（Linux 上请把用户加入 dialout 组）",
    errno.EBUSY: "端口被别的程序占用",
}


def xor(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


def frame(payload: bytes) -> bytes:
    """A whole frame around ``payload`` (command and parameter, or status and data)."""
    body = (len(payload) + 1).to_bytes(2, "big") + payload
    return HEADER + body + bytes([xor(body)])


class Transport:
    """What a frame is read from and written to: pyserial's Serial fits (read, write,
    reset_input_buffer), so does a test's stand-in."""

    def read(self, size: int) -> bytes: ...  # pragma: no cover - interface

    def write(self, data: bytes) -> int | None: ...  # pragma: no cover - interface

    def reset_input_buffer(self) -> None: ...  # pragma: no cover - interface


def read_frame(port: Transport, timeout: float) -> bytes:
    """The next frame's payload (its check byte verified). Bytes before the header are
    skipped. Nothing at all within ``timeout``: ReaderNotFound; a frame cut short or a wrong
    check byte: CardReadFailed."""
    deadline = time.monotonic() + timeout
    got = bytearray()

    def take(size: int) -> bytes:
        while len(got) < size:
            if time.monotonic() >= deadline:
                raise TimeoutError
            chunk = port.read(size - len(got))
            if chunk:
                got.extend(chunk)
        data = bytes(got[:size])
        del got[:size]
        return data

    window = b""
    seen = False
    try:
        while window != HEADER:
            byte = take(1)
            seen = True
            window = (window + byte)[-len(HEADER) :]
        length = int.from_bytes(take(2), "big")
        if not 4 <= length <= MAX_FRAME:
            raise CardReadFailed(f"读卡器回复的长度 {length} 不对")
        rest = take(length)
    except TimeoutError:
        if not seen:
            raise ReaderNotFound("读卡器没有应答") from None
        raise CardReadFailed("读卡器的回复不完整（超时）") from None
    body = length.to_bytes(2, "big") + rest[:-1]
    if xor(body) != rest[-1]:
        raise CardReadFailed("读卡器回复的校验和错误")
    return rest[:-1]


def command(port: Transport, cmd: bytes, timeout: float) -> tuple[int, bytes]:
    """Send ``cmd`` and return (SW3, data) of the answer."""
    port.reset_input_buffer()
    port.write(frame(cmd))
    payload = read_frame(port, timeout)
    if len(payload) < 3:
        raise CardReadFailed("读卡器的回复太短")
    return payload[2], payload[3:]


def read_card_from(port: Transport, timeout: float = 3.0) -> CardData:
    """找卡, 选卡, 读基本信息 on an open port."""
    deadline = time.monotonic() + timeout

    def left() -> float:
        return max(deadline - time.monotonic(), 0.05)

    sw3, _ = command(port, FIND_CARD, left())
    if sw3 == NOT_FOUND:
        raise NoCard()
    if sw3 not in (FOUND, OK):
        raise CardReadFailed(SW3_REASONS.get(sw3, f"读卡器回复代码 {sw3:02X}"))
    sw3, _ = command(port, SELECT_CARD, left())
    if sw3 == NOT_SELECTED:
        raise NoCard()
    if sw3 != OK:
        raise CardReadFailed(SW3_REASONS.get(sw3, f"读卡器回复代码 {sw3:02X}"))
    try:
        sw3, data = command(port, READ_BASE, left())
    except ReaderNotFound:  # it answered 找卡 and 选卡: it is there, the read took too long
        raise CardReadFailed("读卡器读证超时") from None
    if sw3 != OK:
        raise CardReadFailed(SW3_REASONS.get(sw3, f"读卡器回复代码 {sw3:02X}"))
    if len(data) < 4:
        raise CardReadFailed("读卡器的回复太短")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if text_len != TEXT_SIZE or len(data) < 4 + text_len + photo_len:
        raise CardReadFailed("读卡器回复的证件内容长度不对")
    text = data[4 : 4 + text_len]
    photo = data[4 + text_len : 4 + text_len + photo_len]
    if photo_len not in (0, PHOTO_SIZE):
        photo = b""  # not a card photo; the text is still good
    return parse_text(text, photo)


def likely_ports() -> list[str]:
    """The ports a reader is likely on: USB serial adapters and CDC devices first."""
    found: list[str] = []
    try:
        from serial.tools import list_ports

        found = [p.device for p in sorted(list_ports.comports(), key=lambda p: p.vid is None)]
    except Exception:  # noqa: BLE001 - no list: the usual names below
        found = []
    if sys.platform.startswith("linux"):
        found += sorted(glob.glob("/dev/ttyUSB*")) + sorted(glob.glob("/dev/ttyACM*"))
    elif sys.platform == "win32" and not found:
        found = [f"COM{i}" for i in range(1, 17)]
    return list(dict.fromkeys(found))


def open_port(port: str, timeout: float = 0.05):
    """pyserial's port at 115200 8N1; a port that cannot be opened is ReaderNotFound."""
    import serial

    try:
        return serial.Serial(port, BAUDRATE, timeout=timeout, write_timeout=1)
    except (serial.SerialException, OSError, ValueError) as exc:
        reason = PORT_ERRORS.get(getattr(exc, "errno", None) or 0, str(exc))
        raise ReaderNotFound(f"打不开端口 {port}：{reason}") from None


def probe(port: str) -> bool:
    """Whether a GA 467 reader answers on ``port`` (any well-formed answer to 找卡)."""
    try:
        conn = open_port(port)
    except ReaderNotFound:
        return False
    try:
        command(conn, FIND_CARD, PROBE_TIMEOUT_S)
        return True
    except (CardReaderError, OSError):
        return False
    except Exception:  # noqa: BLE001 - a device that is not a reader may fail any way
        return False
    finally:
        conn.close()


def find_reader(candidates: Iterable[str] | None = None) -> str:
    """The first port on which a reader answers, or ReaderNotFound."""
    ports = list(likely_ports() if candidates is None else candidates)
    for port in ports:
        if probe(port):
            return port
    tried = "、".join(ports) if ports else "没有找到串口"
    raise ReaderNotFound(f"已试过 {tried}")


class Ga467Source:
    """A GA 467 reader on ``port``, or on the first port that answers when ``port`` is None.
    The port stays open between reads (polling) and is opened again after an error."""

    def __init__(
        self,
        port: str | None = None,
        candidates: Callable[[], Iterable[str]] | None = None,
    ):
        self.port = port or None
        self._auto = self.port is None  # found by probing: probed again once it stops answering
        self._candidates = candidates
        self._conn = None

    @property
    def description(self) -> str:
        return f"串口读卡器 {self.port}" if self.port else "串口读卡器（自动查找端口）"

    def _open(self):
        if self._conn is None:
            if self.port is None:
                found = self._candidates() if self._candidates else None
                self.port = find_reader(found)
            self._conn = open_port(self.port)
        return self._conn

    def read_card(self, timeout: float = 3.0) -> CardData:
        conn = self._open()
        try:
            return read_card_from(conn, timeout)
        except ReaderNotFound:
            port = self.port
            self.close(forget_port=True)
            raise ReaderNotFound(f"端口 {port} 上的读卡器没有应答") from None
        except CardReaderError:
            raise
        except OSError as exc:  # the USB cable pulled mid-read
            port = self.port
            self.close(forget_port=True)
            raise ReaderNotFound(f"端口 {port}：{exc}") from None
        except Exception as exc:  # serial.SerialException is an OSError, others alike
            self.close()
            raise CardReadFailed(str(exc)) from None

    def close(self, forget_port: bool = False) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
        if forget_port and self._auto:
            self.port = None
