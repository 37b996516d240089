"""Chinese 403/404/500 pages with a way back; forbidden objects look exactly like missing ones."""
from __future__ import annotations

import gzip
import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views import defaults

from response.tests.factories import CaseFactory
from response.tests.test_views_support import flagged_mention, people

pytestmark = pytest.mark.django_db


def _unmasked(response) -> str:
    """The page without its CSRF token, which is masked afresh on every response."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.fixture
def users(bureau):
    return people(bureau)


def test_404_is_chinese_with_a_way_back_and_no_english(client, users):
    client.force_login(users["lawyer_staff"])
    response = client.get(reverse("case", args=[987654]))
    html = response.content.decode()
    assert response.status_code == 404
    assert "404 · 页面不存在" in html and f'href="{reverse("home")}"' in html and "返回首页" in html
    assert "No Case matches" not in html and "Page not found" not in html and "Not Found" not in html
    assert "律师科王科员" in html  # inside the app's frame, with the person's navigation


def test_403_shows_the_chinese_reason_and_a_way_back(client, users):
    client.force_login(users["lawyer_staff"])
    response = client.get(reverse("queue"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "403 · 无权访问" in html and "只有值班员和办公室可以研判条目" in html and "返回首页" in html
    assert "Forbidden" not in html


def test_500_is_chinese_and_needs_neither_request_context_nor_database():
    request = RequestFactory().get("/cases/1/")
    response = defaults.server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "500 · 系统出错" in html and 'href="/"' in html and "Server Error" not in html


def test_another_sections_case_and_snapshot_look_like_missing_ones(client, users, bureau):
    mention = flagged_mention(bureau)
    mention.raw_gz = gzip.compress("<html><p>律所负责人失联</p></html>".encode())
    mention.save()
    case = CaseFactory(section=bureau["lawyers"], title="律师工作科的案件")
    case.mentions.add(mention)
    client.force_login(users["notary_staff"])
    pairs = [
        (reverse("case", args=[case.pk]), reverse("case", args=[case.pk + 1000])),
        (reverse("mention", args=[mention.pk]), reverse("mention", args=[mention.pk + 1000])),
        (reverse("mention_snapshot", args=[mention.pk]), reverse("mention_snapshot", args=[mention.pk + 1000])),
    ]
    for forbidden, missing in pairs:
        a, b = client.get(forbidden), client.get(missing)
        assert a.status_code == b.status_code == 404, forbidden
        assert _unmasked(a) == _unmasked(b), forbidden
        assert "律所负责人失联" not in a.content.decode()
    # The owning section still reads its snapshot.
    client.force_login(users["lawyer_staff"])
    assert "律所负责人失联" in client.get(reverse("mention_snapshot", args=[mention.pk])).content.decode()


def test_a_stale_form_gets_the_chinese_csrf_page(users):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(users["lawyer_staff"])
    response = strict.post(reverse("logout"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "403 · 页面已过期" in html and "返回首页" in html and "CSRF verification failed" not in html
