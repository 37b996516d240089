import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from response.services import demo


class Command(BaseCommand):
    help = "一键演示：建库、载入司法局配置、采集本地演示站点、研判、分办、立案，并启动网页界面"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="网页界面端口 (默认 8000)")
        parser.add_argument("--no-serve", action="store_true", help="只跑流水线，不启动网页界面")

    def handle(self, *args, port: int, no_serve: bool, **options):
        out, ok = self.stdout.write, self.style.SUCCESS
        demo.production_pages()
        settings.YUQING_HOME.mkdir(parents=True, exist_ok=True)
        db = settings.DATABASES["default"]
        out(self.style.MIGRATE_HEADING("① 数据库") + f"  {db['ENGINE'].rsplit('.', 1)[-1]}: {db['NAME']}")
        call_command("migrate", verbosity=0, interactive=False)
        try:
            site = demo.start_site()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        out(self.style.MIGRATE_HEADING("② 演示站点") + f"  {site.base_url}/portal/ (门户)、/rss/feed.xml、/wechat/feed.xml、/board/")
        demo.configure(site)
        mode = "Celery 任务在本进程内执行（未设置 REDIS_URL）" if settings.CELERY_TASK_ALWAYS_EAGER else f"Celery 任务发往 Redis 由 worker 执行 ({settings.REDIS_URL})"
        out(self.style.MIGRATE_HEADING("③ 载入市司法局配置") + "  科室、监测方案、分办规则、级别、时限、演示采集源、演示账号")
        out(self.style.MIGRATE_HEADING("④ 采集 → 研判 → 分办 → 立案") + f"  {mode}")
        started = time.monotonic()
        demo.crawl_all()
        s = demo.summary()
        out(ok(f"\n完成（{time.monotonic() - started:.1f} 秒）"))
        out(f"  采集条目 {s.mentions} 条，命中监测方案 {s.flagged} 条，研判队列中 {s.queue_rows} 行（同一事件的转载合为一行）")
        out(f"  归并为事件 {s.events} 个，其中多家转载的事件 {s.merged_events} 个")
        out("  自动立案（待研判）：" + ("，".join(f"{k} {v} 件" for k, v in s.cases_by_section.items()) or "无"))
        if s.blind_sources:
            out(self.style.WARNING("  失明采集源：" + "，".join(s.blind_sources)))
        site_url = f"http://127.0.0.1:{port}/"
        out("\n下一步：")
        out(f"  打开 {site_url} ，用值班员账号 duty / {demo.DEMO_PASSWORD} 登录查看研判队列")
        out(f"  科室账号 corrections / {demo.DEMO_PASSWORD}（社区矫正科）只能看到本科室案件")
        out(f"  管理后台 {site_url}admin/ ：admin / {demo.DEMO_PASSWORD}")
        if no_serve:
            site.stop()
            return
        out("  按 Ctrl+C 退出。\n")
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
