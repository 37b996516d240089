"""Chinese publish-time formats → timezone-aware datetimes.

Government and news pages write dates as ``2016-12-09 00:00``, ``2016/12/9``, ``2016年12月9日
10时30分``, ``发布时间：…``, ISO 8601, RFC 822 (feeds), Unix timestamps (WeChat ``var ct``) and
relative phrases (``3小时前``, ``昨天 10:20``). Naive values are local to the site: Asia/Shanghai.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_FULLWIDTH = str.maketrans("０１２３４５６７８９：／－．　", "0123456789:/-. ")
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9, "十": 10}

# year-month-day with -, /, . or 年月日; optional time with : or 时分秒.
_DATE_RE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})"
    # "2026-11-2x" is a broken date, not the 2nd; "2007年11月18号以前" bounds a range (an archive
    # link), it is nobody's publish date. ISO's "T" may follow.
    r"(?![\dA-SU-Za-z]|\s*号?\s*(?:以前|以后|之前|之后))"
    r"(?:\s*日)?"
    # 中国政府网 meta writes "2024-01-25-19:50:00": a dash may join the date to its time.
    r"(?:(?:[\sT]*|-)(?P<H>\d{1,2})\s*(?::|时|點|点)\s*(?P<M>\d{1,2})"
    r"(?:\s*(?::|分)\s*(?P<S>\d{1,2}))?"
    r"(?:\s*秒|\s*分)?(?:\.\d+)?"
    # An offset only follows a time; after a bare date "-19:50" would be read as UTC-19:50.
    r"(?P<tz>\s*(?:Z|[+-]\d{2}:?\d{2}))?)?"
)
# 新华网 splits its header date over spans: "<em>2024</em> <em>06</em>/13 19:30:21".
_YEAR_MD_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s+(?P<m>\d{1,2})/(?P<d>\d{1,2})"
    r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?(?P<tz>)"
)
_RELATIVE_RE = re.compile(r"(?P<n>\d+)\s*(?P<unit>秒|分钟|小时|天|周)前")
_DAYWORD_RE = re.compile(r"(?P<word>今天|昨天|前天)\s*(?:(?P<H>\d{1,2})[:时](?P<M>\d{1,2}))?")
_TIMESTAMP_RE = re.compile(r"^\s*(?P<ts>1\d{9})(?:\d{3})?\s*$")
_LABEL_RE = re.compile(
    r"(?:发布时间|发布日期|发表时间|发表日期|发稿时间|更新时间|發佈時間|發佈日期|發布時間|發表時間"
    r"|时间|日期|時間|Date)\s*[:：]?\s*"
)
_CN_YEAR_RE = re.compile(r"([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月"
                         r"([一二三四五六七八九十]{1,3})日")


def _cn_number(text: str) -> int:
    if len(text) == 4:  # 二〇一六 style year: digit by digit
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    if "十" in text:  # 十二 / 二十 / 二十九
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[text]


def _zone(tz: str | tzinfo | None) -> tzinfo:
    if tz is None:
        return SHANGHAI
    return ZoneInfo(tz) if isinstance(tz, str) else tz


# A publish time may run ahead of our clock by a little clock skew, never more: a later date
# is an event date, an expiry, a typo or the "today" widget of another time zone.
FUTURE_SLACK = timedelta(minutes=10)


def _plausible(value: datetime, now: datetime) -> bool:
    # Reject footer years ("1999-2024"), expiry dates and typos in the future.
    return datetime(1990, 1, 1, tzinfo=UTC) <= value <= now + FUTURE_SLACK


def _from_match(match: re.Match[str], zone: tzinfo) -> datetime | None:
    parts = {k: int(v) for k, v in match.groupdict().items() if v and k != "tz"}
    try:
        value = datetime(parts["y"], parts["m"], parts["d"], parts.get("H", 0),
                         parts.get("M", 0), parts.get("S", 0))
    except ValueError:
        return None
    tz_text = (match.group("tz") or "").strip()
    if tz_text:
        if tz_text == "Z":
            return value.replace(tzinfo=UTC)
        sign = 1 if tz_text[0] == "+" else -1
        digits = tz_text[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return value.replace(tzinfo=timezone(sign * offset))
    return value.replace(tzinfo=zone)


def parse_datetime(
    text: str | float | None, *, tz: str | tzinfo | None = None, now: datetime | None = None
) -> datetime | None:
    """Parse one date/time value; return an aware datetime or None.

    ``text`` may be a Unix timestamp (number or digit string), RFC 822, ISO 8601 or any of the
    Chinese formats above. Implausible dates (before 1990, more than two days ahead) give None.
    """
    if text is None or text == "":
        return None
    zone = _zone(tz)
    now = now or datetime.now(UTC)
    if isinstance(text, (int, float)):
        text = str(int(text))
    text = text.translate(_FULLWIDTH).strip()
    value: datetime | None = None
    if stamp := _TIMESTAMP_RE.match(text):
        value = datetime.fromtimestamp(int(stamp.group("ts")), tz=UTC).astimezone(zone)
    elif match := _DATE_RE.search(text) or _YEAR_MD_RE.search(text):
        value = _from_match(match, zone)
    elif match := _CN_YEAR_RE.search(text):
        try:
            value = datetime(*(_cn_number(g) for g in match.groups()), tzinfo=zone)
        except (KeyError, ValueError):
            value = None
    elif match := _RELATIVE_RE.search(text):
        unit = {"秒": "seconds", "分钟": "minutes", "小时": "hours", "天": "days", "周": "weeks"}
        value = now.astimezone(zone) - timedelta(**{unit[match["unit"]]: int(match["n"])})
    elif match := _DAYWORD_RE.search(text):
        back = {"今天": 0, "昨天": 1, "前天": 2}[match["word"]]
        day = now.astimezone(zone) - timedelta(days=back)
        value = day.replace(hour=int(match["H"] or 0), minute=int(match["M"] or 0), second=0,
                            microsecond=0)
    else:
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            value = None
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=zone)
    if value is None or not _plausible(value, now):
        return None
    return value


def find_publish_time(
    text: str, *, tz: str | tzinfo | None = None, now: datetime | None = None
) -> datetime | None:
    """Find the publish time in a page's text.

    A labelled date (``发布时间：…``) wins over the first bare date, which in turn is better
    than nothing; the text of the article header is where the caller should look first.
    """
    if not text:
        return None
    text = text.translate(_FULLWIDTH)
    for label in _LABEL_RE.finditer(text):
        value = parse_datetime(text[label.end() : label.end() + 40], tz=tz, now=now)
        if value is not None:
            return value
    for match in _DATE_RE.finditer(text):
        value = parse_datetime(match.group(0), tz=tz, now=now)
        if value is not None:
            return value
    return None


# "今天是2024年3月8日 星期五": the header widget shows the visitor's day, not the article's.
_TODAY_WIDGET_RE = re.compile(r"(?:今天是|今天|今日|当前日期|现在是)\s*[:：]?\s*$")


def iter_dates(
    text: str, *, tz: str | tzinfo | None = None, now: datetime | None = None
) -> list[tuple[int, datetime]]:
    """Every plausible absolute date in ``text`` as ``(offset, value)``, in page order.

    Dates announced as "today" (header widgets) are skipped: they are the visitor's day.
    """
    text = text.translate(_FULLWIDTH)
    found: dict[int, datetime] = {}
    for pattern in (_DATE_RE, _YEAR_MD_RE):
        for match in pattern.finditer(text):
            if any(start <= match.start() < start + 10 for start in found):
                continue
            if _TODAY_WIDGET_RE.search(text[max(0, match.start() - 8) : match.start()]):
                continue
            value = parse_datetime(match.group(0), tz=tz, now=now)
            if value is not None:
                found[match.start()] = value
    return sorted(found.items())


def labelled_date(
    text: str, *, tz: str | tzinfo | None = None, now: datetime | None = None
) -> datetime | None:
    """The first date announced by a label (``发布时间：``, ``發佈日期：``…) in ``text``."""
    text = text.translate(_FULLWIDTH)
    for label in _LABEL_RE.finditer(text):
        value = parse_datetime(text[label.end() : label.end() + 40], tz=tz, now=now)
        if value is not None:
            return value
    return None


# Dates CMSs put in article paths: /2024-03/05/c_…, /202403/t20240305_…, /art/2024/3/5/…,
# /n1/2024/0305/…, /2024/0305/…, /20240305/…, /2024/03/05/….
_URL_DATE_RES = (
    re.compile(r"[/_]t(?P<y>20\d{2})(?P<m>\d{2})(?P<d>\d{2})_\d+"),
    re.compile(r"/(?P<y>20\d{2})-(?P<m>\d{1,2})/(?P<d>\d{1,2})/"),
    re.compile(r"/(?P<y>20\d{2})-(?P<m>\d{2})-(?P<d>\d{2})/"),
    re.compile(r"/(?P<y>20\d{2})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/"),
    re.compile(r"/(?P<y>20\d{2})/?(?P<m>\d{2})(?P<d>\d{2})/"),
    re.compile(r"/(?P<y>20\d{2})(?P<m>\d{2})(?P<d>\d{2})(?:/|_\d)"),
    # 腾讯 /rain/a/20230917A05ABC00: the day then a letter-led article code.
    re.compile(r"/(?P<y>20\d{2})(?P<m>\d{2})(?P<d>\d{2})[A-Za-z]"),
)


def date_from_url(
    url: str, *, tz: str | tzinfo | None = None, now: datetime | None = None
) -> datetime | None:
    """The publish day a CMS wrote into the article's URL path (midnight local), or None."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    zone = _zone(tz)
    now = now or datetime.now(UTC)
    for pattern in _URL_DATE_RES:
        for match in pattern.finditer(path):
            try:
                value = datetime(int(match["y"]), int(match["m"]), int(match["d"]), tzinfo=zone)
            except ValueError:
                continue
            if _plausible(value, now):
                return value
    return None


