from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from response.models import Event, Mention, Notification, SpikeAlert
from response.services.spikes import check_spikes
from response.tests.factories import SourceFactory, UserFactory

NOW = datetime(2026, 11, 27, 10, 20, tzinfo=UTC)
CURRENT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # the last complete hour


def add(source, at, plans, event=None, n=1):
    for i in range(n):
        url = f"http://127.0.0.1:9/{at.timestamp()}/{plans}/{i}/{random.random()}"
        Mention.objects.create(source=source, url=url, url_hash=Mention.hash_url(url), title="律所收费投诉",
                               fetched_at=at + timedelta(minutes=i % 50), matched_plans=plans, event=event)


@pytest.fixture
def baseline(bureau):
    UserFactory(username="duty", email="duty@bureau.example.com", roles=["值班员"])
    source = SourceFactory(slug="mnrb")
    rng = random.Random(7)
    for h in range(1, 7 * 24 + 1):  # a week of ordinary traffic: 0–2 an hour
        count = rng.choice([0, 0, 1, 1, 2])
        if count:
            add(source, CURRENT - timedelta(hours=h), ["律师公证"], n=count)
    return source


def test_a_burst_in_one_plan_raises_one_explained_alert(baseline):
    event = Event.objects.create(key="evt-fee", title="律所收费后不作为引发集中投诉", first_seen=CURRENT, last_seen=CURRENT)
    add(baseline, CURRENT, ["律师公证"], event=event, n=14)
    add(baseline, CURRENT, ["律师公证"], n=2)
    [alert] = check_spikes(NOW)
    assert alert.plan == "律师公证" and alert.hour == CURRENT and alert.observed == 16
    assert "律所收费后不作为引发集中投诉（14条）" in alert.explanation
    assert alert.top_events[0] == {"key": "evt-fee", "title": "律所收费后不作为引发集中投诉", "count": 14}
    assert Notification.objects.filter(kind="spike", recipient="duty@bureau.example.com").count() == 1
    assert check_spikes(NOW) == [] and SpikeAlert.objects.count() == 1  # a re-run records nothing twice
    assert Notification.objects.filter(kind="spike").count() == 1


def test_ordinary_traffic_raises_nothing(baseline):
    add(baseline, CURRENT, ["律师公证"], n=2)
    assert check_spikes(NOW) == []
