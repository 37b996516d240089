"""yuqing reanalyze [--since DATE] [--source SLUG] [--no-wait] [--in-process] [--restart]"""
from __future__ import annotations

from datetime import date

from celery import current_app
from django.core.management.base import BaseCommand, CommandError

from response.services import reanalysis


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from exc


class Command(BaseCommand):
    help = ("用当前模型和规则重新研判已入库条目（训练新模型、修改规则后）：分批交给工作进程，"
            "或无 Redis 时在本进程内完成；中断后再次运行同样的命令从断点继续；值班员的研判结论和人工修正保持不变")

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_date, default=None, help="只重新研判该日期（含）以后采集的条目")
        parser.add_argument("--source", default=None, help="只重新研判该采集源（标识）的条目")
        parser.add_argument("--no-wait", action="store_true", help="分批发出后立即返回，不等待工作进程完成")
        parser.add_argument("--in-process", action="store_true", help="在本进程内研判（不经工作进程）")
        parser.add_argument("--restart", action="store_true", help="不续上次未完成的运行，从头开始")
        parser.add_argument("--batch-size", type=int, default=reanalysis.BATCH_SIZE,
                            help=f"每批最多条数（默认 {reanalysis.BATCH_SIZE}；小规模运行至少分 "
                                 f"{reanalysis.MIN_BATCHES} 批，便于多个工作进程分担）")

    def handle(self, *args, since: date | None, source: str | None, no_wait: bool, in_process: bool,
               restart: bool, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size 须为正整数")
        if not in_process and not current_app.conf.task_always_eager:
            self._check_workers(wait=not no_wait)
        bar: reanalysis.Progress | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = reanalysis.Progress(total, self.stderr._out)
            bar.update(done)

        try:
            outcome = reanalysis.run(since, source, in_process=True if in_process else None,
                                     wait=not no_wait, restart=restart, batch_size=batch_size,
                                     progress=progress)
        except reanalysis.ReanalysisError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if bar is not None:
                bar.close()
        head = "续上次未完成的运行" if outcome.resumed else "新的运行"
        if not outcome.waited:
            self.stdout.write(self.style.SUCCESS(
                f"{head}（开始于 {outcome.run.started_at}）：已向工作进程发出 {outcome.sent} 批、"
                f"{outcome.remaining} 条；再次运行本命令可查看进度并等待完成"))
            return
        rate = outcome.done / outcome.seconds if outcome.seconds > 0 else 0.0
        self.stdout.write(self.style.SUCCESS(
            f"{head}：共 {outcome.total} 条，已重新研判 {outcome.done} 条，用时 {outcome.seconds:.1f} 秒"
            f"（{rate:.0f} 条/秒）"))
        if outcome.failed:
            ids = "、".join(f"#{pk}" for pk in sorted(outcome.failed)[:10])
            self.stdout.write(self.style.WARNING(
                f"{len(outcome.failed)} 条研判失败（已记录日志，再次运行本命令会重试）：{ids}"))
        if outcome.remaining:
            raise CommandError(f"仍有 {outcome.remaining} 条未完成重新研判；再次运行同样的命令可从断点继续")

    def _check_workers(self, *, wait: bool) -> None:
        answered, consuming = reanalysis.listening_workers()
        if consuming:
            return
        if answered:
            problem = (f"工作进程（{'、'.join(answered)}）均未监听 {reanalysis.QUEUE} 队列，重新研判的批次将无人处理："
                       f"请以 -Q default,crawl,{reanalysis.QUEUE} 启动工作进程，或加 --in-process 在本进程内完成")
        else:
            problem = "没有工作进程应答：请先启动工作进程（celery -A config worker），或加 --in-process 在本进程内完成"
        if wait:
            raise CommandError(problem)
        self.stderr.write(self.style.WARNING(problem + "；各批次已照常发出，在队列中等待"))
