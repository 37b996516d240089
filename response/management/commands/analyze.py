from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "批量研判 JSONL: yuqing analyze --input IN.jsonl --output OUT.jsonl"

    def add_arguments(self, parser):
        parser.add_argument("--input", "-i", required=True)
        parser.add_argument("--output", "-o", required=True)
        parser.add_argument("--batch-size", type=int, default=256)

    def handle(self, *args, input: str, output: str, batch_size: int, **options):
        from analysis.batch import analyze_jsonl
        from response.services.analyzer_config import standalone_analyzer, warm

        if not Path(input).exists():
            raise CommandError(f"找不到输入文件: {input}")
        count = analyze_jsonl(Path(input), Path(output), warm(standalone_analyzer()),
                              batch_size=batch_size)
        self.stdout.write(self.style.SUCCESS(f"已研判 {count} 条，结果写入 {output}"))
