"""12345 hotline exports (转办件) → ticket dicts, and a Chinese reason for every row refused.

Exports come as CSV (UTF-8 with or without BOM, GBK/GB18030 from Excel on Chinese Windows,
comma- or tab-separated) or XLSX, often with a title row above the header and headers that
vary by city. Headers are matched by synonyms (``crawlers.hotline_columns``); unnamed columns
are recognised by content; anything left over is kept in ``extra``. A row we cannot take
exactly is refused and reported as ``第N行：原因``, N being the row number the spreadsheet shows.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any

from crawlers.extract.encoding import decode_bytes
from crawlers.hotline_columns import (
    DATE_FIELDS,
    FIELD_LABELS,
    HEADER_ALIASES,
    SCIENTIFIC_RE,
    clean_text,
    display_header,
    field_for_header,
    parse_export_datetime,
    parse_time_limit,
    plain,
    recognise_columns,
    ticket_number,
)

logger = logging.getLogger(__name__)

__all__ = ["HEADER_ALIASES", "HotlineExport", "HotlineFileError", "Rejection", "export_from_rows",
           "read_export", "read_tickets", "tickets_from_rows"]

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 100_000
HEADER_SCAN = 10
_TEXT_FIELDS = ("title", "content")
_SHORT_FIELDS = ("category", "status", "department", "area", "urgency", "caller", "phone")


class HotlineFileError(ValueError):
    """The file as a whole cannot be read (the message is for the person importing it)."""


@dataclass(frozen=True)
class Rejection:
    row: int
    reason: str

    def __str__(self) -> str:
        return f"第{self.row}行：{self.reason}"


@dataclass
class HotlineExport:
    tickets: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    header_row: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # our field → the export's header


def _blank(row: list[Any]) -> bool:
    return not any(plain(c) for c in row)


def _header_score(row: list[Any]) -> int:
    return sum(field_for_header(display_header(c)) is not None for c in row)


def _looks_like_header(row: list[Any]) -> bool:
    """A row of short labels (for a layout whose names we know none of)."""
    cells = [c for c in row if plain(c)]
    return len(cells) >= 3 and all(
        isinstance(c, str) and len(c.strip()) <= 20 and parse_export_datetime(c) is None
        and sum(ch.isdigit() for ch in c) <= 2 for c in cells)


def _find_header(rows: list[list[Any]]) -> int:
    """Index of the header: the top row naming the most known columns (at least two), else the
    first row of short labels (the columns are then recognised by their content)."""
    scores = [(_header_score(r), -i) for i, r in enumerate(rows[:HEADER_SCAN])]
    best = max(scores, default=(0, 0))
    if best[0] >= 2:
        return -best[1]
    for i, row in enumerate(rows[:HEADER_SCAN]):
        if _looks_like_header(row):
            return i
    raise HotlineFileError("未找到表头：前10行中没有可识别的列名（如 工单编号、诉求内容、转办时间）")


def _date_value(raw: Any, is_due: bool) -> tuple[str | None, tuple[int, str] | None]:
    """(ISO time, time limit) for a date cell; ValueError when it is neither."""
    parsed = parse_export_datetime(raw)
    if parsed is not None:
        moment, date_only = parsed
        if is_due and date_only:
            # "截止 2026年9月30日" runs to the close of that day, as working-day limits do.
            moment = datetime.combine(moment.date(), time(23, 59, 59), tzinfo=moment.tzinfo)
        return moment.isoformat(), None
    if is_due and (limit := parse_time_limit(clean_text(raw))):
        return None, limit
    raise ValueError(raw)


def _ticket(row: list[Any], names: list[str], fields: list[str | None], line_no: int,
            strict_width: bool) -> tuple[dict[str, Any], list[str]]:
    ticket: dict[str, Any] = {"extra": {}, "row": line_no}
    raw: dict[str, Any] = {}
    header_of: dict[str, str] = {}
    reasons: list[str] = []
    for i, value in enumerate(row):
        name, fld = (names[i], fields[i]) if i < len(names) else ("", None)
        if fld and fld not in raw:
            raw[fld], header_of[fld] = value, name or FIELD_LABELS.get(fld, fld)
        elif plain(value):
            if i >= len(names) and strict_width:
                reasons.append(f"本行有 {len(row)} 列，多于表头的 {len(names)} 列（内容中的逗号可能未加引号）")
                break
            ticket["extra"][name or f"第{i + 1}列"] = clean_text(value)
    number = ticket_number(raw.get("ticket_no"))
    if not number:
        reasons.insert(0, "缺少工单编号")
    elif isinstance(raw.get("ticket_no"), float) and abs(raw["ticket_no"]) >= 10**15:
        # Excel keeps 15 significant digits: a longer number in a number cell has been altered
        # (an exact integer in the file comes back as int and is taken as it is).
        reasons.insert(0, f"工单编号“{number}”在 Excel 中存成了数字，超过15位已失真；请把该列设为文本后重新导出")
    elif SCIENTIFIC_RE.match(number):
        reasons.insert(0, f"工单编号“{number}”已被 Excel 改成科学计数法，无法还原；请把该列设为文本后重新导出")
    elif len(number) > 100:
        reasons.insert(0, "工单编号超过100个字符")
    ticket["ticket_no"] = number
    for fld in _TEXT_FIELDS:
        ticket[fld] = clean_text(raw.get(fld))
    for fld in _SHORT_FIELDS:
        ticket[fld] = plain(raw.get(fld))
    for fld in DATE_FIELDS:
        ticket[fld] = None
        value = raw.get(fld)
        if not plain(value):
            continue
        try:
            ticket[fld], limit = _date_value(value, fld == "due_at")
        except ValueError:
            what = "不是有效日期或办理时限" if fld == "due_at" else "不是有效日期"
            reasons.append(f"{header_of[fld]}“{plain(value)}”{what}")
            continue
        if limit:
            ticket["due_at_text"], ticket["due_limit"] = clean_text(value), limit
    if not ticket["title"]:
        ticket["title"] = ticket["content"][:40]
    return ticket, reasons


def export_from_rows(rows: Iterable[list[Any]], *, strict_width: bool = False) -> HotlineExport:
    """Map raw rows (the header somewhere in the first ten) to tickets and rejections."""
    rows = [list(r) for r in rows]
    header_at = _find_header(rows)
    names = [display_header(c) for c in rows[header_at]]
    data = rows[header_at + 1 :]
    if sum(not _blank(r) for r in data) > MAX_ROWS:
        raise HotlineFileError(f"超过 {MAX_ROWS} 行上限，请分成多个文件导入")
    fields = recognise_columns(names, [field_for_header(n) for n in names], data)
    if "ticket_no" not in fields:
        raise HotlineFileError(f"未找到表头：第{header_at + 1}行的列名中没有工单编号列，"
                               "也没有一列看起来像工单编号")
    export = HotlineExport(header_row=header_at + 1,
                           columns={f: names[i] for i, f in enumerate(fields) if f})
    seen: dict[str, int] = {}
    for line_no, row in enumerate(data, start=header_at + 2):
        if _blank(row):
            continue  # blank lines and the empty rows Excel leaves at the end
        ticket, reasons = _ticket(row, names, fields, line_no, strict_width)
        number = ticket["ticket_no"]
        if not reasons and number in seen:
            reasons.append(f"工单编号“{number}”与第{seen[number]}行重复")
        if reasons:
            export.rejections.append(Rejection(line_no, "；".join(reasons)))
            logger.warning("hotline.row_rejected", extra={"row": line_no, "reasons": reasons})
            continue
        seen[number] = line_no
        export.tickets.append(ticket)
    return export


def tickets_from_rows(rows: Iterable[list[Any]]) -> Iterator[dict[str, Any]]:
    """The good tickets of raw rows (rejected rows are logged; see ``export_from_rows``)."""
    yield from export_from_rows(rows).tickets


def _capped(rows: Iterable[list[Any]]) -> list[list[Any]]:
    """Rows read so far, stopping early (memory) once there are surely too many."""
    kept: list[list[Any]] = []
    filled = 0
    for row in rows:
        kept.append(row)
        filled += not _blank(row)
        if filled > MAX_ROWS + HEADER_SCAN:
            raise HotlineFileError(f"超过 {MAX_ROWS} 行上限，请分成多个文件导入")
    return kept


def _rows_csv(data: bytes) -> list[list[Any]]:
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise HotlineFileError("不是 CSV 或 XLSX 表格（文件内容是二进制数据）")
    text, _ = decode_bytes(data)
    if text.count("\ufffd") > max(10, len(text) // 100):
        raise HotlineFileError("无法识别文件编码（不是 UTF-8 或 GBK 文本），请另存为 CSV UTF-8 或 XLSX")
    sample = text[:65536]
    best = max((",", "\t", ";", "|"), key=lambda d: _delimiter_score(sample, d))
    try:
        return _capped(list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=best))
    except csv.Error as exc:
        raise HotlineFileError(f"CSV 格式错误：{exc}") from exc


def _delimiter_score(sample: str, delimiter: str) -> tuple[int, int]:
    try:
        rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))[:HEADER_SCAN]
    except csv.Error:
        return (0, 0)
    return max(((_header_score(r), len(r)) for r in rows), default=(0, 0))


def _xlsx_value(cell: Any) -> Any:
    value = cell.value
    fmt = str(getattr(cell, "number_format", "") or "").lower()
    if isinstance(value, datetime) and value.time() == time() and "h" not in fmt:
        return value.date()  # a date cell: the day, not its midnight
    return value


def _rows_xlsx(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zip, XML and openpyxl errors alike: the file is not a workbook
        raise HotlineFileError(f"无法打开 Excel 文件（{type(exc).__name__}），文件可能已损坏") from exc
    try:
        for sheet in workbook.worksheets:
            rows = _capped([_xlsx_value(c) for c in row] for row in sheet.iter_rows(min_row=1))
            if any(_header_score(r) >= 2 for r in rows[:HEADER_SCAN]) or sheet is workbook.worksheets[-1]:
                return rows
        return []
    except HotlineFileError:
        raise
    except Exception as exc:
        raise HotlineFileError(f"读取 Excel 文件出错（{type(exc).__name__}），文件可能已损坏") from exc
    finally:
        workbook.close()


def read_export(path: str | Path) -> HotlineExport:
    """Read a 12345 export (CSV, TXT or XLSX, told apart by content, not by name).

    Raises ``HotlineFileError`` naming the file when it cannot be read at all.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise HotlineFileError(f"文件大小 {size / 1024 / 1024:.1f} MB，超过 {MAX_BYTES // 1024 // 1024} MB 上限")
        with path.open("rb") as fh:
            head = fh.read(8)
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise HotlineFileError("是旧版 Excel（.xls）或加密的工作簿，请另存为 .xlsx 或 CSV 后导入")
        if head.startswith(b"PK\x03\x04"):
            return export_from_rows(_rows_xlsx(path))
        return export_from_rows(_rows_csv(path.read_bytes()), strict_width=True)
    except HotlineFileError as exc:
        raise HotlineFileError(f"无法导入文件“{path}”：{exc}") from exc
    except OSError as exc:
        raise HotlineFileError(f"无法导入文件“{path}”：读取失败（{exc.strerror or exc}）") from exc


def read_tickets(path: str | Path) -> Iterator[dict[str, Any]]:
    """The good tickets of a 12345 export, as dicts with keys ``ticket_no, title, content,
    category, transferred_at, received_at, due_at, status, department, area, urgency, caller,
    phone, extra, row`` (times ISO 8601 with offset or None; ``due_at_text`` and ``due_limit``
    when the due column holds a time limit such as "3个工作日"). Rejected rows: ``read_export``.
    """
    yield from read_export(path).tickets
