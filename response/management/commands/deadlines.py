"""yuqing deadlines check|calendar|flush"""
from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from response.services import escalation, notify
from response.services.workdays import unknown_years


class Command(BaseCommand):
    help = "案件时限：check 检查预警/升级/催办；calendar 检查节假日安排是否已知；flush 补发待发通知"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "calendar", "flush"])

    def handle(self, *args, action: str, **options):
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
            year = timezone.localdate().year
            missing = unknown_years([year, year + 1])
            if missing:
                years = "、".join(str(y) for y in missing)
                self.stdout.write(self.style.ERROR(
                    f"{years} 年节假日安排未知：工作日暂按周一至周五计算，请在管理后台“节假日调整”中录入"))
            else:
                self.stdout.write(self.style.SUCCESS(f"{year}–{year + 1} 年节假日安排均已知"))
