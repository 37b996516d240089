from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from response.services.redrive import send_analysis
from response.services.tickets import DEFAULT_SLUG, HotlineFileError, import_tickets


class Command(BaseCommand):
    help = "导入 12345 转办件 (CSV/XLSX): yuqing tickets import FILE [--source SLUG]"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["import"])
        parser.add_argument("file")
        parser.add_argument("--source", default=DEFAULT_SLUG, help="热线采集源标识")

    def handle(self, *args, action: str, file: str, source: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件“{path}”" if not path.exists() else f"“{path}”不是文件")
        try:
            report = import_tickets(path, source_slug=source)
        except HotlineFileError as exc:
            # Only a file that cannot be read at all fails the command; refused rows are listed.
            raise CommandError(str(exc)) from exc
        send_analysis(report.new_ids)
        for line in report.errors:
            self.stdout.write(self.style.WARNING(line))
        style = self.style.WARNING if report.rejected else self.style.SUCCESS
        self.stdout.write(style(f"{path.name}：{report.summary()}"))
