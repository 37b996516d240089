"""yuqing stats --from DATE --to DATE [--format csv|xlsx|json] [--output FILE]"""
from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from response.services.stats import case_stats

SECTIONS = (("by_channel", "按渠道"), ("by_level", "按级别"), ("by_section", "按科室"), ("by_state", "按状态"))


def _rows(data: dict[str, Any]) -> list[tuple[str, list[list[Any]]]]:
    """The statistics as titled tables, shared by CSV and XLSX."""
    tables = [(title, [["类别", "案件数"], *[[k, v] for k, v in data[key].items()]]) for key, title in SECTIONS]
    on_time = [["时钟", "总数", "按时", "超时", "进行中", "进行中已逾期", "按时率"]]
    for clock, row in data["on_time"].items():
        rate = "" if row["rate"] is None else f"{row['rate']:.1%}"
        on_time.append([clock, row["total"], row["met"], row["late"], row["running"], row["overdue_running"], rate])
    tables.append(("按时办结情况", on_time))
    year = [["类别", "收到", "已办理"], *[[k, v["received"], v["handled"]] for k, v in data["year_table"].items()]]
    tables.append(("年度办理情况", year))
    return tables


class Command(BaseCommand):
    help = "统计任意时段的案件：按渠道、级别、科室、状态，各时钟按时率，年度办理表（csv/xlsx/json）"

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
            writer.writerow([f"统计时段 {start} 至 {end}", f"案件总数 {data['total']}"])
            for title, rows in _rows(data):
                writer.writerow([])
                writer.writerow([title])
                writer.writerows(rows)
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
        for title, rows in _rows(data):
            sheet = book.create_sheet(title[:31])
            for row in rows:
                sheet.append(row)
            for cell in sheet[1]:
                cell.font = Font(bold=True)
        book.save(path)


