"""Which ID card reader this terminal uses, kept with the terminal's other settings
(terminal.json, see app/services/data/terminal_config.py), not in the database: each window
has its own reader on its own port.

Kinds: ``auto`` (try the likely serial ports at 115200 baud), ``serial`` (a GA 467 reader on
a named port), ``library`` (a vendor library file), ``off`` (no reader: the 读卡 button says
so). A keyboard-wedge reader needs none of them: it types into the form.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from app.core.errors import ValidationError
from app.db import terminal_config_path
from app.services.idcard.card import IdCardSource, ReaderNotFound
from app.services.validation import halfwidth

KEY = "card_reader"
KINDS = {
    "auto": "串口读卡器，自动查找端口",
    "serial": "串口读卡器，指定端口",
    "library": "厂家动态库（termb.dll / sdtapi.dll / libtermb.so）",
    "off": "不用读卡器（或键盘式读卡器）",
}


@dataclass(frozen=True)
class ReaderSettings:
    kind: str = "auto"
    port: str = ""  # serial: /dev/ttyUSB0, COM3; library: its port number (empty: try them)
    library: str = ""
    poll: bool = False  # 放卡即读: read by itself while the intake form is open

    def describe(self) -> str:
        if self.kind == "serial":
            return f"串口读卡器 {self.port}"
        if self.kind == "library":
            return f"厂家动态库 {self.library}"
        return KINDS.get(self.kind, self.kind)


def load_reader_settings() -> ReaderSettings:
    """This terminal's reader settings (defaults when none are saved or the file is unreadable:
    a reader setting is never a reason not to start)."""
    try:
        data = json.loads(terminal_config_path().read_text(encoding="utf-8"))
        saved = data.get(KEY) if isinstance(data, dict) else None
    except (OSError, ValueError):
        saved = None
    if not isinstance(saved, dict):
        return ReaderSettings()
    kind = saved.get("kind") if saved.get("kind") in KINDS else "auto"
    return ReaderSettings(
        kind=kind,
        port=str(saved.get("port") or ""),
        library=str(saved.get("library") or ""),
        poll=bool(saved.get("poll")),
    )


def check_reader_settings(settings: ReaderSettings) -> ReaderSettings:
    """Settings that can be used, or a ValidationError naming what to fill in."""
    port = settings.port.strip()
    if settings.kind == "library":  # １００１ typed in full width is 1001; ١٠ is not a port
        port = halfwidth(port)
    s = ReaderSettings(settings.kind, port, settings.library.strip(), settings.poll)
    if s.kind not in KINDS:
        raise ValidationError({"kind": "请选择读卡器类型"})
    if s.kind == "serial" and not s.port:
        raise ValidationError({"port": "请填写读卡器的串口，如 /dev/ttyUSB0 或 COM3"})
    if s.kind == "library":
        if not s.library:
            raise ValidationError({"library": "请选择厂家提供的读卡器动态库文件"})
        if s.port and not (s.port.isascii() and s.port.isdigit()):
            raise ValidationError(
                {"port": "动态库的端口是数字（USB 1001–1016，串口 1–16），可不填"}
            )
    return s


def save_reader_settings(settings: ReaderSettings) -> ReaderSettings:
    from app.services.data.terminal_config import save_terminal_value

    s = check_reader_settings(settings)
    save_terminal_value(KEY, asdict(s))
    return s


def open_source(settings: ReaderSettings | None = None) -> IdCardSource:
    """The reader the settings name. ``off``: ReaderNotFound at once."""
    s = settings or load_reader_settings()
    if s.kind == "off":
        raise ReaderNotFound("本终端设置为不用读卡器")
    if s.kind == "library":
        from app.services.idcard.vendor import VendorLibrarySource

        port = halfwidth(s.port)  # (terminal.json may be edited by hand)
        number = int(port) if port.isascii() and port.isdigit() else None
        return VendorLibrarySource(s.library, number)
    from app.services.idcard.ga467 import Ga467Source

    return Ga467Source(s.port if s.kind == "serial" else None)
