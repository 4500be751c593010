"""Reading the State Council's yearly 部分节假日安排 notice into calendar rows (pure).

The admin pastes the notice's text (``关于20XX年部分节假日安排的通知``); :func:`read_notice`
returns the holidays (放假, 放假调休, 补休) and the 调休 working weekends (上班) it gives, the
lines it could not read, and warnings: a weekday in the text that contradicts the date, a
"共N天" that disagrees with the days named, a 上班 day that is not a weekend.

Accepted (``../shared/HOLIDAYS.md``): ranges within or across months ("1月1日（周四）至3日
（周六）", "1月28日（农历除夕、周二）至2月4日（…）"), single days ("放假1天，不调休", "放假，与周末
连休", "放假，1月2日（星期一）补休"), several 上班 days joined by 、, two festivals on one line
("国庆节、中秋节："), full- or half-width punctuation, stray spaces and line breaks, and the
traditional characters of some reposts. The preamble and closing paragraphs are skipped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.models import DayKind

WORKDAY_NAME = "调休"  # what chinese_calendar's rows are called too

_TRADITIONAL = str.maketrans(
    {
        "節": "节",
        "調": "调",
        "補": "补",
        "勞": "劳",
        "動": "动",
        "國": "国",
        "慶": "庆",
        "週": "周",
        "與": "与",
        "連": "连",
        "農": "农",
        "曆": "历",
        "臘": "腊",
        "關": "关",
        "於": "于",
        "務": "务",
        "辦": "办",
        "聯": "联",
        "紀": "纪",
        "勝": "胜",
        "戰": "战",
        "陽": "阳",
        "後": "后",
        "實": "实",
        "個": "个",
        "體": "体",
        "號": "号",
        "廳": "厅",
        "發": "发",
    }
)

_FESTIVAL = r"(?:元旦|春节|清明节|劳动节|端午节|中秋节|国庆节|抗战胜利纪念日)"
_HEADER = re.compile(
    r"(?:[一二三四五六七八九十]{1,3}[、.]|\d{1,2}、)(?P<numbered>[^:。,;、]{1,12}(?:、[^:。,;、]{1,12})*?):"
    rf"|(?P<plain>{_FESTIVAL}(?:[、和与]{_FESTIVAL})*):"
)
_DATE = (
    r"(?:(?P<{p}y>\d{{4}})年)?(?P<{p}m>\d{{1,2}})月(?P<{p}d>\d{{1,2}})日"
    r"(?:\((?P<{p}b>[^)]*)\))?"
)
_RANGE = re.compile(
    _DATE.format(p="a")
    + r"(?:至|到|-|~)"
    + r"(?:(?:(?P<by>\d{4})年)?(?P<bm>\d{1,2})月)?(?P<bd>\d{1,2})日(?:\((?P<bb>[^)]*)\))?"
    + r"(?P<what>放假调休|放假|调休|休息)?(?:共?(?P<n>\d+)天)?$"
)
_SINGLE = re.compile(_DATE.format(p="a") + r"(?P<what>放假|补休|调休|休息)(?:共?(?P<n>\d+)天)?$")
_TOTAL = re.compile(r"^共(?P<n>\d+)天$")
_WORK = re.compile(r"^(?:(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:\([^)]*\))?[、和及]?)+(?:调休)?上班$")
_ALL_DATES = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日(?:\(([^)]*)\))?")
_MODIFIERS = {"不调休", "与周末连休", "与周末连休不调休", "放假调休", "不补休"}
_WEEKDAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")
_WEEKDAY_NUMBER = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_LABEL = "一二三四五六日"
_YEAR = re.compile(r"(\d{4})年(?:部分)?节假日(?:放假)?安排|关于(\d{4})年|现将(\d{4})年")
_STARTS_WITH_DATE = re.compile(r"^(?:\d{4}年)?\d{1,2}月\d{1,2}日")


@dataclass(frozen=True)
class NoticeRow:
    day: date
    kind: DayKind
    name: str


@dataclass
class NoticeReading:
    """What a pasted notice says: the rows, and what the admin must look at before saving."""

    year: int | None
    rows: list[NoticeRow] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # lines not understood (normalised)
    warnings: list[str] = field(default_factory=list)  # contradictions found in the text

    @property
    def holidays(self) -> dict[date, str]:
        return {r.day: r.name for r in self.rows if r.kind == DayKind.HOLIDAY}

    @property
    def workdays(self) -> set[date]:
        return {r.day for r in self.rows if r.kind == DayKind.WORKDAY}

    @property
    def clean(self) -> bool:
        return bool(self.rows) and not self.unread and not self.warnings


def normalise(text: str) -> str:
    """Half-width punctuation and digits, simplified characters, no whitespace."""
    text = unicodedata.normalize("NFKC", text).translate(_TRADITIONAL)
    text = text.replace("〔", "[").replace("〕", "]").replace("．", ".")
    return re.sub(r"\s+", "", text)


def notice_year(text: str) -> int | None:
    """The year the notice is about, from its heading ("关于2026年部分节假日安排的通知")."""
    m = _YEAR.search(normalise(text))
    if m is None:
        return None
    return int(next(g for g in m.groups() if g))


def _cn(d: date) -> str:
    return f"{d.month}月{d.day}日"


class _Reader:
    def __init__(self, year: int, reading: NoticeReading):
        self.year = year
        self.reading = reading
        self.seen: dict[date, DayKind] = {}
        self.weekdays_checked = 0
        self.weekdays_wrong = 0

    def day(self, y: str | None, m: str, d: str, bracket: str | None, where: str) -> date | None:
        try:
            found = date(int(y) if y else self.year, int(m), int(d))
        except ValueError:
            self.reading.warnings.append(f"“{where}”：{m}月{d}日 不是有效日期")
            return None
        self.check_weekday(found, bracket, where)
        return found

    def check_weekday(self, d: date, bracket: str | None, where: str) -> None:
        w = _WEEKDAY.search(bracket or "")
        self.weekdays_checked += bool(w)
        if w and _WEEKDAY_NUMBER[w.group(1)] != d.weekday():
            self.weekdays_wrong += 1
            self.reading.warnings.append(
                f"“{where}”：{_cn(d)} 写作周{w.group(1)}，"
                f"但{d.year}年{_cn(d)}是周{_WEEKDAY_LABEL[d.weekday()]}"
            )

    def add(self, d: date, kind: DayKind, name: str, where: str) -> None:
        if kind == DayKind.WORKDAY and d.weekday() < 5:
            self.reading.warnings.append(
                f"“{where}”：{_cn(d)} 是周{_WEEKDAY_LABEL[d.weekday()]}，本来就上班，未列入调休"
            )
            return
        before = self.seen.get(d)
        if before is not None:
            if before != kind:
                self.reading.warnings.append(
                    f"“{where}”：{_cn(d)} 既写作放假又写作上班，按先出现的{before.label}"
                )
            return
        self.seen[d] = kind
        self.reading.rows.append(NoticeRow(d, kind, name))

    def entry(self, name: str, body: str) -> None:
        """One festival's text: sentences while they start with a date."""
        sentences = [s for s in re.split(r"[。;]|\.(?!\d)", body) if s]
        if not sentences or not _STARTS_WITH_DATE.match(sentences[0]):
            self.reading.unread.append(f"{name}:{sentences[0] if sentences else ''}")
            return
        for i, sentence in enumerate(sentences):
            if not _STARTS_WITH_DATE.match(sentence):
                break  # the closing paragraph, or text that is not part of the arrangement
            if i > 0 and not re.search(r"放假|休|上班", sentence):
                break  # e.g. the signature's date
            if not self.sentence(name, sentence):
                self.reading.unread.append(f"{name}:{sentence}")

    def sentence(self, name: str, sentence: str) -> bool:
        where = f"{name}:{sentence}"
        days_off: list[date] = []
        workdays: list[date] = []
        total: int | None = None
        for clause in (c for c in re.split(r"[,，]", sentence) if c):
            if clause in _MODIFIERS:
                continue
            if m := _TOTAL.match(clause):
                total = int(m["n"])
            elif m := _RANGE.match(clause):
                first = self.day(m["ay"], m["am"], m["ad"], m["ab"], where)
                end_month = m["bm"] or m["am"]
                end_year = m["by"] or m["ay"]
                last = self.day(end_year, end_month, m["bd"], m["bb"], where)
                if first is None or last is None:
                    return True
                if not m["bm"] and last < first:  # "12月30日至2日": into the next month
                    last = self.day(
                        str(first.year + (first.month == 12)),
                        str(first.month % 12 + 1),
                        m["bd"],
                        None,
                        where,
                    )
                    if last is None:
                        return True
                if (last - first).days > 31:
                    return False
                d = first
                while d <= last:
                    days_off.append(d)
                    d += timedelta(days=1)
                if m["n"]:
                    total = int(m["n"])
            elif m := _SINGLE.match(clause):
                d = self.day(m["ay"], m["am"], m["ad"], m["ab"], where)
                if d is None:
                    return True
                days_off.append(d)
                if m["n"] and m["what"] == "放假":
                    total = int(m["n"])
            elif _WORK.match(clause):
                for y, mo, dd, b in _ALL_DATES.findall(clause):
                    d = self.day(y or None, mo, dd, b, where)
                    if d is not None:
                        workdays.append(d)
            else:
                return False
        if total is not None and days_off and total != len(days_off):
            self.reading.warnings.append(
                f"“{where}”：写的是共{total}天，但列出的放假日期是{len(days_off)}天"
                f"（{_cn(days_off[0])}至{_cn(days_off[-1])}），请核对原文"
            )
        for d in days_off:
            self.add(d, DayKind.HOLIDAY, name, where)
        for d in workdays:
            self.add(d, DayKind.WORKDAY, WORKDAY_NAME, where)
        return True


