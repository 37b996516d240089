from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from response.services.sources_io import export_sources, load_sources


class Command(BaseCommand):
    help = "采集源导入/导出: yuqing sources load FILE.yaml | yuqing sources export"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load", "export"])
        parser.add_argument("file", nargs="?")

    def handle(self, *args, action: str, file: str | None, **options):
        if action == "export":
            self.stdout.write(export_sources())
            return
        if not file:
            raise CommandError("请指定 YAML 文件: yuqing sources load FILE.yaml")
        try:
            created, updated = load_sources(file)
        except (ValidationError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"采集源：新增 {created}，更新 {updated}"))
