"""The duty officers' screens through Django's test client: queue, item, actions, cases, dashboard."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from response import models as m
from response.services import highlight
from response.tests.factories import CaseFactory, MentionFactory, SourceFactory
from response.tests.test_views_support import (  # noqa: F401 (fresh_dashboard_cache is autouse)
    LAWYER_TITLE,
    event_with_copies,
    flagged_mention,
    fresh_dashboard_cache,
    keyword_hits,
    people,
)


@pytest.fixture
def users(bureau):
    return people(bureau)


def login(client, user):
    client.force_login(user)
    return client


# ---- login and navigation ---------------------------------------------------------------

def test_anonymous_root_goes_to_chinese_login(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    page = client.get(response["Location"]).content.decode()
    assert "登录" in page and "用户名" in page and "密码" in page


def test_password_login_lands_on_role_home(client, users):
    response = client.post(reverse("login"), {"username": "duty", "password": "pass-1234", "next": "/"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("queue")
    assert "研判队列" in response.content.decode()


@pytest.mark.parametrize("who,home", [("duty", "queue"), ("office", "queue"), ("leader", "dashboard"),
                                      ("lawyer_staff", "cases")])
def test_home_depends_on_role(client, users, who, home):
    assert login(client, users[who]).get("/")["Location"] == reverse(home)


def test_navigation_is_role_aware(client, users):
    duty = login(client, users["duty"]).get(reverse("cases")).content.decode()
    assert "研判队列" in duty and "统计与源健康" in duty
    client.logout()
    staff = login(client, users["lawyer_staff"]).get(reverse("cases")).content.decode()
    assert "本科室案件" in staff and "研判队列" not in staff and "统计与源健康" not in staff


# ---- highlighting -----------------------------------------------------------------------

def test_highlight_escapes_then_marks_and_drops_stale_offsets():
    title, text = "律师<b>事务所", "某律师称 & 要投诉"
    hits = keyword_hits(title, text, "律师公证", "律师") + [{"plan": "x", "term": "投诉", "start": 0, "end": 2}]
    title_html, body_html = highlight.highlight_parts(title, text, hits)
    assert title_html == '<mark class="kw" title="监测方案：律师公证">律师</mark>&lt;b&gt;事务所'
    assert body_html == '某<mark class="kw" title="监测方案：律师公证">律师</mark>称 &amp; 要投诉'  # stale span dropped


def test_highlight_merges_overlapping_terms():
    title, text = "", "律师事务所收费"
    hits = keyword_hits(title, text, "律师公证", "律师事务所", "律师")
    assert str(highlight.highlight_parts(title, text, hits)[1]).count("<mark") == 1


# ---- queue --------------------------------------------------------------------------------

def test_queue_sorted_by_urgency_then_time_with_highlights_and_event_size(client, users, bureau):
    event, copies = event_with_copies(bureau, 3)
    calm = flagged_mention(bureau, title="司法所开展人民调解宣传活动", text="基层司法所调解员走进社区。", urgency=35,
                           level="IV", section="grassroots", plan="人民调解", terms=("调解",), sentiment="neutral")
    MentionFactory(title="与本局无关的未标记新闻", flagged=False)
    html = login(client, users["duty"]).get(reverse("queue")).content.decode()
    assert html.index(LAWYER_TITLE) < html.index("司法所开展人民调解宣传活动")
    assert "与本局无关的未标记新闻" not in html
    assert '<mark class="kw" title="监测方案：律师公证">律师事务所</mark>' in html
    assert "3 个网站转载" in html and "4 条待研判" in html
    assert f'data-id="{calm.pk}"' in html and "II级" in html and "负面" in html and "闽南日报" in html


@pytest.mark.parametrize("params,expected", [
    ({"level": "IV"}, {"calm"}), ({"level": "II"}, {"lawyer"}), ({"sentiment": "neutral"}, {"calm"}),
    ({"kind": "board"}, {"calm"}), ({"section": "grassroots"}, {"calm"}), ({"plan": "律师公证"}, {"lawyer"}),
    ({"q": "调解员"}, {"calm"}), ({"q": "举证期限"}, {"lawyer"}), ({"range": "1h"}, {"lawyer"}),
])
def test_queue_filters(client, users, bureau, params, expected):
    lawyer = flagged_mention(bureau)
    board = SourceFactory(slug="board", name="局长信箱", kind=m.Source.Kind.BOARD)
    calm = flagged_mention(bureau, title="司法所开展人民调解宣传活动", text="基层司法所调解员走进社区。", urgency=35,
                           level="IV", section="grassroots", plan="人民调解", terms=("调解",), sentiment="neutral",
                           source=board, age_minutes=600)
    html = login(client, users["duty"]).get(reverse("queue"), params).content.decode()
    shown = {name for name, obj in (("lawyer", lawyer), ("calm", calm)) if f'data-id="{obj.pk}"' in html}
    assert shown == expected


def test_queue_keyset_paging_visits_every_item_once_in_order(client, users, bureau):
    source = SourceFactory(slug="mnrb", name="闽南日报")
    now = timezone.now()
    m.Mention.objects.bulk_create([
        m.Mention(source=source, url=f"http://127.0.0.1:9/{i}", url_hash=f"h{i}", title=f"律师投诉第{i}号",
                  fetched_at=now - timedelta(minutes=i % 7), urgency=(i * 37) % 100, flagged=True)
        for i in range(123)
    ])
    login(client, users["duty"])
    seen, url, pages = [], reverse("queue"), 0
    while url:
        response = client.get(url)
        seen += [int(x) for x in re.findall(r'<tr data-id="(\d+)"', response.content.decode())]
        url = response.context["next_url"] and reverse("queue") + response.context["next_url"]
        pages += 1
    expected = list(m.Mention.objects.order_by("-urgency", "-fetched_at", "-id").values_list("id", flat=True))
    assert pages == 3 and seen == expected
    last = client.get(reverse("queue") + response.context["prev_url"])  # back from the last page
    assert [int(x) for x in re.findall(r'<tr data-id="(\d+)"', last.content.decode())] == expected[50:100]


def test_poll_returns_only_newer_rows(client, users, bureau):
    old = flagged_mention(bureau)
    page = login(client, users["duty"]).get(reverse("queue"))
    since = page.context["since"]
    assert client.get(reverse("queue_new"), {"since": since})["X-New-Count"] == "0"
    new = flagged_mention(bureau, title="律师事务所违规收费再遭投诉", urgency=90, level="I")
    response = client.get(reverse("queue_new"), {"since": since})
    html = response.content.decode()
    assert response["X-New-Count"] == "1" and f'data-id="{new.pk}"' in html and f'data-id="{old.pk}"' not in html
    assert response["X-Since"] == str(new.pk)


# ---- item detail and actions ------------------------------------------------------------

def test_item_detail_explains_the_judgement(client, users, bureau):
    event, copies = event_with_copies(bureau, 3)
    html = login(client, users["duty"]).get(reverse("mention", args=[copies[0].pk])).content.decode()
    for expected in ("负面情感概率 0.91", "事件已被 3 个网站转载", "分办规则", "律师工作科", "投诉", "律师公证",
                     "同一事件的其他转载（2 条，3 个网站）", "东南网", 'rel="noopener noreferrer nofollow"',
                     reverse("mention_snapshot", args=[copies[0].pk])):
        assert expected in html, expected
    assert '<mark class="kw"' in html and "举证期限" in html


def test_confirm_opens_case_with_edited_level_and_section_and_merges_copies(client, users, bureau):
    event, copies = event_with_copies(bureau, 3)
    login(client, users["duty"])
    response = client.post(reverse("mention_confirm", args=[copies[0].pk]),
                           {"level": "III", "section": "notary", "with_copies": "1"})
    case = m.Case.objects.get()
    assert response["Location"] == reverse("case", args=[case.pk])
    assert case.level.code == "III" and case.section.code == "notary" and case.state == m.Case.State.HANDLING
    assert set(case.mentions.values_list("id", flat=True)) == {c.pk for c in copies}
    assert not m.Mention.objects.filter(review=m.Mention.Review.PENDING).exists()
    assert m.Feedback.objects.filter(field="section", human_value="notary").exists()
    queue = client.get(reverse("queue")).content.decode()
    assert "暂无待研判条目" in queue


def test_confirm_from_queue_returns_to_queue_with_message(client, users, bureau):
    mention = flagged_mention(bureau)
    login(client, users["duty"])
    response = client.post(reverse("mention_confirm", args=[mention.pk]),
                           {"level": "II", "section": "lawyers", "next": reverse("queue")}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("queue")
    assert "已确认并立案" in response.content.decode()


def test_dismiss_needs_a_reason(client, users, bureau):
    mention = flagged_mention(bureau)
    login(client, users["duty"])
    client.post(reverse("mention_dismiss", args=[mention.pk]), {"reason": ""})
    mention.refresh_from_db()
    assert mention.review == m.Mention.Review.PENDING
    client.post(reverse("mention_dismiss", args=[mention.pk]), {"reason": "与本单位无关"})
    mention.refresh_from_db()
    assert mention.review == m.Mention.Review.DISMISSED and mention.dismiss_reason == "与本单位无关"
    assert m.AuditEntry.objects.filter(object_type="mention", object_id=str(mention.pk), actor=users["duty"]).exists()


def test_correct_labels_become_feedback(client, users, bureau):
    mention = flagged_mention(bureau)
    login(client, users["duty"])
    client.post(reverse("mention_correct", args=[mention.pk]), {"field": "sentiment", "value": "neutral"})
    client.post(reverse("mention_correct", args=[mention.pk]), {"field": "section", "value": "notary"})
    client.post(reverse("mention_correct", args=[mention.pk]), {"field": "section", "value": "没有这个科室"})
    mention.refresh_from_db()
    assert mention.sentiment == "neutral" and mention.section.code == "notary"
    assert sorted(m.Feedback.objects.values_list("field", "human_value")) == [("section", "notary"),
                                                                            ("sentiment", "neutral")]


def test_merge_into_existing_case_by_number(client, users, bureau):
    case = CaseFactory(section=bureau["lawyers"])
    mention = flagged_mention(bureau)
    login(client, users["duty"])
    bad = client.post(reverse("mention_merge", args=[mention.pk]), {"case": "YQ1999-999999"}, follow=True)
    assert "找不到案件 YQ1999-999999" in bad.content.decode()
    client.post(reverse("mention_merge", args=[mention.pk]), {"case": case.number})
    assert list(case.mentions.all()) == [mention]


def test_snapshot_is_plain_text_with_sandbox_csp(client, users, bureau):
    mention = flagged_mention(bureau)
    login(client, users["duty"])
    response = client.get(reverse("mention_snapshot", args=[mention.pk]))
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert LAWYER_TITLE in response.content.decode()
    rendered = client.get(reverse("mention_snapshot", args=[mention.pk]), {"render": "1"})
    assert rendered["Content-Security-Policy"].startswith("sandbox") and rendered["X-Frame-Options"] == "SAMEORIGIN"


# ---- cases ------------------------------------------------------------------------------------

def _confirmed_case(client, users, bureau, level="III") -> m.Case:
    mention = flagged_mention(bureau)
    login(client, users["duty"]).post(reverse("mention_confirm", args=[mention.pk]),
                                      {"level": level, "section": "lawyers"})
    client.logout()
    return m.Case.objects.get()


def test_section_staff_respond_and_close_with_audit_trail(client, users, bureau):
    case = _confirmed_case(client, users, bureau)
    login(client, users["lawyer_staff"])
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "记录回应" in page and "改派" not in page
    client.post(reverse("case_response", args=[case.pk]), {
        "text": "市司法局已约谈该律师事务所，责令退还部分律师费。", "channel": "官方网站",
        "link": "https://sfj.example.gov.cn/news/1.html", "approved_by": "李科长"})
    client.post(reverse("case_close", args=[case.pk]), {"summary": "已回应并督促整改，当事人表示满意。"})
    case.refresh_from_db()
    assert case.state == m.Case.State.CLOSED and case.responses.count() == 1
    html = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "律师科王科员" in html and "值班员小陈" in html and "已办结" in html and "按时完成" in html


def test_level_ii_requires_consultation_before_response(client, users, bureau):
    case = _confirmed_case(client, users, bureau, level="II")
    login(client, users["lawyer_staff"])
    response = client.post(reverse("case_response", args=[case.pk]), {"text": "回应", "channel": "官方网站"},
                           follow=True)
    assert "须先召开会商联席会议" in response.content.decode() and not case.responses.exists()
    client.post(reverse("case_consultation", args=[case.pk]), {
        "held_at": "2026-03-02T10:00", "participants": "办公室、律师工作科", "sections": [bureau["lawyers"].pk],
        "conclusion": "情况属实，约谈律所", "agreed_wording": "已责成律所整改"})
    # Consulted, a II response still goes to the leader first (test_signoff covers the approval).
    page = client.post(reverse("case_response", args=[case.pk]), {"text": "已责成律所整改", "channel": "官方网站"},
                       follow=True).content.decode()
    assert case.consultations.count() == 1 and not case.responses.exists() and "须经分管领导审核" in page


def test_response_link_must_be_a_web_link(client, users, bureau):
    case = _confirmed_case(client, users, bureau)
    login(client, users["lawyer_staff"])
    client.post(reverse("case_response", args=[case.pk]),
                {"text": "回应", "channel": "官方网站", "link": "javascript:alert(1)"})
    assert not case.responses.exists()


def test_duty_officer_reassigns_and_relevels(client, users, bureau):
    case = _confirmed_case(client, users, bureau)
    login(client, users["duty"])
    client.post(reverse("case_reassign", args=[case.pk]), {"section": "notary"})
    client.post(reverse("case_level", args=[case.pk]), {"level": "I"})
    case.refresh_from_db()
    assert case.section.code == "notary" and case.level.code == "I"
    assert {"first_statement", "response"} <= set(case.clocks.values_list("clock", flat=True))


def test_board_puts_overdue_first_and_filters_by_section(client, users, bureau):
    now = timezone.now()
    later = CaseFactory(title="较晚到期的案件", section=bureau["lawyers"])
    late = CaseFactory(title="已经超时的案件", section=bureau["lawyers"])
    other = CaseFactory(title="公证科的案件", section=bureau["notary"])
    for case, due in ((later, now + timedelta(hours=30)), (late, now - timedelta(hours=2)),
                      (other, now + timedelta(hours=1))):
        m.CaseClock.objects.create(case=case, clock="response", started_at=now - timedelta(hours=10), due_at=due)
    html = login(client, users["office"]).get(reverse("cases")).content.decode()
    assert html.index("已经超时的案件") < html.index("公证科的案件") < html.index("较晚到期的案件")
    assert "due-over" in html and "已超时 2小时" in html
    only = client.get(reverse("cases"), {"section": "notary"}).content.decode()
    assert "公证科的案件" in only and "较晚到期的案件" not in only


# ---- dashboard ----------------------------------------------------------------------------

def test_dashboard_shows_volume_health_and_blind_sources(client, users, bureau):
    flagged_mention(bureau)
    SourceFactory(slug="wx-sfj", name="司法局公众号", kind=m.Source.Kind.WECHAT, blind_reason="触发验证码，无法采集",
                  blind_since=timezone.now())
    SourceFactory(slug="ok", name="东南网", last_success_at=timezone.now())
    m.SpikeAlert.objects.create(plan="律师公证", hour=timezone.now(), observed=40, expected=3.2, p_value=1e-6,
                                explanation="律师公证方案本小时 40 条，远高于常态 3.2 条")
    html = login(client, users["leader"]).get(reverse("dashboard")).content.decode()
    assert "1 个采集源处于失明状态" in html and "触发验证码，无法采集" in html
    assert "<svg" in html and "律师公证方案本小时 40 条" in html and "律师工作科" in html
    assert html.index("司法局公众号") < html.index("东南网")  # blind sources listed first


def test_body_keeps_its_line_breaks(client, users, bureau):
    mention = flagged_mention(bureau)
    html = login(client, users["duty"]).get(reverse("mention", args=[mention.pk])).content.decode()
    assert "错过举证期限。<br>她已向市司法局投诉" in html


# ---- extensions (延期) ------------------------------------------------------------------------

def _running_clock(case: m.Case) -> m.CaseClock:
    return case.clocks.filter(stopped_at__isnull=True).order_by("due_at").first()


def test_extension_request_then_office_approval_moves_the_due_time(client, users, bureau):
    case = _confirmed_case(client, users, bureau)
    clock = _running_clock(case)
    old_due = clock.due_at
    login(client, users["lawyer_staff"])
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "申请延期" in page and 'id="extension-form"' in page
    client.post(reverse("case_extension", args=[case.pk]), {
        "clock": clock.clock, "amount": "5", "unit": "hours", "reason": "需等待律师协会调查结论，当事人下周方可约谈"})
    ext = m.Extension.objects.get()
    assert ext.state == m.Extension.State.REQUESTED and ext.requested_by == users["lawyer_staff"]
    waiting = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "等待办公室或分管领导审批" in waiting and "批准延期" not in waiting
    # The section cannot approve its own request.
    denied = client.post(reverse("case_extension_decide", args=[case.pk, ext.pk]), {"decision": "approve"})
    assert denied.status_code == 403
    clock.refresh_from_db()
    assert clock.due_at == old_due
    client.logout()

    login(client, users["office"])
    board = client.get(reverse("cases")).content.decode()
    assert "1 条延期申请待您审批" in board and "延期待批 1" in board
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "待审批的延期申请（1）" in page and "需等待律师协会调查结论" in page and "批准延期" in page
    done = client.post(reverse("case_extension_decide", args=[case.pk, ext.pk]),
                       {"decision": "approve", "note": "同意延期"}, follow=True)
    clock.refresh_from_db()
    ext.refresh_from_db()
    assert clock.due_at == old_due + timedelta(hours=5)
    assert ext.state == m.Extension.State.APPROVED and ext.old_due_at == old_due and ext.decided_by == users["office"]
    new_local = timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M")
    html = done.content.decode()
    assert f"新的到期时间为 {new_local}" in html and "批准延期" in html and "延期记录" in html
    assert timezone.localtime(clock.due_at).strftime("%m-%d %H:%M") in html
    actions = list(m.AuditEntry.objects.filter(case=case, action__startswith="extension").order_by("id")
                   .values_list("action", "actor_id"))
    assert actions == [("extension_request", users["lawyer_staff"].pk), ("extension_approve", users["office"].pk)]
    # Already decided: a second approval changes nothing.
    client.post(reverse("case_extension_decide", args=[case.pk, ext.pk]), {"decision": "approve"})
    clock.refresh_from_db()
    assert clock.due_at == old_due + timedelta(hours=5)
    assert "0 条延期申请" not in client.get(reverse("cases")).content.decode()


def test_extension_rejection_needs_a_note_and_keeps_the_due_time(client, users, bureau):
    case = _confirmed_case(client, users, bureau)
    clock = _running_clock(case)
    old_due = clock.due_at
    login(client, users["lawyer_staff"]).post(reverse("case_extension", args=[case.pk]), {
        "clock": clock.clock, "amount": "2", "unit": "working_days", "reason": "节前无法联系当事人"})
    ext = m.Extension.objects.get()
    login(client, users["leader"])
    client.post(reverse("case_extension_decide", args=[case.pk, ext.pk]), {"decision": "reject", "note": ""})
    ext.refresh_from_db()
    assert ext.state == m.Extension.State.REQUESTED
    client.post(reverse("case_extension_decide", args=[case.pk, ext.pk]), {"decision": "reject", "note": "可电话联系"})
    ext.refresh_from_db()
    clock.refresh_from_db()
    assert ext.state == m.Extension.State.REJECTED and clock.due_at == old_due


def test_extension_request_needs_reason_and_a_running_clock(client, users, bureau):
    case = _confirmed_case(client, users, bureau)
    clock = _running_clock(case)
    login(client, users["lawyer_staff"])
    empty = client.post(reverse("case_extension", args=[case.pk]),
                        {"clock": clock.clock, "amount": "1", "unit": "hours", "reason": ""}, follow=True)
    assert "延期理由" in empty.content.decode() and not m.Extension.objects.exists()
    m.CaseClock.objects.filter(pk=clock.pk).update(stopped_at=timezone.now())
    stopped = client.post(reverse("case_extension", args=[case.pk]),
                          {"clock": clock.clock, "amount": "1", "unit": "hours", "reason": "理由"}, follow=True)
    assert "已完成，无需延期" in stopped.content.decode() and not m.Extension.objects.exists()


def test_other_sections_cannot_see_or_touch_extensions(client, users, bureau):
    case = _confirmed_case(client, users, bureau)
    clock = _running_clock(case)
    ext = m.Extension.objects.create(clock=clock, reason="等待调查结论", amount=3, unit="hours")
    login(client, users["notary_staff"])
    assert client.post(reverse("case_extension", args=[case.pk]), {
        "clock": clock.clock, "amount": "1", "unit": "hours", "reason": "越权申请"}).status_code == 404
    assert client.post(reverse("case_extension_decide", args=[case.pk, ext.pk]),
                       {"decision": "approve"}).status_code == 404
    assert "延期申请" not in client.get(reverse("cases")).content.decode()
    other = CaseFactory(section=bureau["notary"])
    login(client, users["office"])  # an extension addressed through someone else's case id
    assert client.post(reverse("case_extension_decide", args=[other.pk, ext.pk]),
                       {"decision": "approve"}).status_code == 404
    assert m.Extension.objects.get().state == m.Extension.State.REQUESTED


def test_extension_decision_is_refused_without_csrf_token(users, bureau, client):
    from django.test import Client

    case = _confirmed_case(client, users, bureau)
    ext = m.Extension.objects.create(clock=_running_clock(case), reason="等待调查结论", amount=3, unit="hours")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(users["office"])
    assert strict.post(reverse("case_extension_decide", args=[case.pk, ext.pk]),
                       {"decision": "approve"}).status_code == 403
    strict.force_login(users["lawyer_staff"])
    assert strict.post(reverse("case_extension", args=[case.pk]), {
        "clock": ext.clock.clock, "amount": "1", "unit": "hours", "reason": "理由"}).status_code == 403
    assert m.Extension.objects.get().state == m.Extension.State.REQUESTED and m.Extension.objects.count() == 1


# ---- dashboard cache ---------------------------------------------------------------------------

def test_dashboard_figures_are_cached_for_a_minute(client, users, bureau, django_assert_max_num_queries):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from response.services import dashboard

    flagged_mention(bureau)
    login(client, users["leader"])
    with CaptureQueriesContext(connection) as first:
        assert client.get(reverse("dashboard")).status_code == 200
    assert cache.get(dashboard.cache_key(dashboard.BUREAU_SCOPE)) is not None
    with django_assert_max_num_queries(8):  # session, user and role look-ups only: no figure is recomputed
        again = client.get(reverse("dashboard")).content.decode()
    assert len(first.captured_queries) >= 15 and "律师工作科" in again
    # Within the minute a new blind source is not yet counted; once the entry goes it is.
    SourceFactory(slug="wx-late", name="迟到的公众号", blind_reason="触发验证码，无法采集", blind_since=timezone.now())
    assert "迟到的公众号" not in client.get(reverse("dashboard")).content.decode()
    dashboard.forget_cached()
    assert "迟到的公众号" in client.get(reverse("dashboard")).content.decode()


# ---- new-item polling -------------------------------------------------------------------------

def _poll(client, page_or_headers, **extra):
    params = {"since": page_or_headers["since"], "analysed": page_or_headers["analysed"], **extra}
    response = client.get(reverse("queue_new"), params)
    return response, {"since": response["X-Since"], "analysed": response["X-Analysed-Since"]}


def test_poll_finds_items_stored_before_the_page_but_flagged_after_it(client, users, bureau):
    judged_before = flagged_mention(bureau, title="早已研判的律师投诉", analysed_at=timezone.now() - timedelta(minutes=1))
    late = flagged_mention(bureau, title="律师事务所收费争议 入库后才完成研判", flagged=False, analysed_at=None,
                           urgency=0, level="")
    page = login(client, users["duty"]).get(reverse("queue"))
    assert f'data-id="{late.pk}"' not in page.content.decode()
    cursors = {"since": page.context["since"], "analysed": page.context["analysed_since"]}
    assert cursors["since"] >= late.pk and f'data-analysed="{cursors["analysed"]}"' in page.content.decode()
    response, cursors = _poll(client, cursors)
    assert response["X-New-Count"] == "0"
    # The judgement runs after the page loaded: the row was stored long ago, its id is below `since`.
    m.Mention.objects.filter(pk=late.pk).update(flagged=True, analysed_at=timezone.now(), urgency=88, level="I")
    response, cursors = _poll(client, cursors)
    html = response.content.decode()
    assert response["X-New-Count"] == "1" and f'data-id="{late.pk}"' in html
    assert f'data-id="{judged_before.pk}"' not in html and response["X-Reload"] == "0"
    again, _ = _poll(client, cursors)
    assert again["X-New-Count"] == "0"  # the cursor moved past it
    filtered, _ = _poll(client, {"since": page.context["since"], "analysed": page.context["analysed_since"]},
                        level="IV")
    assert filtered["X-New-Count"] == "0"  # the page's filters still apply


def test_poll_asks_for_a_reload_rather_than_dropping_rows(client, users, bureau):
    from response.views.queue import POLL_LIMIT

    page = login(client, users["duty"]).get(reverse("queue"))
    source = SourceFactory(slug="mnrb", name="闽南日报")
    now = timezone.now()
    m.Mention.objects.bulk_create([
        m.Mention(source=source, url=f"http://127.0.0.1:9/p{i}", url_hash=f"p{i}", title=f"律师投诉第{i}号",
                  fetched_at=now, analysed_at=now, urgency=50, flagged=True) for i in range(POLL_LIMIT + 1)
    ])
    cursors = {"since": page.context["since"], "analysed": page.context["analysed_since"]}
    response, after = _poll(client, cursors)
    assert response["X-Reload"] == "1" and response["X-New-Count"] == "0"
    assert after == {"since": str(cursors["since"]), "analysed": str(cursors["analysed"])}


def test_poll_query_searches_an_index_instead_of_scanning_all_mentions(db):
    from django.db import connection

    from response.views.queue import new_rows, pending_queue

    if connection.vendor != "sqlite":
        pytest.skip("plan wording checked on SQLite only")
    plan = new_rows(pending_queue(), 10, timezone.now()).order_by("-urgency", "-fetched_at", "-id")[:51].explain()
    assert "SEARCH response_mention USING INDEX" in plan and "SCAN response_mention\n" not in plan + "\n", plan


def test_a_filtered_queue_counts_to_a_thousand_and_says_more(client, users, bureau):
    from response.views.queue import FILTERED_COUNT_CAP

    source = SourceFactory(slug="mnrb", name="闽南日报")
    now = timezone.now()
    m.Mention.objects.bulk_create([
        m.Mention(source=source, url=f"http://127.0.0.1:9/c{i}", url_hash=f"c{i}", title=f"律师投诉第{i}号",
                  fetched_at=now, urgency=75, level="II", flagged=True) for i in range(FILTERED_COUNT_CAP + 5)
    ])
    login(client, users["duty"])
    filtered = client.get(reverse("queue"), {"level": "II"})
    assert (filtered.context["count"], filtered.context["count_more"]) == (FILTERED_COUNT_CAP, True)
    assert f"{FILTERED_COUNT_CAP}+ 条符合筛选待研判" in filtered.content.decode()
    whole = client.get(reverse("queue"))  # the whole queue is counted further
    assert (whole.context["count"], whole.context["count_more"]) == (FILTERED_COUNT_CAP + 5, False)
