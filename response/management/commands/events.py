"""yuqing events rebuild|status"""
from __future__ import annotations

from django.core.management.base import BaseCommand

from response.services import event_rebuild
from response.services.judgement import event_index


class Command(BaseCommand):
    help = "事件索引：rebuild 从数据库重建（Redis 清空或丢失后）；status 查看索引是否已建立"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "status"])
        parser.add_argument("--days", type=int, default=None,
                            help=f"rebuild：纳入最近多少天采集的条目（默认 {event_rebuild.rebuild_days()} 天）")
        parser.add_argument("--limit", type=int, default=None,
                            help=f"rebuild：最多纳入多少条（默认 {event_rebuild.rebuild_limit()} 条，取最新的）")

    def handle(self, *args, action: str, days: int | None = None, limit: int | None = None, **options):
        index = event_index()
        if action == "rebuild":
            count = event_rebuild.rebuild(index, days=days, limit=limit)
            self.stdout.write(self.style.SUCCESS(
                f"事件索引已重建（命名空间 {index.namespace}）：纳入 {count} 条，"
                f"最近 {event_rebuild.rebuild_days() if days is None else days} 天"))
            return
        marker = index.built_marker()
        if marker is None:
            self.stdout.write(self.style.WARNING(
                f"事件索引（命名空间 {index.namespace}）未建立或已丢失：下一条研判前将自动从数据库重建，"
                "也可运行 yuqing events rebuild"))
        else:
            self.stdout.write(f"事件索引（命名空间 {marker.get('namespace')}）建立于 {marker.get('built_at')}，"
                              f"重建时纳入 {marker.get('documents')} 条")