def read_notice(text: str, year: int | None = None) -> NoticeReading:
    """Read a pasted notice. ``year`` is used when the heading names none (a pasted excerpt);
    the heading's year wins otherwise."""
    flat = normalise(text)
    heading = notice_year(text)
    reading = NoticeReading(heading or year)
    if heading and year and heading != year:
        reading.warnings.append(
            f"通知标题是{heading}年，已按{heading}年读取，年份已改为{heading}（原来选的是{year}年）"
        )
    headers = list(_HEADER.finditer(flat))
    if reading.year is None:
        reading.unread.append(
            "没有找到通知的年份：请粘贴含标题“关于××××年部分节假日安排的通知”的全文"
        )
        return reading
    if not headers:
        reading.unread.append("没有找到“一、元旦：……”这样的安排条目")
        return reading
    reader = _Reader(reading.year, reading)
    for i, h in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(flat)
        name = (h["numbered"] or h["plain"]).replace("和", "、").replace("与", "、")
        reader.entry(name, flat[h.end() : end])
    reading.rows.sort(key=lambda r: r.day)
    if reader.weekdays_wrong >= 3 and reader.weekdays_wrong * 2 > reader.weekdays_checked:
        reading.warnings.insert(
            0,
            f"通知里的星期几大多与{reading.year}年的日期对不上：请核对年份"
            "（标题“关于××××年部分节假日安排的通知”）是否正确",
        )
    return reading
