import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "训练模型: yuqing train sentiment|sections --data FILE.csv [--data ...] [--out DIR]"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["sentiment", "sections"])
        parser.add_argument("--data", action="append", required=True, help="text,label CSV（可多次指定）")
        parser.add_argument("--out", help="模型输出目录（默认 var/models/<kind>）")

    def handle(self, *args, kind: str, data: list[str], out: str | None, **options):
        from analysis.training import train
        from response.services.trained_models import local_model_dir

        paths = [Path(p) for p in data]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"找不到训练数据: {', '.join(missing)}")
        target = Path(out) if out else local_model_dir(kind)
        try:
            metrics = train(kind, paths, target)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(metrics, ensure_ascii=False, indent=2, default=str))
        self.stdout.write(self.style.SUCCESS(f"模型已保存到 {target}"))
        if not out:
            self.stdout.write("研判流程与 yuqing evaluate 将使用该模型（删除该目录即恢复随附模型）")
