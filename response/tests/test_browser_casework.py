"""Case work in a real headless chromium: claim a case, an internal note with an @mention, a II
response submitted for sign-off and approved by the leader, and a Chinese 404 page."""
from __future__ import annotations

import pytest
from django.utils import timezone

from response import models as m
from response.tests.test_browser import browser, login, logout, page, shot  # noqa: F401 (fixtures)
from response.tests.test_views_support import fresh_dashboard_cache, people  # noqa: F401 (autouse)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST = "市司法局已关注网传某律所律师卷款失联情况，已成立调查组，将依法处理并及时公布进展。"


@pytest.fixture
def users(bureau):
    return people(bureau)


def test_claim_note_sign_off_and_approval(page, live_server, users, bureau):  # noqa: F811
    from response.services import casework
    from response.tests.mechanism import make_case

    case = make_case(bureau, level="II", section="lawyers", title="网传某律所律师卷款失联 多名当事人报警")
    casework.record_consultation(case, None, held_at=timezone.now(), participants="局领导、办公室、律师工作科",
                                 conclusion="先发布权威信息", agreed_wording="已立案调查，依法处理")

    login(page, live_server, "lawyer_staff")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert page.locator("#assignee strong").inner_text() == "未指派"
    with page.expect_navigation():
        page.click("#claim-button")
    assert "已认领本案件" in page.content() and page.locator("#assignee strong").inner_text() == "律师科王科员"
    page.goto(f"{live_server.url}/cases/")
    with page.expect_navigation():
        page.click("#mine-tab")
    assert page.locator(".case-card").count() == 1 and case.number in page.locator(".case-card").inner_text()

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.fill("#note-form textarea[name=body]", '@分管领导 首次发布口径请尽快审核<script>alert("x")</script>')
    with page.expect_navigation():
        page.click("#note-form button[type=submit]")
    assert "已提醒分管领导" in page.content()
    note = page.locator("#notes .note").first
    assert "@分管领导" in note.locator(".at").inner_text()
    assert '<script>alert("x")</script>' in note.locator(".note-body").inner_text()  # shown as text, never run
    assert page.dialogs == []
    assert m.Notification.objects.filter(kind="note_mention", recipient=users["leader"].email).exists()

    assert page.locator("#response-form").count() == 0
    form = page.locator("#signoff-form")
    assert form.locator("select[name=kind]").input_value() == "first_statement"
    form.locator("textarea[name=text]").fill(FIRST)
    form.locator("input[name=channel]").fill("官方微博")
    form.locator("select[name=approver]").select_option(str(users["leader"].pk))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "已送审分管领导" in page.content() and "等待审核，时限照常计算" in page.content()
    assert not case.responses.exists()
    shot(page, "case-signoff-submitted")
    logout(page)

    login(page, live_server, "leader")
    nav = page.locator("header.top nav")
    assert "回应审核（1）" in nav.inner_text()
    with page.expect_navigation():
        nav.locator("text=回应审核（1）").click()
    pending = page.locator("#pending-signoffs .draft")
    assert pending.count() == 1 and FIRST[:20] in pending.inner_text()
    shot(page, "signoffs")
    pending.locator("textarea[name=comment]").fill("同意发布")
    with page.expect_navigation():
        pending.locator("button[value=approve]").click()
    assert "已审核通过" in page.content() and "暂无待审核的回应" in page.content()
    response = case.responses.get()
    assert response.approved_by == "分管领导" and response.kind == "first_statement"
    assert m.ResponseDraft.objects.get().response == response
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert "审核 分管领导" in page.locator("#responses").inner_text()
    assert "已通过" in page.locator("#responses .draft").inner_text()


def test_missing_page_is_chinese_with_a_way_back(page, live_server, users):  # noqa: F811
    login(page, live_server, "notary_staff")
    answer = page.goto(f"{live_server.url}/cases/999999/")
    assert answer.status == 404
    assert "404 · 页面不存在" in page.content() and "Not Found" not in page.content()
    shot(page, "error-404")
    with page.expect_navigation():
        page.click(".error-back a.button")
    assert page.url.endswith("/cases/")
