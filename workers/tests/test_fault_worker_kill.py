"""A worker SIGKILLed mid-way loses nothing: a new worker plus the re-drive judge every mention once
and open every case once, within 3 minutes, with the default settings (no broker redelivery: the
visibility timeout is an hour and more).

Runs under `make test-services` (PostgreSQL and Redis); skipped otherwise.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from celery._state import _set_task_join_will_block
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from config.celery_app import app
from response.models import Case, Level, Mention
from response.services import judgement, redrive
from response.tests.factories import MentionFactory, SourceFactory
from workers.tests.worker_support import NEEDS_SERVICES

ROOT = Path(__file__).resolve().parents[2]
RECOVERY_LIMIT = 180  # seconds after the new worker starts
REDRIVE_EVERY = 5  # the test's beat, quicker than the default minute to measure closely

pytestmark = [*NEEDS_SERVICES, pytest.mark.slow, pytest.mark.timeout(420)]

PLACES = ["龙海区", "芗城区", "龙文区", "长泰区", "漳浦县", "云霄县", "诏安县", "东山县", "南靖县", "平和县"]
STORIES = [
    ("{p}一社区矫正对象脱管后持刀伤人致{n}人受伤", "{p}一名社区矫正对象脱管期间持刀伤人，造成{n}人受伤，网民质疑监管不力。"),
    ("{p}司法所工作人员被指暴力执法 当事人称遭殴打", "网传视频显示，{p}某司法所工作人员在调解现场推搡当事人，视频播放量已超{n}万。"),
    ("{p}举办宪法宣传周活动 普法志愿者走进第{n}社区", "宪法宣传周期间，{p}组织普法志愿者走进社区和学校，发放宣传资料{n}千余份。"),
]


def _worker(name: str, log: Path) -> subprocess.Popen:
    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    env["LOG_LEVEL"] = "INFO"
    node = f"{name}-{os.getpid()}@%h"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default", "-c", "2",
         "--pool", "prefork", "-n", node, "--without-gossip", "--without-mingle", "-l", "INFO"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the pool's children die with it
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if any(f"{name}-{os.getpid()}@" in next(iter(reply)) for reply in replies):
            return proc
        assert proc.poll() is None, log.read_text(errors="replace")
    _kill(proc)
    pytest.fail(f"celery worker {name} did not start")


def _kill(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def _forget_broker_state() -> None:
    """The killed worker's unacknowledged messages would come back an hour later: drop them."""
    app.control.purge()
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.delete("unacked", "unacked_index", "unacked_mutex")


def _recovered(auto_levels: list[str]) -> bool:
    unjudged = Mention.objects.filter(analysed_at__isnull=True).exists()
    uncased = Mention.objects.filter(flagged=True, level__in=auto_levels, cases__isnull=True).exists()
    return not unjudged and not uncased


def test_a_killed_worker_loses_nothing_and_recovers_within_three_minutes(bureau, transactional_db, tmp_path):
    app.conf.task_always_eager = False
    _set_task_join_will_block(False)
    _forget_broker_state()
    judgement.event_index()  # the conftest clears this test's index in Redis afterwards
    auto_levels = list(Level.objects.filter(auto_open_case=True).values_list("code", flat=True))
    source = SourceFactory(slug="zzxww", name="漳州新闻网", kind="rss", reach="municipal")
    sent = [MentionFactory(source=source, title=title.format(p=place, n=i + 2), text=text.format(p=place, n=i + 2))
            for i, place in enumerate(PLACES) for title, text in STORIES]
    # Stored by a crawl task that died before it could send them.
    unsent = [MentionFactory(source=source, title=f"{place}律师事务所被投诉收费后不作为 律师工作科介入",
                             text=f"{place}市民反映委托律师代理纠纷，支付律师费后承办律师多次错过期限。",
                             fetched_at=timezone.now() - timedelta(seconds=30))
              for place in PLACES[:5]]
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    first = second = None
    try:
        first = _worker("killed", logs[0])
        redrive.send_analysis([m.pk for m in sent])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if Mention.objects.filter(analysis_claimed_at__isnull=False).count() >= 3:
                break
            time.sleep(0.02)
        _kill(first)
        killed_at = time.monotonic()
        judged_before = Mention.objects.filter(analysed_at__isnull=False).count()
        assert judged_before < len(sent), "the worker finished before it could be killed"

        second = _worker("restarted", logs[1])
        restarted_at = time.monotonic()
        recovered_at = None
        while time.monotonic() < restarted_at + RECOVERY_LIMIT:
            redrive.redrive()
            if _recovered(auto_levels):
                recovered_at = time.monotonic()
                break
            time.sleep(REDRIVE_EVERY)
        print(f"\nrecovery: {judged_before}/{len(sent)} judged at the kill; all judged and cased "
              f"{(recovered_at or time.monotonic()) - killed_at:.0f} s after the kill, "
              f"{(recovered_at or time.monotonic()) - restarted_at:.0f} s after the restart")
        assert recovered_at is not None, (
            f"not recovered in {RECOVERY_LIMIT} s: "
            f"{Mention.objects.filter(analysed_at__isnull=True).count()} unjudged")
        time.sleep(3)  # let any late duplicate delivery run before counting
    finally:
        for proc in (first, second):
            if proc is not None:
                _kill(proc, signal.SIGTERM)
        _forget_broker_state()
        app.conf.task_always_eager = True

    # Judged exactly once: one completed judgement per mention across both workers (a judgement
    # the kill cut short never logged), and every mention judged.
    text = "".join(log.read_text(errors="replace") for log in logs)
    done = Counter(int(m) for m in re.findall(r"judgement\.done mention=(\d+) ", text))
    everyone = [m.pk for m in sent + unsent]
    assert max(done.values()) == 1, [pk for pk, n in done.items() if n > 1]
    assert len(done) >= len(everyone) - 2  # at most the two the pool was judging at the kill
    assert not Mention.objects.filter(analysed_at__isnull=True).exists()
    assert not Mention.objects.filter(event__isnull=True).exists()
    # No case doubled: one per event, and every case-worthy mention in exactly one.
    assert not Case.objects.values("event").annotate(n=Count("id")).filter(n__gt=1).exists()
    due = Mention.objects.filter(flagged=True, level__in=auto_levels)
    assert due.exists()
    assert all(n == 1 for n in due.annotate(n=Count("cases")).values_list("n", flat=True))
