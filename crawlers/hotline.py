"""12345 hotline exports (转办件) → ticket dicts.

Exports come as CSV (UTF-8 with or without BOM, or GBK from Excel on Chinese Windows) or
XLSX, often with a title row above the header and headers that vary by city. A header
alias table maps them to our fields; unknown columns are kept in ``extra``.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from crawlers.extract.dates import SHANGHAI, parse_datetime
from crawlers.extract.encoding import decode_bytes

logger = logging.getLogger(__name__)

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "ticket_no": ("工单编号", "工单号", "受理编号", "工单流水号", "编号", "流水号"),
    "title": ("工单标题", "诉求标题", "标题", "主题"),
    "content": ("诉求内容", "工单内容", "来电内容", "反映内容", "问题描述", "内容"),
    "category": ("诉求类型", "诉求分类", "问题分类", "工单类型", "业务类型", "分类", "类型"),
    "transferred_at": ("转办时间", "派单时间", "交办时间", "转派时间", "下派时间"),
    "received_at": ("受理时间", "来电时间", "登记时间", "创建时间"),
    "due_at": ("办理时限", "截止时间", "办结时限", "到期时间", "限办时间", "办理期限"),
    "status": ("办理状态", "工单状态", "处理状态", "状态"),
    "department": ("承办单位", "承办部门", "责任单位", "办理单位"),
    "area": ("所属区域", "区域", "所在区县", "区县"),
    "urgency": ("紧急程度", "缓急程度", "是否紧急"),
    "caller": ("来电人", "诉求人", "市民姓名", "姓名"),
}
_DATE_FIELDS = ("transferred_at", "received_at", "due_at")
_ALIAS_TO_FIELD = {alias: field for field, aliases in HEADER_ALIASES.items() for alias in aliases}


def _norm_header(cell: Any) -> str:
    return "".join(str(cell or "").split()).strip("*：:")


def _find_header(rows: list[list[Any]]) -> int:
    """Index of the header row: the first of the top rows naming at least two known columns."""
    for i, row in enumerate(rows[:10]):
        if sum(_norm_header(c) in _ALIAS_TO_FIELD for c in row) >= 2:
            return i
    raise ValueError("未找到表头：前10行中没有可识别的列名（如 工单编号、诉求内容）")


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    return value


def _to_iso(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
        return aware.isoformat()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=SHANGHAI).isoformat()
    parsed = parse_datetime(str(value))
    return parsed.isoformat() if parsed else None


def _rows_csv(data: bytes) -> list[list[Any]]:
    text, _ = decode_bytes(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def _rows_xlsx(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def tickets_from_rows(rows: Iterable[list[Any]]) -> Iterator[dict[str, Any]]:
    """Map raw rows (header somewhere in the first ten) to ticket dicts."""
    rows = list(rows)
    header_at = _find_header(rows)
    header = [_norm_header(c) for c in rows[header_at]]
    fields = [_ALIAS_TO_FIELD.get(h) for h in header]
    for line_no, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(_cell(c) not in (None, "") for c in row):
            continue  # blank lines and trailing empty rows from Excel
        ticket: dict[str, Any] = {"extra": {}, "row": line_no}
        for name, field, value in zip(header, fields, row):
            value = _cell(value)
            if field and field not in ticket:
                ticket[field] = value
            elif name and value not in (None, ""):
                ticket["extra"][name] = value if isinstance(value, (str, int, float)) else str(value)
        for field in _DATE_FIELDS:
            raw = ticket.get(field)
            ticket[field] = _to_iso(raw)
            if raw not in (None, "") and ticket[field] is None:
                # "3个工作日" is a time limit, not a date: keep it for the deadline rules.
                ticket[f"{field}_text"] = str(raw)
        for field in HEADER_ALIASES:
            ticket.setdefault(field, None if field in _DATE_FIELDS else "")
            if field not in _DATE_FIELDS and ticket[field] is None:
                ticket[field] = ""
        ticket["ticket_no"] = str(ticket["ticket_no"]).strip()
        if not ticket["ticket_no"]:
            logger.warning("hotline.row_without_ticket_no", extra={"row": line_no})
            continue
        if not ticket["title"]:
            ticket["title"] = str(ticket["content"])[:40]
        yield ticket


def read_tickets(path: str | Path) -> Iterator[dict[str, Any]]:
    """Parse a 12345 export (``.csv``, ``.txt`` or ``.xlsx``) into ticket dicts with keys
    ``ticket_no, title, content, category, transferred_at, received_at, due_at, status,
    department, area, urgency, caller, extra, row`` (dates as ISO 8601 with offset or None).
    """
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _rows_xlsx(path)
    else:
        rows = _rows_csv(path.read_bytes())
    yield from tickets_from_rows(rows)
