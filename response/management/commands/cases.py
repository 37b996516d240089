"""yuqing cases export --format jsonl|csv|xlsx [--from DATE --to DATE] [-o FILE]"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from response.models import Clock
from response.services.case_export import export_rows

CASE_COLUMNS = (
    ("number", "案件编号"), ("title", "标题"), ("channel", "渠道代码"), ("channel_label", "渠道"),
    ("level", "级别"), ("section", "科室代码"), ("section_name", "牵头科室"), ("state", "状态代码"),
    ("state_label", "状态"), ("ticket_no", "12345工单号"), ("event_key", "事件键"),
    ("opened_at", "立案时间"), ("responded_at", "回应时间"), ("closed_at", "办结时间"),
)
CLOCK_FIELDS = (("started_at", "起算"), ("due_at", "到期"), ("stopped_at", "完成"))
MET_TEXT = {True: "是", False: "否", None: "未完成"}
RESPONSE_COLUMNS = ("案件编号", "回应类型", "回应时间", "录入时间", "补录原因", "回应渠道")
CLOCK_COLUMNS = ("案件编号", "时钟", "起算", "到期", "完成", "是否按时", "判定", "依据")


def header() -> list[str]:
    cols = [title for _, title in CASE_COLUMNS]
    for _, label in Clock.choices:
        cols += [f"{label}{title}" for _, title in CLOCK_FIELDS] + [f"{label}是否按时"]
    return [*cols, "回应次数", "补录次数", "回应记录"]


def met_text(clock: dict[str, Any]) -> str:
    """是/否 for a stopped clock; a running one says whether it is already past due."""
    if clock["met"] is None and clock["outcome"] in ("late", "overdue"):
        return "否（逾期未完成）"
    return MET_TEXT[clock["met"]]


def _response_text(r: dict[str, Any]) -> str:
    text = f"{r['kind_label']} {r['responded_at']}（录入 {r['recorded_at']}）"
    return text + (f" 补录原因：{r['late_reason']}" if r["late_reason"] else "")


def flat(row: dict[str, Any]) -> list[Any]:
    """One case as one CSV/XLSX row: clocks spread over columns per clock kind."""
    cells: list[Any] = ["" if row[key] is None else row[key] for key, _ in CASE_COLUMNS]
    clocks = {k["clock"]: k for k in row["clocks"]}
    for kind in Clock.values:
        clock = clocks.get(kind)
        if clock is None:
            cells += ["", "", "", ""]
        else:
            cells += [clock[key] or "" for key, _ in CLOCK_FIELDS] + [met_text(clock)]
    responses = row["responses"]
    return [*cells, len(responses), sum(1 for r in responses if r["late_reason"]),
            "；".join(_response_text(r) for r in responses)]


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{name} 日期格式应为 YYYY-MM-DD：{value}") from exc


class Command(BaseCommand):
    help = "导出案件备案记录：yuqing cases export --format jsonl|csv|xlsx [--from DATE --to DATE] [-o FILE]"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export"])
        parser.add_argument("--format", choices=["jsonl", "csv", "xlsx"], default="jsonl")
        parser.add_argument("--from", dest="start", help="立案日期起 YYYY-MM-DD（含）")
        parser.add_argument("--to", dest="end", help="立案日期止 YYYY-MM-DD（含）")
        parser.add_argument("--output", "-o", help="输出文件（xlsx 必填；缺省输出到屏幕）")

    def handle(self, *args, action: str, format: str, start: str | None, end: str | None,
               output: str | None, **options):
        lo, hi = _date(start, "--from"), _date(end, "--to")
        if lo and hi and hi < lo:
            raise CommandError("截止日期早于起始日期")
        if format == "xlsx" and not output:
            raise CommandError("xlsx 格式须用 --output 指定文件")
        rows = list(export_rows(lo, hi))
        if format == "xlsx":
            self._xlsx(rows, Path(output))
        elif format == "csv":
            buf = io.StringIO()
            writer = csv.writer(buf)
            writer.writerow(header())
            writer.writerows(flat(row) for row in rows)
            # utf-8-sig so Excel opens the Chinese CSV correctly, to a file or through a redirect.
            self._emit("\ufeff" + buf.getvalue(), output)
        else:
            self._emit("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), output)
        if output:
            self.stdout.write(self.style.SUCCESS(f"已导出 {len(rows)} 件案件到 {output}"))

    def _emit(self, text: str, output: str | None) -> None:
        if output:
            Path(output).write_text(text, encoding="utf-8", newline="")
        else:
            self.stdout.write(text, ending="")

    def _xlsx(self, rows: Iterable[dict[str, Any]], path: Path) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        cases = book.active
        cases.title = "案件"
        clocks = book.create_sheet("时限")
        responses = book.create_sheet("回应记录")
        for sheet, cols in ((cases, header()), (clocks, CLOCK_COLUMNS), (responses, RESPONSE_COLUMNS)):
            sheet.append(list(cols))
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            sheet.freeze_panes = "A2"
        for row in rows:
            cases.append(flat(row))
            for k in row["clocks"]:
                clocks.append([row["number"], k["label"], k["started_at"], k["due_at"], k["stopped_at"] or "",
                               met_text(k), k["outcome_label"], k["policy"]])
            for r in row["responses"]:
                responses.append([row["number"], r["kind_label"], r["responded_at"], r["recorded_at"],
                                  r["late_reason"], r["channel"]])
        book.save(path)
