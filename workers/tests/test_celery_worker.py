"""Tasks through a real Redis broker and a real Celery worker process (not eager mode).

Runs when the suite is pointed at PostgreSQL and Redis (`make test-services` / CI): the worker
is a separate process, so it must share a real database server with the test.
"""
from __future__ import annotations

import time

import pytest
from django.conf import settings

from response.demo.site import DemoSite
from response.models import Case, Mention, Source
from response.services.demo import DEMO_SOURCES
from response.services.sources_io import load_sources
from workers.tests.worker_support import NEEDS_SERVICES, celery_worker

pytestmark = NEEDS_SERVICES


@pytest.fixture
def worker(transactional_db):
    with celery_worker(queues="default,crawl", name="test", namespace="yuqing-test-worker") as proc:
        yield proc


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
