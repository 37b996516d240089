"""yuqing deadlines check|calendar|flush"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from response.services import escalation, notify
from response.services.calendar_changes import open_clock_unknown_years
from response.services.workdays import unknown_years


class Command(BaseCommand):
    help = "案件时限：check 检查预警/升级/催办；calendar 检查节假日安排是否已知；flush 补发待发通知"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "calendar", "flush"])
        parser.add_argument("--check", action="store_true",
                            help="calendar：进行中的时限到期日所在年份的节假日安排未知时以非零状态退出（供监控/定时任务）")

    def handle(self, *args, action: str, check: bool = False, **options):
        if action == "check":
            report = escalation.check_deadlines(blocking_timeout=30)
            if report.skipped:
                self.stdout.write(self.style.WARNING("另一个检查正在进行，本次跳过"))
                return
            self.stdout.write(f"检查时限 {report.clocks} 个，新发出预警/升级 {report.created} 项")
            for stage in report.stages:
                self.stdout.write(f"  {stage}")
        elif action == "flush":
            self.stdout.write(f"已提交发送 {len(notify.flush_due())} 条通知")
        else:
            self._calendar(check)

    def _calendar(self, check: bool) -> None:
        year = timezone.localdate().year
        reached = open_clock_unknown_years()
        upcoming = [y for y in unknown_years([year, year + 1]) if y not in reached]
        if reached:
            years = "、".join(str(y) for y in reached)
            self.stdout.write(self.style.ERROR(
                f"{years} 年节假日安排未知，且有进行中的时限到期日落在该年：相关到期时间为暂定（按周一至周五计算），"
                "请在管理后台“节假日调整”中录入，录入后将自动重算"))
        if upcoming:
            years = "、".join(str(y) for y in upcoming)
            self.stdout.write(self.style.WARNING(
                f"{years} 年节假日安排未知：工作日暂按周一至周五计算，请在管理后台“节假日调整”中录入"))
        if not reached and not upcoming:
            self.stdout.write(self.style.SUCCESS(f"{year}–{year + 1} 年节假日安排均已知"))
        if check and reached:
            raise CommandError("节假日安排未知的年份影响进行中的时限：" + "、".join(str(y) for y in reached))
