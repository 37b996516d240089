"""Tasks through a real Redis broker and a real Celery worker process (not eager mode).

Runs when the suite is pointed at PostgreSQL and Redis (`make test-services` / CI): the worker
is a separate process, so it must share a real database server with the test.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery._state import _set_task_join_will_block
from django.conf import settings
from django.db import connection

from config.celery_app import app
from response.demo.site import DemoSite
from response.models import Case, Mention, Source
from response.services.demo import DEMO_SOURCES
from response.services.sources_io import load_sources

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL", "").startswith("postgres")),
        reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (make test-services)",
    ),
]


@pytest.fixture
def worker(transactional_db):
    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    env["YUQING_EVENT_NAMESPACE"] = "yuqing-test-worker"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default,crawl", "-c", "2",
         "--pool", "prefork", "-n", f"test-{os.getpid()}@%h", "--without-gossip", "--without-mingle", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    app.conf.task_always_eager = False
    # Eager tasks run from several threads in other tests can leave Celery's process-wide
    # "joining would block" flag set; this test joins results from the outside, as a client does.
    _set_task_join_will_block(False)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if app.control.ping(timeout=1.0):
                break
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")
        else:
            pytest.fail("celery worker did not start")
        yield proc
    finally:
        app.conf.task_always_eager = True
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_crawl_and_judgement_run_on_a_real_worker(bureau, worker):
    from workers.crawl import crawl_source

    site = DemoSite().start()
    try:
        load_sources(DEMO_SOURCES, substitutions={"base": site.base_url})
        source = Source.objects.get(slug="demo-wechat")
        result = crawl_source.delay(source.pk)
        outcome = result.get(timeout=180)
        assert outcome["new"] > 0 and outcome["error"] is None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            # Wait for this story's case: another story's case may open first (tasks run in parallel).
            if (not Mention.objects.filter(analysed_at__isnull=True).exists()
                    and Case.objects.filter(title__contains="社区矫正对象脱管后持刀伤人").exists()):
                break
            time.sleep(0.5)
        assert not Mention.objects.filter(analysed_at__isnull=True).exists()
        case = Case.objects.get(title__contains="社区矫正对象脱管后持刀伤人")
        assert case.section.code == "corrections"
        # Re-delivering the same task to the worker does not open a second case.
        from workers.pipeline import open_case_if_due

        mention = case.mentions.first()
        assert open_case_if_due.delay(mention.pk).get(timeout=60) == case.pk
        assert Case.objects.filter(title__contains="社区矫正对象脱管后持刀伤人").count() == 1
    finally:
        site.stop()
        assert settings.CELERY_BROKER_URL.startswith("redis://")
