"""Hostile crawled text stays inert, every form needs a CSRF token, every view checks who is asking."""
from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from response import models as m
from response.tests.factories import CaseFactory, SourceFactory
from response.tests.test_views_support import flagged_mention, fresh_dashboard_cache, people  # noqa: F401 (autouse)

SCRIPT = '<script>alert("xss-title")</script>'
IMG = '<img src=x onerror=alert(1)>'
JS_LINK = '<a href="javascript:alert(2)">点我领取补偿</a>'
HOSTILE_TITLE = f"{SCRIPT}律师事务所乱收费"
HOSTILE_TEXT = f"某律师事务所{IMG}收费后不作为。{JS_LINK}"


@pytest.fixture
def users(bureau):
    return people(bureau)


@pytest.fixture
def hostile(bureau, users):
    """A flagged mention whose every crawled or derived field carries a payload, inside a case."""
    source = SourceFactory(slug="evil", name=f"{IMG}恶意网站", blind_reason=f"{SCRIPT}被拦截")
    now = timezone.now()
    event = m.Event.objects.create(key="evil", title=HOSTILE_TITLE, first_seen=now, last_seen=now, size=2,
                                   source_count=2, max_urgency=80, level="II")
    mention = flagged_mention(bureau, title=HOSTILE_TITLE, text=HOSTILE_TEXT, source=source, event=event,
                              url="javascript:alert(3)", origin=IMG, author=SCRIPT, terms=("律师事务所", "script"),
                              section_reason=f"{IMG}规则", urgency_reasons=[f"{SCRIPT}理由"])
    mention.sentiment_terms = [[IMG, 0.9]]
    mention.matched_plans = [f"{IMG}方案"]
    mention.save()
    flagged_mention(bureau, title=f"{IMG}转载", source=SourceFactory(slug="evil2", name="转载站"), event=event,
                    url="javascript:alert(4)")
    case = CaseFactory(title=HOSTILE_TITLE, section=bureau["lawyers"])
    case.mentions.add(mention)
    m.AuditEntry.objects.create(actor_label=SCRIPT, action="note", object_type="case", object_id=str(case.pk),
                                case=case, new=IMG, note=JS_LINK)
    m.CaseResponse.objects.create(case=case, text=SCRIPT, channel=IMG, link="javascript:alert(5)",
                                  responded_at=now)
    m.SpikeAlert.objects.create(plan=IMG, hour=now, observed=9, expected=1, p_value=0.001, explanation=SCRIPT)
    return {"mention": mention, "case": case, "event": event}


def assert_inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", html, re.IGNORECASE)
    assert "&lt;script&gt;" in html or "&lt;img" in html  # the payload is shown, as text


def test_hostile_text_is_inert_on_every_page(client, users, hostile):
    client.force_login(users["duty"])
    case, mention = hostile["case"], hostile["mention"]
    for url in (reverse("queue"), f"{reverse('queue_new')}?since=0", reverse("mention", args=[mention.pk]),
                reverse("case", args=[case.pk]), reverse("cases"), reverse("dashboard")):
        html = client.get(url).content.decode()
        assert_inert(html)
    detail = client.get(reverse("mention", args=[mention.pk])).content.decode()
    assert '<mark class="kw" title="监测方案：律师公证">律师事务所</mark>' in detail
    assert '&lt;<mark class="kw" title="监测方案：律师公证">script</mark>&gt;' in detail  # marks wrap escaped text


def test_hostile_snapshot_is_never_live_html_on_our_origin(client, users, hostile):
    mention = hostile["mention"]
    mention.raw_gz = __import__("gzip").compress(f"<html>{SCRIPT}{IMG}</html>".encode())
    mention.save()
    client.force_login(users["duty"])
    plain = client.get(reverse("mention_snapshot", args=[mention.pk]))
    assert plain["Content-Type"] == "text/plain; charset=utf-8" and plain["X-Content-Type-Options"] == "nosniff"
    for response in (plain, client.get(reverse("mention_snapshot", args=[mention.pk]), {"render": "1"})):
        csp = response["Content-Security-Policy"]
        assert csp.startswith("sandbox;") and "default-src 'none'" in csp and "allow-scripts" not in csp
    page = client.get(reverse("mention", args=[mention.pk])).content.decode()
    assert re.search(r'<iframe sandbox=""', page)


# ---- CSRF -------------------------------------------------------------------------------------

def post_endpoints(mention_pk: int, case_pk: int) -> list[str]:
    return [reverse(name, args=[mention_pk]) for name in
            ("mention_confirm", "mention_dismiss", "mention_correct", "mention_merge")] + [
        reverse(name, args=[case_pk]) for name in
        ("case_consultation", "case_response", "case_close", "case_reassign", "case_level", "case_extension")] + [
        reverse("logout")]


def test_every_form_is_refused_without_csrf_token(users, hostile):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["duty"])
    for url in post_endpoints(hostile["mention"].pk, hostile["case"].pk):
        assert client.post(url, {"reason": "与本单位无关", "summary": "办结"}).status_code == 403, url
    assert m.Mention.objects.filter(review=m.Mention.Review.PENDING).count() == 2
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(reverse("login"), {"username": "duty", "password": "pass-1234"}).status_code == 403


