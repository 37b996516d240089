"""In-page alerts (new I–II items, cases turning overdue) and the dashboard's hot events."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from response import models as m
from response.services import dashboard
from response.tests.factories import CaseFactory, SourceFactory
from response.tests.test_views_support import (  # noqa: F401 (fresh_dashboard_cache is autouse)
    flagged_mention,
    fresh_dashboard_cache,
    people,
)


@pytest.fixture
def users(bureau):
    return people(bureau)


def poll(client, cursor=None):
    params = {"since": cursor["since"], "at": cursor["at"]} if cursor else {}
    response = client.get(reverse("alerts"), params)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    return response.json()


def test_first_poll_only_sets_cursors_then_new_level_i_ii_items_alert(client, users, bureau):
    flagged_mention(bureau, title="早已在队列中的II级条目", urgency=75, level="II")
    client.force_login(users["duty"])
    first = poll(client)
    assert first["enabled"] and first["alerts"] == []
    new_one = flagged_mention(bureau, title="社区矫正对象脱管 司法所连夜寻找", text="某司法所一名社区矫正对象脱管。",
                              urgency=90, level="I", section="corrections", plan="社区矫正", terms=("社区矫正",))
    flagged_mention(bureau, title="司法所开展普法宣传", urgency=40, level="IV")
    second = poll(client, first)
    assert [a["key"] for a in second["alerts"]] == [f"m:{new_one.pk}"]
    alert = second["alerts"][0]
    assert alert["title"].startswith("新I级舆情：社区矫正对象脱管") and alert["url"] == reverse("mention", args=[new_one.pk])
    assert alert["kind"] == "mention" and "闽南日报" in alert["text"]
    assert poll(client, second)["alerts"] == []


def test_an_item_stored_earlier_but_judged_later_still_alerts(client, users, bureau):
    late = flagged_mention(bureau, title="入库后才研判的律师投诉", flagged=False, analysed_at=None, urgency=0, level="")
    client.force_login(users["duty"])
    first = poll(client)
    m.Mention.objects.filter(pk=late.pk).update(flagged=True, level="II", urgency=72,
                                                analysed_at=timezone.now() + timedelta(seconds=1))
    assert [a["key"] for a in poll(client, first)["alerts"]] == [f"m:{late.pk}"]


def test_a_case_clock_falling_due_between_polls_alerts_once(client, users, bureau):
    case = CaseFactory(title="网传某司法所工作人员暴力执法", section=bureau["grassroots"])
    now = timezone.now()
    clock = m.CaseClock.objects.create(case=case, clock=m.Clock.FIRST_STATEMENT, started_at=now - timedelta(hours=5),
                                       due_at=now + timedelta(minutes=10))
    done = CaseFactory(title="已办结的案件", section=bureau["grassroots"], state=m.Case.State.CLOSED)
    m.CaseClock.objects.create(case=done, clock=m.Clock.CLOSURE, started_at=now - timedelta(days=3),
                               due_at=now + timedelta(minutes=5))
    client.force_login(users["duty"])
    first = poll(client)
    assert first["alerts"] == []
    with freeze_time(now + timedelta(minutes=15)):
        second = poll(client, first)
    assert [a["key"] for a in second["alerts"]] == [f"k:{clock.pk}"]
    assert second["alerts"][0]["title"] == f"案件超时：{case.number} 网传某司法所工作人员暴力执法"
    assert second["alerts"][0]["text"].startswith(f"{clock.get_clock_display()}时限已到")
    assert second["alerts"][0]["url"] == reverse("case", args=[case.pk])
    with freeze_time(now + timedelta(minutes=20)):
        assert poll(client, second)["alerts"] == []


def test_alerts_are_for_duty_officers_only(client, users, bureau):
    client.force_login(users["lawyer_staff"])
    assert client.get(reverse("alerts")).json() == {"enabled": False}
    client.logout()
    assert client.get(reverse("alerts")).status_code == 302


def test_every_page_loads_the_alert_script(client, users, bureau):
    client.force_login(users["lawyer_staff"])
    page = client.get(reverse("cases")).content.decode()
    assert "response/alerts.js" in page and f'data-url="{reverse("alerts")}"' in page
    assert 'class="board" data-refresh=' in page


# ---- dashboard hot events ----

def test_hot_events_link_to_their_lead_and_skip_unwatched_national_news(client, users, bureau):
    now = timezone.now()
    ours = m.Event.objects.create(key="evt-ours", title="律师事务所收费争议持续发酵", first_seen=now, last_seen=now,
                                  size=3, source_count=3, max_urgency=72, level="II")
    national = m.Event.objects.create(key="evt-national", title="某地暴雨致多条航班取消", first_seen=now,
                                      last_seen=now, size=40, source_count=25)
    reviewed = flagged_mention(bureau, title="律师事务所收费争议 首发", event=ours, urgency=60, review="confirmed",
                               event_lead=False)
    lead = flagged_mention(bureau, title="律师事务所收费争议持续发酵", event=ours, urgency=72)
    people_daily = SourceFactory(slug="people", name="人民网", reach=m.Reach.NATIONAL)
    for i in range(2):
        flagged_mention(bureau, title="某地暴雨致多条航班取消", text="多地出现强降雨。", source=people_daily,
                        event=national, flagged=False, matched_plans=[], keywords=[], level="", urgency=5,
                        url=f"http://127.0.0.1:9/national/{i}.html")
    events = dashboard.top_events(now=now)
    assert [e.key for e in events] == ["evt-ours"] and events[0].lead_id == lead.pk
    assert reviewed.pk != lead.pk
    client.force_login(users["leader"])
    page = client.get(reverse("dashboard")).content.decode()
    assert f'<a href="{reverse("mention", args=[lead.pk])}">律师事务所收费争议持续发酵</a>' in page
    assert "某地暴雨致多条航班取消" not in page


def test_a_hotline_story_counts_as_watched(bureau):
    now = timezone.now()
    event = m.Event.objects.create(key="evt-ticket", title="继承公证办理时间过长", first_seen=now, last_seen=now, size=1,
                                   source_count=1)
    hotline = SourceFactory(slug="12345", name="12345热线", kind=m.Source.Kind.HOTLINE)
    ticket = flagged_mention(bureau, title="继承公证办理时间过长", source=hotline, event=event, matched_plans=[],
                             keywords=[])
    assert [(e.key, e.lead_id) for e in dashboard.top_events(now=now)] == [("evt-ticket", ticket.pk)]
