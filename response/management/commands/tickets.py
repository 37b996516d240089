from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from response.services.tickets import DEFAULT_SLUG, import_tickets
from workers.pipeline import analyse_mention


class Command(BaseCommand):
    help = "导入 12345 转办件 (CSV/XLSX): yuqing tickets import FILE [--source SLUG]"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["import"])
        parser.add_argument("file")
        parser.add_argument("--source", default=DEFAULT_SLUG, help="热线采集源标识")

    def handle(self, *args, action: str, file: str, source: str, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"找不到文件: {path}")
        try:
            report = import_tickets(path, source_slug=source)
        except ValueError as exc:
            raise CommandError(f"无法解析 {path.name}: {exc}") from exc
        for mention_id in report.new_ids:
            analyse_mention.delay(mention_id)
        self.stdout.write(self.style.SUCCESS(
            f"工单：新增 {report.created}，更新 {report.updated}，无变化 {report.unchanged}"))
