"""全局搜索: items in every state and cases by number, title, ticket, section, assignee, state and date;
saved filters per user."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from response import models as m
from response.services import casework
from response.tests.factories import CaseFactory, SourceFactory, UserFactory
from response.tests.test_views_support import (  # noqa: F401 (fresh_dashboard_cache is autouse)
    flagged_mention,
    fresh_dashboard_cache,
    people,
)

TZ = timezone.get_fixed_timezone(8 * 60)


@pytest.fixture
def users(bureau):
    return people(bureau)


@pytest.fixture
def world(bureau, users):
    """A pending, a dismissed and a confirmed item about 律师; a 12345 ticket case; dated cases."""
    pending = flagged_mention(bureau, title="律师事务所收费争议 市民要求退费", urgency=50, level="III")
    dismissed = flagged_mention(bureau, title="律师行业年度论坛在厦门举行", urgency=20, level="IV")
    casework.dismiss_mention(dismissed, users["duty"], "正面或中性报道，无需处置")
    confirmed = flagged_mention(bureau, title="网传律师违规会见当事人", urgency=75, level="II")
    case = casework.confirm_mention(confirmed, users["duty"], section=bureau["lawyers"])
    hotline = SourceFactory(slug="12345", name="12345热线", kind=m.Source.Kind.HOTLINE)
    ticket = flagged_mention(bureau, title="反映公证处办理继承公证时间过长", source=hotline, section="notary",
                             text="来电人反映在某公证处办理继承公证已两个月仍未出证。", terms=("公证处",),
                             url="http://127.0.0.1:9/12345/ZZ20261120-0042",
                             extra={"ticket_no": "ZZ20261120-0042", "category": "投诉"})
    ticket_case = CaseFactory(title="反映公证处办理继承公证时间过长", section=bureau["notary"],
                              origin_key="ticket:ZZ20261120-0042", channel="hotline_complaint")
    ticket_case.mentions.add(ticket)
    assignee = UserFactory(username="notary_li", first_name="公证科李科员2")
    bureau["notary"].members.add(assignee)
    old_case = CaseFactory(title="社区矫正对象脱管事件", section=bureau["corrections"], state=m.Case.State.CLOSED,
                           opened_at=datetime(2026, 3, 2, 10, 0, tzinfo=TZ), assignee=assignee)
    return {"pending": pending, "dismissed": dismissed, "confirmed": confirmed, "case": case, "ticket": ticket,
            "ticket_case": ticket_case, "old_case": old_case, "assignee": assignee}


def results(client, **params):
    page = client.get(reverse("search"), params)
    assert page.status_code == 200
    ctx = page.context["results"]
    return {x.pk for x in ctx.mentions}, {c.pk for c in ctx.cases}, page.content.decode()


def test_items_in_every_state_are_found(client, users, world):
    client.force_login(users["duty"])
    mentions, _, page = results(client, q="律师", kind="mentions")
    assert {world["pending"].pk, world["dismissed"].pk, world["confirmed"].pk} <= mentions
    assert "已排除" in page and "正面或中性报道" in page and "已确认" in page
    only_dismissed, _, _ = results(client, q="律师", review="dismissed")
    assert only_dismissed == {world["dismissed"].pk}


def test_cases_by_number_ticket_section_assignee_state_and_date(client, users, world):
    client.force_login(users["office"])
    _, cases, _ = results(client, q=world["case"].number)
    assert cases == {world["case"].pk}
    mentions, cases, page = results(client, q="ZZ20261120-0042")
    assert cases == {world["ticket_case"].pk} and mentions == {world["ticket"].pk} and "ZZ20261120-0042" in page
    _, cases, _ = results(client, kind="cases", section="notary")
    assert cases == {world["ticket_case"].pk}
    _, cases, _ = results(client, kind="cases", assignee=world["assignee"].pk)
    assert cases == {world["old_case"].pk}
    _, cases, _ = results(client, kind="cases", state="closed")
    assert cases == {world["old_case"].pk}
    _, cases, _ = results(client, kind="cases", start="2026-03-01", end="2026-03-02")
    assert cases == {world["old_case"].pk}
    _, cases, _ = results(client, kind="cases", start="2026-03-03", end="2026-03-31")
    assert world["old_case"].pk not in cases


def test_bad_dates_are_explained(client, users, world):
    client.force_login(users["duty"])
    page = client.get(reverse("search"), {"start": "2026-03-05", "end": "2026-03-01"}).content.decode()
    assert "截止日期早于起始日期" in page


def test_section_staff_find_only_what_they_may_open(client, users, world):
    client.force_login(users["notary_staff"])
    mentions, cases, _ = results(client, q="律师")
    assert cases == set() and mentions == set()
    mentions, cases, _ = results(client, q="公证")
    assert cases == {world["ticket_case"].pk} and mentions == {world["ticket"].pk}
    client.force_login(users["lawyer_staff"])
    mentions, cases, _ = results(client, q="律师")
    # Only the item linked to the lawyers' case; pending and dismissed items belong to the queue.
    assert cases == {world["case"].pk} and mentions == {world["confirmed"].pk}


def test_saved_filters_are_per_user(client, users, world):
    client.force_login(users["duty"])
    client.post(reverse("saved_filter_save"), {"scope": "search", "name": "律师投诉", "query": "q=律师&kind=cases"})
    client.post(reverse("saved_filter_save"), {"scope": "queue", "name": "二级以上", "query": "?level=II"})
    saved = {f.name: f for f in m.SavedFilter.objects.filter(user=users["duty"])}
    assert saved["律师投诉"].query == "q=律师&kind=cases" and saved["二级以上"].query == "level=II"
    page = client.get(reverse("search")).content.decode()
    assert "/search/?q=律师&amp;kind=cases" in page and "/queue/?level=II" in page
    queue = client.get(reverse("queue")).content.decode()
    assert "二级以上" in queue and "律师投诉" not in queue
    # Saving under the same name overwrites instead of failing on the unique constraint.
    client.post(reverse("saved_filter_save"), {"scope": "search", "name": "律师投诉", "query": "q=律师"}, follow=True)
    assert m.SavedFilter.objects.get(user=users["duty"], name="律师投诉").query == "q=律师"

    client.force_login(users["office"])
    assert "律师投诉" not in client.get(reverse("search")).content.decode()
    client.post(reverse("saved_filter_delete", args=[saved["律师投诉"].pk]))
    assert m.SavedFilter.objects.filter(pk=saved["律师投诉"].pk).exists()
    client.force_login(users["duty"])
    client.post(reverse("saved_filter_delete", args=[saved["律师投诉"].pk]))
    assert not m.SavedFilter.objects.filter(pk=saved["律师投诉"].pk).exists()


def test_saved_filter_needs_a_name(client, users, world):
    client.force_login(users["duty"])
    page = client.post(reverse("saved_filter_save"), {"scope": "search", "name": " ", "query": "q=律师"},
                       follow=True).content.decode()
    assert "请为筛选条件命名" in page and not m.SavedFilter.objects.exists()


def test_search_is_in_the_navigation(client, users, world):
    client.force_login(users["lawyer_staff"])
    page = client.get(reverse("cases")).content.decode()
    assert f'href="{reverse("search")}"' in page and "全局搜索" in page
    assert timezone.now() - world["pending"].fetched_at < timedelta(hours=1)


def test_the_case_board_saves_its_filter_and_replays_it(client, users, world):
    client.force_login(users["duty"])
    plain = client.get(reverse("cases")).content.decode()
    assert 'id="cases-save-filter"' not in plain  # nothing filtered, nothing to save
    board = client.get(reverse("cases"), {"section": "notary", "finished": "1"})
    html = board.content.decode()
    assert 'id="cases-save-filter"' in html and 'value="section=notary&amp;finished=1"' in html
    client.post(reverse("saved_filter_save"), {"scope": "cases", "name": "公证科全部", "query": board.context["filter_query"],
                                               "next": "/cases/?section=notary&finished=1"})
    saved = m.SavedFilter.objects.get(user=users["duty"], scope="cases")
    again = client.get(reverse("cases") + "?" + saved.query)
    shown = {c.pk for _, _, rows in again.context["columns"] for c in rows} | {c.pk for c in again.context["finished"]}
    assert world["ticket_case"].pk in shown and world["old_case"].pk not in shown
    assert f'href="/cases/?{saved.query.replace("&", "&amp;")}">公证科全部</a>' in again.content.decode()
