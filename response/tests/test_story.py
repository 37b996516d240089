"""The story page: spread chart by reach, first publisher, sources, sentiment, plans, the case."""
from __future__ import annotations

import pytest
from django.urls import reverse
from freezegun import freeze_time

from response.tests.test_reports_support import REPORT_AT, seed_case
from response.tests.test_views_support import fresh_dashboard_cache, people  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(bureau):
    return people(bureau)


@pytest.fixture
def seeded(bureau):
    return seed_case(bureau)


def test_story_page_shows_spread_first_publisher_sources_and_case(client, users, seeded):
    client.force_login(users["duty"])
    page = client.get(reverse("story", args=[seeded.event.pk])).content.decode()
    assert "首发 <strong>闽南日报</strong>（市级）2026-11-20 08:00" in page
    assert page.count('src="data:image/png;base64,') == 2  # spread by reach, sentiment over time
    for outlet in ("人民网", "东南网", "福建日报", "芗城融媒", "漳州身边事"):
        assert outlet in page
    assert "https://rmw.example.cn/news/2026/1120/4.html" in page
    assert "基层司法所" in page and "芗城区" in page  # plans, place
    assert seeded.case.number in page and "首次发布" in page  # the case with its clocks
    assert "记录会商" in page  # handling record
    assert reverse("case_report", args=[seeded.case.pk, "pdf"]) in page


def test_story_is_linked_from_item_and_dashboard(client, users, seeded):
    client.force_login(users["office"])
    story = reverse("story", args=[seeded.event.pk])
    assert story in client.get(reverse("mention", args=[seeded.copies[0].pk])).content.decode()
    with freeze_time(REPORT_AT):  # hot events are the last seven days'
        assert story in client.get(reverse("dashboard")).content.decode()


def test_story_visible_to_the_case_section_404_for_others(client, users, seeded, bureau):
    staff = users["lawyer_staff"]
    client.force_login(staff)
    assert client.get(reverse("story", args=[seeded.event.pk])).status_code == 404
    bureau["grassroots"].members.add(staff)
    assert client.get(reverse("story", args=[seeded.event.pk])).status_code == 200
    client.force_login(users["leader"])
    assert client.get(reverse("story", args=[seeded.event.pk])).status_code == 200
    assert client.get(reverse("story", args=[seeded.event.pk + 999])).status_code == 404
