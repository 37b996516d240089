"""The thin path end to end: a page published on a local news site becomes a flagged mention, an
analysed event, a case owned by a section with a deadline, and a row in the duty officers' queue."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from response.demo.site import DemoSite
from response.models import Case, Event, Mention, Source
from response.services.demo import DEMO_SOURCES
from response.services.sources_io import load_sources
from response.tests.factories import UserFactory
from workers.crawl import crawl_source

pytestmark = pytest.mark.slow


@pytest.fixture
def site():
    site = DemoSite().start()
    yield site
    site.stop()


@pytest.fixture
def crawled(bureau, site):
    load_sources(DEMO_SOURCES, substitutions={"base": site.base_url})
    for source in Source.objects.filter(slug__in=["demo-fjnews", "demo-wechat", "demo-portal"]):
        result = crawl_source.delay(source.pk).get()
        assert result["error"] is None, result
    return site


def test_urgent_story_becomes_event_case_and_queue_row(crawled, client):
    copies = Mention.objects.filter(title__contains="社区矫正对象脱管后持刀伤人")
    # The same story on three sites: three mentions, one event.
    assert copies.count() == 3
    assert copies.values("event").distinct().count() == 1
    mention = copies.order_by("id").first()
    event = mention.event
    assert event.size == 3 and event.source_count == 3
    assert copies.filter(event_lead=True).count() == 1  # one queue row for the story

    # Judgement with its explanation.
    assert mention.flagged and "社区矫正" in mention.matched_plans
    assert mention.sentiment in ("negative", "neutral", "positive")
    assert abs(sum(mention.sentiment_scores.values()) - 1) < 1e-6 and mention.sentiment_terms
    assert mention.urgency >= 70 and mention.level in ("I", "II")
    assert any("死亡" in reason or "伤亡" in reason for reason in mention.urgency_reasons)
    assert mention.section.code == "corrections" and mention.section_via == "rule"
    assert mention.published_at is not None

    # One case for the event, owned by the section, with its statutory clocks.
    case = Case.objects.get(event=event)
    assert Case.objects.filter(event=event).count() == 1
    assert case.section.code == "corrections" and case.state == Case.State.TRIAGE
    assert case.mentions.count() == 3
    clocks = {c.clock: c for c in case.clocks.all()}
    assert clocks["first_statement"].due_at - case.opened_at == timedelta(hours=5)
    assert clocks["response"].due_at - case.opened_at == timedelta(hours=24)

    # The queue shows it, most urgent first, to a logged-in duty officer.
    officer = UserFactory(username="duty", roles=["值班员"])
    client.force_login(officer)
    page = client.get(reverse("queue"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "社区矫正对象脱管后持刀伤人" in html


def test_routine_news_is_stored_but_not_flagged(crawled):
    # Every article is stored whether or not it matches a plan today; only matches reach the queue.
    routine = Mention.objects.filter(title__in=["全国秋冬种已过九成", "我国今年新建油气管道超4000公里",
                                                "民建十一届六中全会在京召开"])
    assert Mention.objects.count() > 20
    assert routine.exists()
    assert not routine.filter(flagged=True).exists()
    assert not Case.objects.filter(mentions__in=Mention.objects.filter(flagged=False)).exists()


def test_redelivered_tasks_do_not_duplicate(crawled):
    from workers.pipeline import analyse_mention, open_case_if_due

    cases = Case.objects.count()
    events = Event.objects.count()
    for mention in Mention.objects.filter(flagged=True):
        analyse_mention.delay(mention.pk).get()
        open_case_if_due.delay(mention.pk).get()
    assert Case.objects.count() == cases
    assert Event.objects.count() == events


def test_second_crawl_finds_nothing_new(crawled):
    source = Source.objects.get(slug="demo-fjnews")
    result = crawl_source.delay(source.pk).get()
    assert result["new"] == 0
    source.refresh_from_db()
    assert source.last_success_at and source.consecutive_failures == 0 and not source.blind_reason
