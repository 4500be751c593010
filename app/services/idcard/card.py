"""What the card says (``CardData``), how its 256 bytes of text are laid out, and the checks on
it. No Qt, no database: a reader's answer is plain data until the clerk registers the visit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from app.core import clock
from app.core.errors import ServiceError, ValidationError
from app.services.validation import ETHNICITIES, id_number_info, mask_id_number, validate_id_number

TEXT_SIZE = 256
PHOTO_SIZE = 1024
# The text's fixed fields, in bytes of UCS-2LE (GA 467): name, sex, nation, birth date,
# address, ID number, issuing authority, validity start and end, then 36 bytes reserved.
FIELDS: tuple[tuple[str, int], ...] = (
    ("name", 30),
    ("sex", 2),
    ("nation", 4),
    ("birth", 16),
    ("address", 70),
    ("id_number", 36),
    ("authority", 30),
    ("valid_from", 16),
    ("valid_until", 16),
    ("reserved", 36),
)
assert sum(n for _k, n in FIELDS) == TEXT_SIZE

# GB/T 2261.1 人的性别代码.
SEXES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}
# GB/T 3304 民族代码: 01 汉族 … 56 基诺族; 97 其他, 98 外国血统中国籍人士.
NATIONS = {f"{i:02d}": name for i, name in enumerate(ETHNICITIES, start=1)}
NATIONS.update({"97": "其他", "98": "外国血统中国籍人士"})
LONG_TERM = "长期"


class CardReaderError(ServiceError):
    """A read that gave no card: one Chinese line for the clerk; the form stays as it was."""


class ReaderNotFound(CardReaderError):
    def __init__(self, detail: str = ""):
        super().__init__("未检测到读卡器，请手工录入" + (f"（{detail}）" if detail else ""))


class NoCard(CardReaderError):
    def __init__(self):
        super().__init__("请放卡：读卡器上没有身份证（已读过的证请拿起后重新放上）")


class CardReadFailed(CardReaderError):
    def __init__(self, reason: str):
        super().__init__(f"读卡失败：{reason}。请重新放卡，或手工录入")
        self.reason = reason


@dataclass(frozen=True)
class CardData:
    """The card's fields as printed on it. Dates are None when the card holds none (长期)."""

    name: str
    sex: str  # 男 / 女 (GB/T 2261.1)
    nation: str  # 汉族 … (GB/T 3304)
    birth: date | None
    address: str
    id_number: str
    authority: str
    valid_from: date | None
    valid_until: date | None  # None: 长期
    photo: bytes = field(default=b"", repr=False)  # WLT-compressed, as the card holds it

    def validity_text(self) -> str:
        start = self.valid_from.strftime("%Y.%m.%d") if self.valid_from else ""
        end = self.valid_until.strftime("%Y.%m.%d") if self.valid_until else LONG_TERM
        return f"{start}-{end}"

    def lines(self, show_id: bool = False) -> list[tuple[str, str]]:
        """(label, value) for printing: the ID number masked unless ``show_id``."""
        return [
            ("姓名", self.name),
            ("性别", self.sex),
            ("民族", self.nation),
            ("出生", self.birth.isoformat() if self.birth else ""),
            ("住址", self.address),
            ("公民身份号码", self.id_number if show_id else mask_id_number(self.id_number)),
            ("签发机关", self.authority),
            ("有效期限", self.validity_text()),
            ("照片", f"{len(self.photo)} 字节" if self.photo else "无"),
        ]


class IdCardSource(Protocol):
    """A reader. ``read_card`` returns the card on it or raises a CardReaderError
    (ReaderNotFound, NoCard, CardReadFailed); it may block for up to ``timeout`` seconds, so
    the window calls it off the GUI thread."""

    description: str

    def read_card(self, timeout: float = 3.0) -> CardData: ...

    def close(self) -> None: ...


def _date(text: str, what: str) -> date | None:
    if not text or text == LONG_TERM:
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise CardReadFailed(f"卡上的{what}“{text}”不是日期") from None


def parse_text(raw: bytes, photo: bytes = b"") -> CardData:
    """The 256 bytes of card text (UCS-2LE, fixed fields, padded with spaces).

    A character outside the BMP (𠮷, 𠈌) is a surrogate pair inside its field and decodes to
    the one real character; an unpaired half is a damaged read, not a name."""
    if len(raw) < TEXT_SIZE:
        raise CardReadFailed(f"卡内文字不全（{len(raw)}/{TEXT_SIZE} 字节）")
    values: dict[str, str] = {}
    at = 0
    for key, size in FIELDS:
        chunk = raw[at : at + size]
        at += size
        try:
            values[key] = chunk.decode("utf-16-le").replace("\x00", "").strip()
        except UnicodeDecodeError:
            raise CardReadFailed("卡内文字无法识别") from None
    sex = SEXES.get(values["sex"])
    if sex is None:
        raise CardReadFailed(f"性别代码“{values['sex']}”不认识")
    nation = NATIONS.get(values["nation"])
    if nation is None:
        raise CardReadFailed(f"民族代码“{values['nation']}”不认识")
    return CardData(
        name=values["name"],
        sex=sex,
        nation=nation,
        birth=_date(values["birth"], "出生日期"),
        address=values["address"],
        id_number=values["id_number"].upper(),
        authority=values["authority"],
        valid_from=_date(values["valid_from"], "有效期起始日期"),
        valid_until=_date(values["valid_until"], "有效期截止日期"),
        photo=bytes(photo),
    )


def encode_text(card: CardData) -> bytes:
    """The 256 bytes a card holds for ``card`` (for the simulator and the fake library)."""
    sex_code = next(k for k, v in SEXES.items() if v == card.sex)
    nation_code = next(k for k, v in NATIONS.items() if v == card.nation)
    values = {
        "name": card.name,
        "sex": sex_code,
        "nation": nation_code,
        "birth": card.birth.strftime("%Y%m%d") if card.birth else "",
        "address": card.address,
        "id_number": card.id_number,
        "authority": card.authority,
        "valid_from": card.valid_from.strftime("%Y%m%d") if card.valid_from else "",
        "valid_until": card.valid_until.strftime("%Y%m%d") if card.valid_until else LONG_TERM,
        "reserved": "",
    }
    out = b""
    for key, size in FIELDS:
        data = values[key].encode("utf-16-le")[:size]
        out += data + " ".encode("utf-16-le") * ((size - len(data)) // 2)
    return out


def card_warnings(card: CardData, today: date | None = None) -> list[str]:
    """What the clerk should look at: an ID number failing GB 11643, sex or birth date not
    agreeing with it, an expired card. None of them refuses the visit."""
    today = today or clock.today()
    found: list[str] = []
    try:
        number = validate_id_number(card.id_number, today=today)
    except ValidationError as err:
        found.append("卡上的" + next(iter(err.fields.values())) + "，请核对证件")
    else:
        born, sex = id_number_info(number)
        if card.sex in ("男", "女") and card.sex != sex:
            found.append(f"卡上的性别“{card.sex}”与身份证号（{sex}）不符，请核对证件")
        if card.birth is not None and card.birth != born:
            found.append(
                f"卡上的出生日期 {card.birth.isoformat()} 与身份证号（{born.isoformat()}）不符，"
                "请核对证件"
            )
    if card.valid_until is not None and card.valid_until < today:
        found.append(
            f"身份证已过期（有效期至 {card.valid_until.isoformat()}），请提醒群众换领；"
            "本次来访照常登记"
        )
    return found
