"""Readers that come with a vendor library: ``termb.dll`` / ``sdtapi.dll`` on Windows,
``libtermb.so`` on UOS and Kylin. The admin names the library file (系统设置 → 本终端设备);
it is loaded with ctypes. These libraries share one shape: ``InitComm(port)`` opens the
reader (1001–1016 USB, 1–16 serial), ``Authenticate()`` finds and selects the card,
``Read_Content(1)`` reads it and writes the card's 256 bytes of text to ``wz.txt`` (the GA 467
layout) and its photo to ``zp.wlt``, in the working folder or the library's own;
``CloseComm()`` closes. Some put ``CVR_`` or ``SDT_`` before the names; both are tried.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import threading
from pathlib import Path

from app.services.idcard.card import CardData, CardReadFailed, NoCard, ReaderNotFound, parse_text

PREFIXES = ("", "CVR_", "SDT_")
USB_PORTS = tuple(range(1001, 1017))
SERIAL_PORTS = tuple(range(1, 17))
TEXT_FILES = ("wz.txt", "WZ.txt", "wz.bin")
PHOTO_FILES = ("zp.wlt", "ZP.wlt", "xp.wlt")
# A library is not known to be thread-safe: one call at a time, in the whole program.
_LOCK = threading.Lock()


def default_library_names() -> tuple[str, ...]:
    if sys.platform == "win32":
        return ("termb.dll", "sdtapi.dll")
    return ("libtermb.so",)


def _load(path: str):
    loader = getattr(ctypes, "WinDLL", None) if path.lower().endswith(".dll") else None
    try:
        return (loader or ctypes.CDLL)(path)
    except OSError as exc:
        raise ReaderNotFound(f"读卡器动态库 {path} 加载不了：{exc}") from None


def _function(lib, name: str, path: str):
    for prefix in PREFIXES:
        fn = getattr(lib, prefix + name, None)
        if fn is not None:
            fn.restype = ctypes.c_int
            return fn
    raise ReaderNotFound(f"读卡器动态库 {path} 中没有 {name} 函数，请确认选对了厂家提供的库文件")


class VendorLibrarySource:
    """A reader behind the vendor library at ``path``; ``port`` the library's port number
    (None: the USB ports 1001–1016, then serial 1–16, until one opens)."""

    def __init__(self, path: str, port: int | None = None):
        self.path = str(path)
        self.port = port
        self._lib = None
        self._open_port: int | None = None

    @property
    def description(self) -> str:
        return f"厂家动态库 {Path(self.path).name}"

    def _functions(self):
        if self._lib is None:
            if not Path(self.path).exists() and os.sep in self.path:
                raise ReaderNotFound(f"找不到读卡器动态库 {self.path}")
            self._lib = _load(self.path)
        lib = self._lib
        return (
            _function(lib, "InitComm", self.path),
            _function(lib, "Authenticate", self.path),
            _function(lib, "Read_Content", self.path),
            getattr(lib, "CloseComm", None) or getattr(lib, "CVR_CloseComm", None),
        )

    def _init(self, init_comm) -> None:
        if self._open_port is not None:
            return
        ports = (self.port,) if self.port else USB_PORTS + SERIAL_PORTS
        for port in ports:
            if init_comm(ctypes.c_int(port)) == 1:
                self._open_port = port
                return
        raise ReaderNotFound("动态库找不到读卡器（端口 " + ("、".join(map(str, ports))) + "）")

    def _folders(self) -> list[Path]:
        return list(dict.fromkeys([Path.cwd(), Path(self.path).resolve().parent]))

    def _files(self, names: tuple[str, ...]) -> dict[Path, tuple[float, int]]:
        """The output files there are now, with their time and size."""
        return {
            f: (st.st_mtime_ns, st.st_size)
            for d in self._folders()
            for n in names
            if (f := d / n).is_file() and (st := f.stat())
        }

    def _written(self, names: tuple[str, ...], before: dict) -> Path | None:
        """The output file the library wrote during the read: new, or changed since."""
        after = self._files(names)
        fresh = [f for f, seen in after.items() if before.get(f) != seen]
        return max(fresh, key=lambda f: after[f][0], default=None)

    def _clear(self, names: tuple[str, ...]) -> None:
        """The last card's files go before a read: never the previous visitor's text again."""
        for f in self._files(names):
            with contextlib.suppress(OSError):
                f.unlink()

    def read_card(self, timeout: float = 3.0) -> CardData:
        with _LOCK:
            init_comm, authenticate, read_content, _close = self._functions()
            self._init(init_comm)
            if authenticate() != 1:
                raise NoCard()
            self._clear(TEXT_FILES + PHOTO_FILES)
            before = self._files(TEXT_FILES + PHOTO_FILES)  # left: files it may not remove
            result = read_content(ctypes.c_int(1))
            if result != 1:
                raise CardReadFailed(f"动态库读证失败（返回 {result}）")
            text_file = self._written(TEXT_FILES, before)
            if text_file is None:
                raise CardReadFailed("动态库没有写出证件内容文件 wz.txt")
            photo_file = self._written(PHOTO_FILES, before)
            try:
                text = text_file.read_bytes()
                photo = photo_file.read_bytes() if photo_file else b""
            except OSError as exc:
                raise CardReadFailed(f"读不出 {text_file}：{exc}") from None
            return parse_text(text, photo)

    def close(self) -> None:
        if self._lib is not None and self._open_port is not None:
            with _LOCK:
                close = getattr(self._lib, "CloseComm", None) or getattr(
                    self._lib, "CVR_CloseComm", None
                )
                if close is not None:
                    close()
                self._open_port = None