def test_every_post_form_carries_a_csrf_token(client, users, hostile):
    client.force_login(users["duty"])
    for url in (reverse("queue"), reverse("mention", args=[hostile["mention"].pk]),
                reverse("case", args=[hostile["case"].pk])):
        html = client.get(url).content.decode()
        forms = re.findall(r'<form method="post".*?</form>', html, re.DOTALL)
        assert forms and all("csrfmiddlewaretoken" in f for f in forms), url


# ---- permissions ------------------------------------------------------------------------------

def get_urls(mention_pk: int, case_pk: int) -> list[str]:
    return ["/", reverse("queue"), reverse("queue_new"), reverse("mention", args=[mention_pk]),
            reverse("mention_snapshot", args=[mention_pk]), reverse("cases"), reverse("case", args=[case_pk]),
            reverse("dashboard")]


def test_anonymous_is_sent_to_login_everywhere(client, hostile):
    mention, case = hostile["mention"].pk, hostile["case"].pk
    for url in get_urls(mention, case) + post_endpoints(mention, case)[:-1]:
        response = client.post(url) if url in post_endpoints(mention, case) else client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_section_staff_cannot_work_the_queue(client, users, hostile):
    client.force_login(users["lawyer_staff"])
    mention = hostile["mention"].pk
    for url in (reverse("queue"), reverse("queue_new"), reverse("dashboard")):
        assert client.get(url).status_code == 403, url
    for url in post_endpoints(mention, hostile["case"].pk)[:4]:
        assert client.post(url, {"reason": "x", "level": "I", "section": "lawyers"}).status_code == 403, url
    assert not m.Mention.objects.exclude(review=m.Mention.Review.PENDING).exists()


def test_other_sections_cases_do_not_exist_for_section_staff(client, users, hostile):
    case = hostile["case"]  # owned by 律师工作科
    client.force_login(users["notary_staff"])
    assert client.get(reverse("case", args=[case.pk])).status_code == 404
    assert client.get(reverse("mention_snapshot", args=[hostile["mention"].pk])).status_code == 404
    assert case.number not in client.get(reverse("cases")).content.decode()
    for url in post_endpoints(hostile["mention"].pk, case.pk)[4:10]:
        assert client.post(url, {"summary": "办结", "text": "回应", "channel": "网站"}).status_code == 404, url
    case.refresh_from_db()
    assert case.state == m.Case.State.HANDLING and case.responses.count() == 1


def test_own_section_staff_see_case_and_snapshot_but_cannot_reassign(client, users, hostile):
    case = hostile["case"]
    client.force_login(users["lawyer_staff"])
    assert client.get(reverse("case", args=[case.pk])).status_code == 200
    assert client.get(reverse("mention_snapshot", args=[hostile["mention"].pk])).status_code == 200
    assert client.post(reverse("case_reassign", args=[case.pk]), {"section": "notary"}).status_code == 403
    assert client.post(reverse("case_level", args=[case.pk]), {"level": "I"}).status_code == 403


def test_co_section_staff_see_the_case(client, users, hostile, bureau):
    case = hostile["case"]
    case.co_sections.add(bureau["notary"])
    client.force_login(users["notary_staff"])
    assert client.get(reverse("case", args=[case.pk])).status_code == 200


def test_leaders_see_everything_but_do_not_triage_or_reassign(client, users, hostile):
    client.force_login(users["leader"])
    case = hostile["case"]
    assert client.get(reverse("case", args=[case.pk])).status_code == 200
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("queue")).status_code == 403
    assert client.post(reverse("case_reassign", args=[case.pk]), {"section": "notary"}).status_code == 403


def test_open_redirect_is_refused(client, users, hostile):
    client.force_login(users["duty"])
    response = client.post(reverse("mention_dismiss", args=[hostile["mention"].pk]),
                           {"reason": "重复信息", "next": "https://evil.example.com/"})
    assert response["Location"] == reverse("queue")


# ---- items linked to cases: read-only for the sections that own them -----------------------

def test_section_staff_read_items_of_their_own_cases_without_actions(client, users, hostile):
    client.force_login(users["lawyer_staff"])
    response = client.get(reverse("mention", args=[hostile["mention"].pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "（只读）" in html and hostile["case"].number in html
    assert_inert(html)
    for action in ("mention_confirm", "mention_dismiss", "mention_correct", "mention_merge"):
        assert reverse(action, args=[hostile["mention"].pk]) not in html, action
    assert "确认立案" not in html and 'id="confirm-dialog"' not in html and "同一事件的其他转载" not in html
    case_page = client.get(reverse("case", args=[hostile["case"].pk])).content.decode()
    assert f'href="{reverse("mention", args=[hostile["mention"].pk])}"' in case_page


def test_section_staff_get_404_for_items_outside_their_cases(client, users, hostile, bureau):
    copy = m.Mention.objects.exclude(pk=hostile["mention"].pk).get()  # same event, in no case
    client.force_login(users["lawyer_staff"])
    assert client.get(reverse("mention", args=[copy.pk])).status_code == 404
    assert client.get(reverse("mention", args=[999_999])).status_code == 404
    client.force_login(users["notary_staff"])  # another section's case
    assert client.get(reverse("mention", args=[hostile["mention"].pk])).status_code == 404
    hostile["case"].co_sections.add(bureau["notary"])  # co-owners read it too
    assert client.get(reverse("mention", args=[hostile["mention"].pk])).status_code == 200