# "09-17 20:05", "01月17日 11:02": app and portal headers drop the year of this year's items.
_YEARLESS_RE = re.compile(
    r"(?<![\d/.-])(?P<m>\d{1,2})(?:-|月)(?P<d>\d{1,2})日?\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?![\d:])"
)


def yearless_date(
    text: str, *, year_hint: datetime | None = None, tz: str | tzinfo | None = None,
    now: datetime | None = None,
) -> datetime | None:
    """The first month-day-time in ``text`` that has no year, given one.

    The year is the hint's (the URL's day, when it names the same month and day), else the
    latest year that does not put the date in the future.
    """
    match = _YEARLESS_RE.search(text.translate(_FULLWIDTH))
    if not match:
        return None
    zone = _zone(tz)
    now = (now or datetime.now(UTC)).astimezone(zone)
    parts = [int(match[k]) for k in ("m", "d", "H", "M")]
    years = [now.year, now.year - 1]
    if year_hint is not None and (year_hint.month, year_hint.day) == tuple(parts[:2]):
        years.insert(0, year_hint.year)
    for year in years:
        try:
            value = datetime(year, *parts, tzinfo=zone)
        except ValueError:
            continue
        if _plausible(value, now):
            return value
    return None


def to_iso(value: datetime | None) -> str | None:
    """ISO 8601 with offset, or None."""
    return value.isoformat() if value else None
