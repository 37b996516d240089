from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from response.models import Section
from response.services import digest


class Command(BaseCommand):
    help = "舆情周报: yuqing digest [--week 2026-W48] [--section CODE] [--preview OUT.html] [--send]"

    def add_arguments(self, parser):
        parser.add_argument("--week", help="ISO 周次，如 2026-W48；默认上一周")
        parser.add_argument("--section", help="科室代码；不填为全局周报（领导、办公室）")
        parser.add_argument("--preview", metavar="OUT.html", help="写出 HTML 预览（图片内嵌为 data: URI）")
        parser.add_argument("--send", action="store_true", help="立即发送给该范围的收件人（每人每周仅一次）")

    def handle(self, *args, week=None, section=None, preview=None, send=False, **options):
        try:
            label = digest.Week.parse(week).label if week else digest.Week.previous_to_now().label
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        scope = section or digest.BUREAU
        if section and not Section.objects.filter(code=section).exists():
            raise CommandError(f"没有代码为 {section!r} 的科室")
        rendered = digest.preview(label, scope)
        if preview:
            Path(preview).write_text(rendered.preview_html(), encoding="utf-8")
            self.stdout.write(self.style.SUCCESS(f"已写出预览：{preview}（{rendered.subject}）"))
        if not send:
            if not preview:
                self.stdout.write(rendered.text)
            return
        recipients = digest.recipients_for(scope)
        if not recipients:
            raise CommandError("该范围没有配置收件人：全局周报发给“领导”“办公室”组中有邮箱的用户，"
                               "科室周报发给科室负责人邮箱或科室联系邮箱")
        failed = 0
        for email in recipients:
            try:
                outcome = digest.deliver_digest(label, email, scope)
            except Exception as exc:
                failed += 1
                self.stderr.write(f"{email}: 发送失败 {type(exc).__name__}: {exc}")
                continue
            text = {"sent": "已发送", "skipped": "本周已发送过，跳过", "busy": "正由其他进程发送"}[outcome.status]
            self.stdout.write(f"{email}: {text}")
        if failed:
            raise CommandError(f"{failed} 位收件人发送失败，已记录在周报发送记录中，可重新执行本命令重试")
