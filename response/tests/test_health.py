from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from response.demo.site import DemoSite
from response.models import Notification, Source
from response.services.crawling import BLIND_AFTER_FAILURES, crawl_source
from response.services.health import check_sources
from response.tests.factories import SourceFactory, UserFactory


@pytest.fixture
def duty(bureau):
    return UserFactory(username="duty", email="duty@bureau.example.com", roles=["值班员"])


def test_a_silent_source_goes_blind_and_duty_officers_are_told_once(duty):
    now = timezone.now()
    source = SourceFactory(slug="mnrb", name="闽南日报", kind="rss", last_success_at=now - timedelta(hours=1),
                           newest_item_at=now - timedelta(days=5))
    fresh = SourceFactory(slug="fresh", kind="rss", last_success_at=now, newest_item_at=now - timedelta(hours=2))
    assert check_sources(now) == ["mnrb"]
    assert check_sources(now + timedelta(minutes=15)) == ["mnrb"]
    source.refresh_from_db()
    fresh.refresh_from_db()
    assert "小时没有新条目" in source.blind_reason and not fresh.blind_reason
    notes = Notification.objects.filter(recipient="duty@bureau.example.com")
    assert notes.count() == 1 and "闽南日报" in notes.get().subject


def test_a_source_that_keeps_failing_goes_blind_and_recovers(bureau, duty):
    # Nothing listens on port 9 of loopback: every crawl fails fast.
    source = SourceFactory(slug="down", kind="rss", url="http://127.0.0.1:9/feed.xml",
                           settings={"RETRY_TIMES": 0, "DOWNLOAD_TIMEOUT": 3})
    for _ in range(BLIND_AFTER_FAILURES):
        outcome = crawl_source(source.pk, timeout=60)
        assert outcome.error
    source.refresh_from_db()
    assert source.consecutive_failures == BLIND_AFTER_FAILURES and source.blind_reason.startswith("连续")
    assert source.runs.filter(status="failed").count() == BLIND_AFTER_FAILURES
    check_sources()
    assert Notification.objects.filter(kind="source_blind").exists()

    # The site comes back: the next good crawl clears the blind flag.
    site = DemoSite().start()
    try:
        Source.objects.filter(pk=source.pk).update(
            url=f"{site.base_url}/wechat/feed.xml", settings={"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False})
        outcome = crawl_source(source.pk, timeout=60)
    finally:
        site.stop()
    source.refresh_from_db()
    assert outcome.error is None and outcome.found > 0
    assert not source.is_blind and source.consecutive_failures == 0
