import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "评估模型: yuqing evaluate sentiment|sections --data FILE.csv [--model DIR]，输出 JSON"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["sentiment", "sections"])
        parser.add_argument("--data", required=True, help="text,label CSV")
        parser.add_argument("--model", help="模型目录（默认：yuqing train 训练的本地模型，没有则用随附模型）")

    def handle(self, *args, kind: str, data: str, model: str | None, **options):
        from analysis.training import evaluate
        from response.services.trained_models import trained_model

        if not Path(data).exists():
            raise CommandError(f"找不到评估数据: {data}")
        try:
            result = evaluate(kind, Path(data), Path(model) if model else trained_model(kind))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
