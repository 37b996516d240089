"""yuqing stats --from DATE --to DATE [--format csv|xlsx|json] [--output FILE]"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from response.services.stats import RATE_RULE, case_stats, pooled

COUNTS = (("by_channel", "按渠道"), ("by_level", "按级别"), ("by_section", "按科室"), ("by_state", "按状态"))
RATE_HEADER = ["总数", "按时", "超时", "其中终止时未完成", "进行中", "进行中已逾期", "未到期即终止", "计入", "按时率"]
TOTAL = "合计"


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[Any]]
    notes: list[str] = field(default_factory=list)


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _rate_cells(row: dict[str, Any]) -> list[Any]:
    return [row["total"], row["met"], row["late"], row["late_unstopped"], row["running"],
            row["overdue_running"], row["void"], row["judged"], _rate(row["rate"])]


def _rate_table(title: str, groups: dict[str, dict[str, dict[str, Any]]], group_header: str) -> Table:
    rows = [[group, clock, *_rate_cells(row)] for group, clocks in groups.items() for clock, row in clocks.items()]
    every = [row for clocks in groups.values() for row in clocks.values()]
    rows.append([TOTAL, "全部时钟", *_rate_cells(pooled(every))])
    return Table(title, [group_header, "时钟", *RATE_HEADER], rows, [RATE_RULE])


def _when(value: str) -> str:
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")


def tables(data: dict[str, Any]) -> list[Table]:
    """The statistics as titled tables, shared by CSV and XLSX; every count table ends with 合计."""
    out = [Table(title, ["类别", "案件数"], [*[[k, v] for k, v in data[key].items()], [TOTAL, sum(data[key].values())]])
           for key, title in COUNTS]
    clocks = [[clock, *_rate_cells(row)] for clock, row in data["on_time"].items()]
    clocks.append([TOTAL, *_rate_cells(pooled(data["on_time"].values()))])
    out.append(Table("按时办结情况", ["时钟", *RATE_HEADER], clocks, [RATE_RULE]))
    out.append(_rate_table("按渠道按时率", data["on_time_by_channel"], "渠道"))
    out.append(_rate_table("按科室按时率", data["on_time_by_section"], "科室"))
    late = data["late_entries"]
    entries = [[e["case"], e["title"], e["kind"], _when(e["responded_at"]), _when(e["recorded_at"]),
                e["delay_hours"], e["late_reason"]] for e in late["items"]]
    entries.append([TOTAL, f"{late['count']} 条", "", "", "", "", ""])
    out.append(Table("补录回应", ["案件编号", "标题", "回应类型", "回应时间", "录入时间", "相隔(小时)", "补录原因"], entries,
                     ["补录：回应事后登记，回应时间早于录入时间；时限按实际回应时间判断"]))
    year = [[k, v["received"], v["handled"]] for k, v in data["year_table"].items()]
    year.append([TOTAL, sum(v["received"] for v in data["year_table"].values()),
                 sum(v["handled"] for v in data["year_table"].values())])
    out.append(Table("年度办理情况", ["类别", "收到", "已办理"], year))
    return out


def period_line(data: dict[str, Any]) -> str:
    return f"统计时段 {data['period']['from']} 至 {data['period']['to']}"


def as_of_line(data: dict[str, Any]) -> str:
    return f"统计时点 {_when(data['computed_at'])}（进行中的时限按此时点判断是否逾期）"


class Command(BaseCommand):
    help = "统计任意时段的案件：按渠道、级别、科室、状态，各时钟按时率（总体/按渠道/按科室），补录回应，年度办理表（csv/xlsx/json）"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="起始日期 YYYY-MM-DD（含）")
        parser.add_argument("--to", dest="end", required=True, help="截止日期 YYYY-MM-DD（含）")
        parser.add_argument("--format", choices=["csv", "xlsx", "json"], default="json")
        parser.add_argument("--output", "-o", help="输出文件（xlsx 必填；缺省输出到屏幕）")

    def handle(self, *args, start: str, end: str, format: str, output: str | None, **options):
        try:
            lo, hi = date.fromisoformat(start), date.fromisoformat(end)
        except ValueError as exc:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{exc}") from exc
        if hi < lo:
            raise CommandError("截止日期早于起始日期")
        data = case_stats(lo, hi)
        if format == "json":
            self._emit(json.dumps(data, ensure_ascii=False, indent=2), output)
        elif format == "csv":
            buf = io.StringIO()
            writer = csv.writer(buf)
            writer.writerow([period_line(data), f"案件总数 {data['total']}"])
            writer.writerow([as_of_line(data)])
            for table in tables(data):
                writer.writerow([])
                writer.writerow([table.title])
                writer.writerow(table.header)
                writer.writerows(table.rows)
                writer.writerows([[note] for note in table.notes])
            self._emit(buf.getvalue(), output)
        else:
            if not output:
                raise CommandError("xlsx 格式须用 --output 指定文件")
            self._xlsx(data, Path(output))
            self.stdout.write(self.style.SUCCESS(f"已写入 {output}"))

    def _emit(self, text: str, output: str | None) -> None:
        if output:
            # utf-8-sig so Excel opens a Chinese CSV correctly.
            Path(output).write_text(text, encoding="utf-8-sig" if output.endswith(".csv") else "utf-8")
            self.stdout.write(self.style.SUCCESS(f"已写入 {output}"))
        else:
            self.stdout.write(text)

    def _xlsx(self, data: dict[str, Any], path: Path) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        book.remove(book.active)
        bold = Font(bold=True)
        for table in tables(data):
            sheet = book.create_sheet(table.title[:31])
            # A sheet printed or filed alone still says which period it covers.
            sheet.append([period_line(data)])
            sheet.append([as_of_line(data), f"案件总数 {data['total']}"])
            sheet.append([])
            sheet.append(table.header)
            header_row = sheet.max_row
            for row in table.rows:
                sheet.append(row)
            for cell in (*sheet[1], *sheet[header_row], *sheet[sheet.max_row]):
                cell.font = bold
            for note in table.notes:
                sheet.append([note])
            sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
        book.save(path)
