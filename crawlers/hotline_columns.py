"""Columns of 12345 exports: header synonyms, columns recognised by their content, and the strict
value parsers an export needs (dates that may lie in the future, time limits like "3个工作日").

``crawlers.extract.dates.parse_datetime`` is for crawled publish times and rightly refuses the
future; a transfer or due time is often ahead of us, so exports get their own parser here.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from crawlers.extract.dates import SHANGHAI

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "ticket_no": ("工单编号", "工单编码", "工单号", "受理编号", "受理号", "受理单号", "工单流水号",
                  "诉求编号", "来电编号", "事项编号", "业务编号", "编号", "流水号", "单号"),
    "title": ("工单标题", "诉求标题", "诉求主题", "来电主题", "事项标题", "标题", "主题"),
    "content": ("诉求内容", "工单内容", "来电内容", "反映内容", "来电详情", "诉求详情", "诉求描述",
                "工单详情", "事项内容", "详细内容", "具体内容", "问题描述", "内容"),
    "category": ("诉求类型", "诉求分类", "诉求类别", "问题分类", "问题类型", "工单类型", "工单类别",
                 "工单性质", "诉求性质", "来电类别", "来电类型", "业务类型", "分类", "类型", "类别"),
    "transferred_at": ("转办时间", "转办日期", "派单时间", "派单日期", "派发时间", "下发时间",
                       "交办时间", "交办日期", "转派时间", "下派时间", "分派时间", "派遣时间"),
    "received_at": ("受理时间", "受理日期", "来电时间", "来电日期", "登记时间", "登记日期", "创建时间",
                    "诉求时间"),
    "due_at": ("办理时限", "要求办结时间", "办结期限", "办结时限", "截止时间", "截止日期", "到期时间",
               "限办时间", "限办日期", "办理期限", "要求完成时间", "处理时限"),
    "status": ("办理状态", "工单状态", "处理状态", "办结状态", "当前状态", "状态"),
    "department": ("承办单位", "承办部门", "责任单位", "责任部门", "办理单位", "主办单位", "处置单位"),
    "area": ("所属区域", "所属区县", "所属地区", "所在区县", "行政区划", "区域", "区县"),
    "urgency": ("紧急程度", "缓急程度", "是否紧急", "紧急度", "缓急"),
    "caller": ("来电人", "来电人姓名", "诉求人", "诉求人姓名", "市民姓名", "反映人", "联系人", "姓名"),
    "phone": ("联系电话", "来电号码", "来电电话", "诉求人电话", "手机号码", "联系方式", "电话"),
}
DATE_FIELDS = ("transferred_at", "received_at", "due_at")
FIELD_LABELS = {"ticket_no": "工单编号", "content": "诉求内容", "transferred_at": "转办时间",
                "received_at": "受理时间", "due_at": "办理时限"}
ALIAS_TO_FIELD = {alias: f for f, aliases in HEADER_ALIASES.items() for alias in aliases}
# Longest first, so "来电人电话" ends in 电话 (phone), not in a shorter unrelated alias.
_SUFFIXES = sorted(ALIAS_TO_FIELD, key=len, reverse=True)
_BRACKETS_RE = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")


def display_header(cell: Any) -> str:
    """The header as a person reads it, without spaces, required-field stars and colons."""
    return "".join(unicodedata.normalize("NFKC", str(cell or "")).split()).strip("*：:")


def field_for_header(name: str) -> str | None:
    """Our field for a header: exact synonym, then without a bracketed note, then by its ending
    ("工单转办时间" is a 转办时间). Long text is a title or a value, never a header."""
    if not name or len(name) > 12:
        return None
    for candidate in (name, _BRACKETS_RE.sub("", name)):
        if candidate in ALIAS_TO_FIELD:
            return ALIAS_TO_FIELD[candidate]
    return next((ALIAS_TO_FIELD[a] for a in _SUFFIXES if len(a) >= 2 and name.endswith(a)), None)


# ---- values ---------------------------------------------------------------------------------

def clean_text(value: Any) -> str:
    """A text cell without Excel's line endings and stray edge whitespace (meaning unchanged)."""
    if value is None:
        return ""
    text = plain(value) if not isinstance(value, str) else value
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ").split("\n")
    return "\n".join(line.strip() for line in lines).strip()


