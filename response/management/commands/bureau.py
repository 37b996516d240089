from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from response.roles import ensure_groups
from response.services.bureau_config import DEFAULT_BUREAU, load_bureau
from response.services.schedules import install_schedules


class Command(BaseCommand):
    help = "载入单位配置（科室、监测方案、分办规则、级别、时限）: yuqing bureau load [FILE.yaml]"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load"])
        parser.add_argument("file", nargs="?", default=str(DEFAULT_BUREAU))

    def handle(self, *args, action: str, file: str, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"找不到配置文件: {path}")
        report = load_bureau(path)
        ensure_groups()
        install_schedules()
        self.stdout.write(self.style.SUCCESS(f"已载入 {path.name}: {report}"))
