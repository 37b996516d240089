"""yuqing report case NUMBER --format docx|pdf -o FILE
yuqing report period --from DATE --to DATE [--section CODE] --format docx|pdf -o FILE"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from response.models import Case, Section
from response.services import reports


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 2026-11-30，收到：{value!r}") from exc


class Command(BaseCommand):
    help = "生成报告：舆情专报（report case 案件编号）或时段舆情报告（report period --from --to），DOCX 或 PDF"

    def add_arguments(self, parser):
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="case|period")
        case = kinds.add_parser("case", help="某一案件的舆情专报")
        case.add_argument("number", help="案件编号，如 YQ2026-000012")
        period = kinds.add_parser("period", help="周报、月报、年报或任意时段报告")
        period.add_argument("--from", dest="first", required=True, help="开始日期（含），如 2026-11-01")
        period.add_argument("--to", dest="last", required=True, help="结束日期（含），如 2026-11-30")
        period.add_argument("--section", help="科室代码；不填为全局报告")
        for sub in (case, period):
            sub.add_argument("--format", choices=sorted(reports.FORMATS), default="docx", help="输出格式")
            sub.add_argument("-o", "--output", required=True, metavar="FILE", help="输出文件")

    def handle(self, *args, kind: str, format: str, output: str, **options):
        if kind == "case":
            case = Case.objects.filter(number=options["number"].strip()).first()
            if case is None:
                raise CommandError(f"没有编号为 {options['number']!r} 的案件")
            doc = reports.case_document(case)
        else:
            section = options.get("section")
            if section and not Section.objects.filter(code=section).exists():
                raise CommandError(f"没有代码为 {section!r} 的科室")
            try:
                doc = reports.period_document(_date(options["first"]), _date(options["last"]), section)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        data = reports.render(doc, format)
        Path(output).write_bytes(data)
        self.stdout.write(self.style.SUCCESS(f"已生成 {output}（{doc.title}，{len(data) // 1024 + 1} KB）"))
