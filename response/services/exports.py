"""Excel files from the web UI: the queue, a case list and the statistics, with the filters applied.

Each workbook opens with a 筛选条件 sheet saying what was exported, by whom and when, so a file
forwarded or filed alone still says which slice of the data it holds. The case and statistics
tables are the same as `yuqing cases export` / `yuqing stats` write (their column and table
builders are reused, not copied), so the UI and the command never disagree.
"""
from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from response.management.commands import cases as cases_command
from response.management.commands import stats as stats_command
from response.models import Mention

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The queue export stops here: a larger slice is a job for `yuqing mentions`/the statistics.
QUEUE_EXPORT_LIMIT = 5000
QUEUE_HEADER = ["条目ID", "紧急度", "级别", "标题", "情感", "来源", "来源类型", "转载网站数", "建议科室",
                "命中方案", "研判状态", "采集时间", "发布时间", "原文地址", "条目页面"]
BOLD = Font(bold=True)


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _filters_sheet(book: Workbook, title: str, filters: list[tuple[str, str]], who: str) -> None:
    sheet = book.active
    sheet.title = "筛选条件"
    sheet.append([title])
    sheet["A1"].font = BOLD
    sheet.append(["导出时间", _local(timezone.now())])
    sheet.append(["导出人", who])
    sheet.append([])
    sheet.append(["筛选项", "取值"])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    for name, value in filters or [("筛选", "无（全部）")]:
        sheet.append([name, value])
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 40


def _table(sheet: Worksheet, header: list[str], rows: Iterable[list[Any]]) -> None:
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = BOLD
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append(row)


def _bytes(book: Workbook) -> bytes:
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def queue_workbook(mentions: Iterable[Mention], filters: list[tuple[str, str]], *, who: str,
                   base_url: str) -> bytes:
    """The queue rows as shown (one per story, most urgent first)."""
    book = Workbook()
    _filters_sheet(book, "研判队列导出", filters, who)
    sheet = book.create_sheet("研判队列")
    base = base_url.rstrip("/")

    def row(m: Mention) -> list[Any]:
        return [m.pk, m.urgency, f"{m.level}级" if m.level else "未达级别", m.title, m.get_sentiment_display(),
                m.source.name, m.source.get_kind_display(), m.event.source_count if m.event_id else 1,
                m.section.name if m.section_id else "", "、".join(m.matched_plans or []), m.get_review_display(),
                _local(m.fetched_at), _local(m.published_at), m.url, f"{base}/mentions/{m.pk}/"]

    _table(sheet, QUEUE_HEADER, (row(m) for m in mentions))
    sheet.column_dimensions["D"].width = 60
    return _bytes(book)


def cases_workbook(rows: Iterable[dict[str, Any]], filters: list[tuple[str, str]], *, who: str) -> bytes:
    """Cases as `yuqing cases export --format xlsx` lays them out (案件/时限/回应记录)."""
    book = Workbook()
    _filters_sheet(book, "案件导出", filters, who)
    cases, clocks, responses = book.create_sheet("案件"), book.create_sheet("时限"), book.create_sheet("回应记录")
    for sheet, cols in ((cases, cases_command.header()), (clocks, cases_command.CLOCK_COLUMNS),
                        (responses, cases_command.RESPONSE_COLUMNS)):
        _table(sheet, list(cols), ())
    for row in rows:
        cases.append(cases_command.flat(row))
        for k in row["clocks"]:
            clocks.append([row["number"], k["label"], k["started_at"], k["due_at"], k["stopped_at"] or "",
                           cases_command.met_text(k), k["outcome_label"], k["policy"]])
        for r in row["responses"]:
            responses.append([row["number"], r["kind_label"], r["responded_at"], r["recorded_at"],
                              r["late_reason"], r["channel"]])
    return _bytes(book)


def stats_workbook(data: dict[str, Any], *, who: str) -> bytes:
    """The statistics of `services.stats.case_stats`, one sheet per table as `yuqing stats` writes them."""
    book = Workbook()
    _filters_sheet(book, "案件统计导出", [("统计时段", f"{data['period']['from']} 至 {data['period']['to']}"),
                                     ("案件总数", str(data["total"]))], who)
    for table in stats_command.tables(data):
        sheet = book.create_sheet(table.title[:31])
        sheet.append([stats_command.period_line(data)])
        sheet.append([stats_command.as_of_line(data), f"案件总数 {data['total']}"])
        sheet.append([])
        sheet.append(table.header)
        header_row = sheet.max_row
        for r in table.rows:
            sheet.append(r)
        for cell in (*sheet[1], *sheet[header_row], *sheet[sheet.max_row]):
            cell.font = BOLD
        for note in table.notes:
            sheet.append([note])
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    return _bytes(book)


def filename(prefix: str) -> str:
    return f"{prefix}-{timezone.localtime().strftime('%Y%m%d-%H%M')}.xlsx"
