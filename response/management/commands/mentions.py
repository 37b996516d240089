import json
import sys

from django.core.management.base import BaseCommand
from django.utils import timezone

from response.models import Mention


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


class Command(BaseCommand):
    help = "导出全部采集条目: yuqing mentions export --format jsonl [--output FILE]"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export"])
        parser.add_argument("--format", choices=["jsonl"], default="jsonl")
        parser.add_argument("--output", "-o", help="输出文件（默认标准输出）")

    def handle(self, *args, action: str, format: str, output: str | None, **options):
        out = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115 - closed below
        try:
            rows = Mention.objects.select_related("source").order_by("id")
            for m in rows.iterator(chunk_size=2000):
                out.write(json.dumps({
                    "id": m.pk, "source": m.source.slug, "url": m.url, "title": m.title, "text": m.text,
                    "published_at": _iso(m.published_at), "fetched_at": _iso(m.fetched_at),
                    "matched_plans": m.matched_plans,
                }, ensure_ascii=False) + "\n")
        finally:
            if output:
                out.close()