def plain(value: Any) -> str:
    """A cell as a short string: 2026093000123.0 → "2026093000123", datetimes without offset noise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())


_TRAILING_ZERO_RE = re.compile(r"^(\d+)\.0+$")


def ticket_number(value: Any) -> str:
    """A ticket number however the export spells it: XLSX numbers, "…123.0", full-width digits."""
    text = "".join(unicodedata.normalize("NFKC", plain(value)).split())
    return _TRAILING_ZERO_RE.sub(r"\1", text)


SCIENTIFIC_RE = re.compile(r"^\d(?:\.\d+)?E\+\d+$", re.IGNORECASE)
_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*T?\s*(?P<H>\d{1,2})\s*[:时点]\s*(?P<M>\d{1,2})"
    r"(?:\s*[:分]\s*(?P<S>\d{1,2})(?:\.\d+)?)?\s*[分秒]?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?$"
)
_COMPACT_RE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?$")
_SERIAL_RE = re.compile(r"^\d{5}(?:\.\d+)?$")
_EXCEL_EPOCH = datetime(1899, 12, 30)
# Excel serials from 1954 to 2119: a bare number outside this is not a date.
_SERIAL_RANGE = (20000, 80000)


def _round_second(value: datetime) -> datetime:
    # Excel stores times as fractions of a day: 16:00 comes back as 15:59:59.999998.
    if value.microsecond >= 500_000:
        value += timedelta(seconds=1)
    return value.replace(microsecond=0)


def _aware(value: datetime) -> datetime:
    value = value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value.astimezone(SHANGHAI)
    return _round_second(value)


def _serial(number: float) -> datetime | None:
    if not _SERIAL_RANGE[0] <= number <= _SERIAL_RANGE[1]:
        return None
    return _aware(_EXCEL_EPOCH + timedelta(days=number))


def parse_export_datetime(value: Any, *, loose: bool = True) -> tuple[datetime, bool] | None:
    """``(aware datetime in Asia/Shanghai, date_only)`` for one export cell, or None.

    Strict: the whole cell must be one date (or date and time) that exists on the calendar;
    the future is fine. ``loose=False`` drops the forms a ticket number or a count could take
    (20260930160000, Excel serials), for guessing what an unnamed column holds.
    """
    if isinstance(value, datetime):
        return _aware(value), False
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=SHANGHAI), True
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return (parsed, False) if loose and (parsed := _serial(float(value))) else None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _DATE_RE.match(text) or (_COMPACT_RE.match(text) if loose else None)
    if match is None:
        if loose and _SERIAL_RE.match(text) and (parsed := _serial(float(text))):
            return parsed, False
        return None
    parts = {k: int(v) for k, v in match.groupdict().items() if v and k != "tz"}
    if not 1990 <= parts["y"] <= 2100:
        return None
    try:
        moment = datetime(parts["y"], parts["m"], parts["d"], parts.get("H", 0), parts.get("M", 0),
                          parts.get("S", 0))
    except ValueError:
        return None
    tz_text = match.groupdict().get("tz")
    if tz_text:
        offset = timedelta(0) if tz_text == "Z" else timedelta(
            hours=int(tz_text[1:3]), minutes=int(tz_text[-2:])) * (1 if tz_text[0] == "+" else -1)
        moment = moment.replace(tzinfo=timezone(offset))
    return _aware(moment), "H" not in parts


_CN_NUM = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
           "九": 9}
_LIMIT_RE = re.compile(
    r"^(?:限|须|需|要求|应)?\s*(?P<n>\d+|[零一二两三四五六七八九十]+)\s*个?\s*"
    r"(?P<unit>工作日|自然日|日历日|天|日|小时|h)\s*(?:内|以内|之内)?\s*(?:办结|完成|答复|回复|办理)?$",
    re.IGNORECASE,
)
LIMIT_UNITS = {"工作日": "workdays", "自然日": "days", "日历日": "days", "天": "days", "日": "days",
               "小时": "hours", "h": "hours"}


def _cn_int(text: str) -> int:
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_NUM[tens] if tens else 1) * 10 + (_CN_NUM[ones] if ones else 0)
    return _CN_NUM[text]


def parse_time_limit(value: Any) -> tuple[int, str] | None:
    """``(amount, unit)`` for a time limit written as text ("3个工作日", "5天", "24小时"), unit one of
    workdays, days, hours; None when the cell is not a time limit."""
    if not isinstance(value, str):
        return None
    match = _LIMIT_RE.match(unicodedata.normalize("NFKC", value).strip())
    if not match:
        return None
    try:
        amount = _cn_int(match["n"])
    except KeyError:
        return None
    return (amount, LIMIT_UNITS[match["unit"].lower()]) if amount > 0 else None


def same_value(old: Any, new: Any) -> bool:
    """Whether two cells say the same thing (2026/9/30 16:00 and a datetime; 2 and "2")."""
    if plain(old) == plain(new):
        return True
    a, b = parse_export_datetime(old, loose=False), parse_export_datetime(new, loose=False)
    return a is not None and b is not None and a == b


# ---- recognising unnamed columns by content ------------------------------------------------

_TICKET_RE = re.compile(r"^[A-Za-z]{0,8}[-_]?\d[\dA-Za-z_-]{7,39}$")
_PHONE_RE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
_DUE_HINTS = ("时限", "期限", "截止", "到期", "限办", "要求", "承诺")
_RECEIVED_HINTS = ("受理", "来电", "登记", "创建", "接听")
_TRANSFER_HINTS = ("转", "派", "交办", "下发", "分办")
_DONE_WORDS = ("办结", "完成", "签收", "回访", "反馈", "答复", "回复", "评价")


def _looks_like_ticket(value: Any) -> bool:
    text = ticket_number(value)
    return (bool(_TICKET_RE.match(text)) and sum(c.isdigit() for c in text) >= 6
            and not _PHONE_RE.match(text) and parse_export_datetime(text, loose=False) is None)


def _share(values: list[Any], test: Callable[[Any], Any]) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def recognise_columns(names: list[str], fields: list[str | None],
                      rows: list[list[Any]]) -> list[str | None]:
    """Give fields the headers did not name to unknown columns whose cells look the part."""
    fields = list(fields)
    sample = [r for r in rows[:2000] if any(plain(c) for c in r)]
    columns: dict[int, list[Any]] = {}
    for i, field in enumerate(fields):
        if field is None:
            values = [r[i] for r in sample if i < len(r) and plain(r[i])]
            if values:
                columns[i] = values
    missing = {f for f in HEADER_ALIASES if f not in fields}
    if "ticket_no" in missing:
        for i, values in columns.items():
            filled = len(values) >= 0.8 * len(sample)
            unique = len({ticket_number(v) for v in values}) == len(values)
            if filled and unique and _share(values, _looks_like_ticket) >= 0.95:
                fields[i] = "ticket_no"
                del columns[i]
                break
    if "content" in missing:
        texts = {i: statistics.mean(len(plain(v)) for v in vs) for i, vs in columns.items()
                 if _share(vs, lambda v: len(_CJK_RE.findall(plain(v))) >= 0.5 * len(plain(v))) >= 0.9}
        best = max((i for i in texts if texts[i] >= 20), key=texts.get, default=None)
        if best is not None:
            fields[best] = "content"
            del columns[best]
    _recognise_dates(names, fields, columns, missing)
    return fields


def _recognise_dates(names: list[str], fields: list[str | None], columns: dict[int, list[Any]],
                     missing: set[str]) -> None:
    dated: dict[int, float] = {}
    for i, values in columns.items():
        if any(w in names[i] for w in _DONE_WORDS) and not any(h in names[i] for h in _DUE_HINTS):
            continue  # 办结时间, 签收时间: when something happened, not when the ticket is due
        parsed = [parse_export_datetime(v, loose=False) for v in values]
        if _share(parsed, lambda p: p is not None) >= 0.9:
            dated[i] = statistics.median(p[0].timestamp() for p in parsed if p)
        elif "due_at" in missing and _share(values, parse_time_limit) >= 0.9:
            fields[i], missing = "due_at", missing - {"due_at"}
    free = [f for f in DATE_FIELDS if f in missing]
    for hints, field in ((_DUE_HINTS, "due_at"), (_RECEIVED_HINTS, "received_at"),
                         (_TRANSFER_HINTS, "transferred_at")):
        hinted = next((i for i in sorted(dated) if any(h in names[i] for h in hints)), None)
        if field in free and hinted is not None:
            fields[hinted] = field
            free.remove(field)
            del dated[hinted]
    # By order: the earliest time in a row is when the ticket came, a later one when it is due.
    order = sorted(dated, key=dated.get)
    if "due_at" in free and len(order) >= 2:
        fields[order.pop()] = "due_at"
        free.remove("due_at")
    if len(order) >= 2 and {"received_at", "transferred_at"} <= set(free):
        fields[order.pop(0)] = "received_at"
        free.remove("received_at")
    for field in ("transferred_at", "received_at"):
        if field in free and order:
            fields[order.pop(0)] = field
