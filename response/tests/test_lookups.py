"""``field__any``: the rows of ``field__in`` with the list sent as one parameter (an array on
PostgreSQL, JSON on SQLite), for primary keys, relations and text columns alike."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from response.models import Event, Mention
from response.tests.factories import MentionFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentions():
    source = SourceFactory(slug="mnrb")
    now = timezone.now()
    events = [Event.objects.create(key=f"k{i}", title=f"事件{i}", first_seen=now, last_seen=now) for i in range(3)]
    return [MentionFactory(source=source, title=f"漳州市司法局第{i}条", event=events[i % 3]) for i in range(7)]


def test_any_matches_what_in_matches(mentions):
    ids = [m.pk for m in mentions[1:5]]
    events = [mentions[0].event_id, mentions[1].event_id]
    keys = ["k0", "k2", "不存在"]
    pairs = [
        (Mention.objects.filter(pk__any=ids), Mention.objects.filter(pk__in=ids)),
        (Mention.objects.filter(event_id__any=events), Mention.objects.filter(event_id__in=events)),
        (Mention.objects.filter(event__any=events), Mention.objects.filter(event__in=events)),
        (Mention.objects.exclude(pk__any=ids), Mention.objects.exclude(pk__in=ids)),
        (Event.objects.filter(key__any=keys), Event.objects.filter(key__in=keys)),
        (Mention.objects.filter(pk__any=[]), Mention.objects.none()),
    ]
    for got, want in pairs:
        assert sorted(got.values_list("pk", flat=True)) == sorted(want.values_list("pk", flat=True))
    assert Mention.objects.filter(pk__any=ids).count() == 4


def test_any_sends_the_list_as_one_parameter(mentions):
    ids = [m.pk for m in mentions]
    with CaptureQueriesContext(connection) as queries:
        list(Mention.objects.filter(pk__any=ids).values_list("pk", flat=True))
    sql = queries.captured_queries[0]["sql"]
    assert ("ANY(" in sql) if connection.vendor == "postgresql" else ("json_each(" in sql)
    assert "IN (%s" not in sql and sql.count(str(ids[-1])) == 1
