"""The `when` filter: due times show their year unless it is the current one (in local time)."""
from __future__ import annotations

from datetime import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from freezegun import freeze_time

from response.services.extensions import approve_extension, request_extension
from response.templatetags.yuqing_ui import when
from response.tests.mechanism import make_case
from response.tests.test_views_support import people


def local(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00")


@freeze_time("2026-12-30 10:00:00+08:00")
def test_this_year_without_year_other_years_with_it():
    assert when(local("2026-01-05T09:00:00")) == "01-05 09:00"
    assert when(local("2027-01-05T09:00:00")) == "2027-01-05 09:00"
    assert when(local("2025-12-31T23:59:59")) == "2025-12-31 23:59"
    assert when(None) == ""


@freeze_time("2026-12-31 20:00:00+08:00")
def test_year_is_judged_in_local_time():
    # 2026-12-31 17:30 UTC is already 2027 in Beijing, while "now" is still 2026 there.
    assert when(datetime.fromisoformat("2026-12-31T17:30:00+00:00")) == "2027-01-01 01:30"
    assert when(datetime.fromisoformat("2026-12-31T15:30:00+00:00")) == "12-31 23:30"


@freeze_time("2027-01-02 08:00:00+08:00")
def test_in_a_template():
    html = Template("{% load yuqing_ui %}{{ a|when }} / {{ b|when }}").render(
        Context({"a": local("2026-12-30T18:00:00"), "b": local("2027-01-04T09:00:00")}))
    assert html == "2026-12-30 18:00 / 01-04 09:00"


@pytest.mark.django_db
def test_case_page_shows_the_year_of_a_due_time_next_year(client, bureau):
    users = people(bureau)
    with freeze_time("2026-12-30 10:00:00+08:00"):
        case = make_case(bureau, level="III", title="网友质疑年底律师事务所年检走过场")
        response = case.clocks.get(clock="response")
        assert response.due_at == local("2027-01-01T10:00:00")  # 48 hours
        client.force_login(users["office"])
        page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "<td>2027-01-01 10:00</td>" in page
    assert "<td>01-01 10:00</td>" not in page


@pytest.mark.django_db
def test_case_page_extension_times_show_the_year(client, bureau):
    users = people(bureau)
    with freeze_time("2026-12-30 10:00:00+08:00"):
        case = make_case(bureau, level="III", section="lawyers", title="市民投诉律师跨年仍未退费")
        clock = case.clocks.get(clock="response")
        ext = request_extension(clock, users["lawyer_staff"], reason="当事人元旦假期无法联系，需顺延", amount=24,
                                unit="hours")
        approve_extension(ext, users["office"], note="同意顺延")
    with freeze_time("2027-01-02 09:00:00+08:00"):
        client.force_login(users["office"])
        page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "到期 01-01 10:00 → 01-02 10:00" in page  # this (2027) year: no year
    assert "办公室张主任 2026-12-30 10:00" in page  # the decision, last year
