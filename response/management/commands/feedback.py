from pathlib import Path

from django.core.management.base import BaseCommand

from response.services.feedback import export


class Command(BaseCommand):
    help = "导出值班员的人工判断作为训练数据: yuqing feedback export sections|sentiment -o FILE.csv"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export"])
        parser.add_argument("kind", choices=["sections", "sentiment"])
        parser.add_argument("--output", "-o", required=True)

    def handle(self, *args, action: str, kind: str, output: str, **options):
        count = export(kind, Path(output))
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 条人工判断到 {output}"))
        if count:
            hint = "analysis/data/justice_sections_seed.csv" if kind == "sections" else "analysis/data/smp2020_ewect_usual.csv.gz"
            self.stdout.write(f"再训练：yuqing train {kind} --data {hint} --data {output}")
