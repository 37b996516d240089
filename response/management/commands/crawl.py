from django.core.management.base import BaseCommand, CommandError

from response.models import Mention, Source
from response.services.tasks import task

# New items listed per source (most urgent first; ★ = matches a watch plan, in the queue).
SHOW = 15


class Command(BaseCommand):
    help = "立即采集并研判一个或全部采集源: yuqing crawl SLUG | yuqing crawl --all"

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*")
        parser.add_argument("--all", action="store_true", help="采集全部启用的采集源")

    def handle(self, *args, slugs: list[str], all: bool, **options):
        sources = Source.objects.filter(enabled=True) if all else Source.objects.filter(slug__in=slugs)
        if not all and not slugs:
            raise CommandError("请指定采集源标识，或使用 --all")
        missing = set(slugs) - set(sources.values_list("slug", flat=True))
        if missing:
            raise CommandError(f"未知采集源: {', '.join(sorted(missing))}")
        failed = 0
        for source in sources.exclude(kind=Source.Kind.HOTLINE):
            result = task("yuqing.crawl.source").apply(args=(source.pk,), throw=False).result
            if isinstance(result, Exception):
                failed += 1
                self.stdout.write(self.style.ERROR(f"{source.slug}: 失败 {result}"))
                continue
            note = f" 错误: {result['error']}" if result.get("error") else ""
            note += f" 失明: {result['blind']}" if result.get("blind") else ""
            self.stdout.write(f"{source.slug}: 采集 {result['found']} 条，新增 {result['new']} 条{note}")
            new = Mention.objects.filter(pk__in=result.get("new_ids", [])).order_by("-urgency", "id")
            for mention in new[:SHOW]:
                flag = "★" if mention.flagged else " "
                level = f"{mention.level}级" if mention.level else "—"
                self.stdout.write(f"  {flag} {mention.urgency:>3} {level:<4} {mention.title[:60]}")
            if result["new"] > SHOW:
                self.stdout.write(f"  …另有 {result['new'] - SHOW} 条")
            failed += bool(result.get("error") or result.get("blind"))
        if failed:
            raise CommandError(f"{failed} 个采集源失败")
