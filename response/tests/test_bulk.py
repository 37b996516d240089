"""Bulk work in the queue and undoing a dismissal: every item audited through the single-item services."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from response import models as m
from response.services import bulk, casework
from response.tests.factories import CaseFactory
from response.tests.test_views_support import (  # noqa: F401 (fresh_dashboard_cache is autouse)
    event_with_copies,
    flagged_mention,
    fresh_dashboard_cache,
    people,
)


@pytest.fixture
def users(bureau):
    return people(bureau)


def three_items(bureau):
    return [
        flagged_mention(bureau, title="网传某律师事务所收费后不作为", urgency=80, level="II"),
        flagged_mention(bureau, title="某公证处窗口排长队 群众反映办证难", text="市民反映公证处窗口少，排队数小时。",
                        urgency=60, level="III", section="notary", plan="律师公证", terms=("公证处",)),
        flagged_mention(bureau, title="社区矫正对象脱管 司法所连夜寻找", text="某司法所一名社区矫正对象脱管。",
                        urgency=55, level="III", section="corrections", plan="社区矫正", terms=("社区矫正",)),
    ]


def review_rows(mention):
    return m.AuditEntry.objects.filter(object_type="mention", object_id=str(mention.pk), action="review")


def test_bulk_dismiss_audits_every_item_and_leaves_the_rest(client, users, bureau):
    a, b, c = three_items(bureau)
    client.force_login(users["duty"])
    response = client.post(reverse("queue_bulk"), {"action": "dismiss", "ids": [a.pk, b.pk],
                                                   "reason": "广告或垃圾信息", "next": reverse("queue")}, follow=True)
    page = response.content.decode()
    assert "已排除 2 条" in page
    for item in (a, b):
        item.refresh_from_db()
        assert item.review == m.Mention.Review.DISMISSED and item.dismiss_reason == "广告或垃圾信息"
        assert item.reviewed_by == users["duty"]
        row = review_rows(item).get()
        assert (row.old, row.new, row.note, row.actor) == ("待研判", "已排除", "广告或垃圾信息", users["duty"])
    c.refresh_from_db()
    assert c.review == m.Mention.Review.PENDING and not review_rows(c).exists()
    assert f'data-id="{c.pk}"' in page and f'data-id="{a.pk}"' not in page


def test_bulk_dismiss_needs_a_reason(client, users, bureau):
    a, *_ = three_items(bureau)
    client.force_login(users["duty"])
    page = client.post(reverse("queue_bulk"), {"action": "dismiss", "ids": [a.pk], "reason": "  "}, follow=True)
    assert "排除须填写原因" in page.content.decode()
    a.refresh_from_db()
    assert a.review == m.Mention.Review.PENDING and not review_rows(a).exists()


def test_select_all_matching_the_filter_acts_on_matches_only(client, users, bureau):
    a, b, c = three_items(bureau)
    extra = flagged_mention(bureau, title="公证处工作人员态度差 网友吐槽", text="网友称公证处工作人员态度生硬。",
                            urgency=40, level="IV", section="notary", plan="律师公证", terms=("公证处",))
    client.force_login(users["duty"])
    client.post(reverse("queue_bulk"), {"action": "dismiss", "scope": "all", "filter": "q=公证处",
                                        "reason": "与本单位无关"})
    states = {x.pk: m.Mention.objects.get(pk=x.pk).review for x in (a, b, c, extra)}
    assert states == {a.pk: "pending", b.pk: "dismissed", c.pk: "pending", extra.pk: "dismissed"}


def test_bulk_dismiss_with_copies_dismisses_the_hidden_reposts(client, users, bureau):
    event, copies = event_with_copies(bureau, 3)
    lead = copies[0]
    client.force_login(users["duty"])
    client.post(reverse("queue_bulk"), {"action": "dismiss", "ids": [lead.pk], "reason": "重复信息",
                                        "with_copies": "1"})
    assert set(m.Mention.objects.filter(event=event).values_list("review", flat=True)) == {"dismissed"}
    assert m.AuditEntry.objects.filter(object_type="mention", action="review", new="已排除").count() == 3


def test_bulk_confirm_opens_one_case_per_item_with_the_chosen_level(client, users, bureau):
    a, b, c = three_items(bureau)
    client.force_login(users["office"])
    page = client.post(reverse("queue_bulk"), {"action": "confirm", "ids": [a.pk, b.pk], "level": "III"},
                       follow=True).content.decode()
    cases = list(m.Case.objects.order_by("id"))
    assert len(cases) == 2 and {cs.level.code for cs in cases} == {"III"}
    # Each keeps its own suggested section when none is chosen.
    assert {cs.section.code for cs in cases} == {"lawyers", "notary"}
    assert all(cs.number in page for cs in cases) and "已确认立案 2 条" in page
    for item in (a, b):
        assert review_rows(item).get().new == "已确认"
    assert m.AuditEntry.objects.filter(action="open").count() == 2


def test_bulk_merge_makes_one_case_of_the_selected_story(client, users, bureau):
    a, b, c = three_items(bureau)
    client.force_login(users["duty"])
    client.post(reverse("queue_bulk"), {"action": "merge", "ids": [c.pk, a.pk, b.pk], "section": "lawyers"})
    case = m.Case.objects.get()
    # The most urgent item opened the case; the others were merged, one audit row each.
    assert case.origin_key == f"mention:{a.pk}" and case.section.code == "lawyers"
    assert set(case.mentions.values_list("pk", flat=True)) == {a.pk, b.pk, c.pk}
    merges = m.AuditEntry.objects.filter(case=case, action="merge")
    assert sorted(e.note for e in merges) == sorted([f"并入条目 #{b.pk}", f"并入条目 #{c.pk}"])
    assert set(m.Mention.objects.values_list("review", flat=True)) == {"confirmed"}


def test_bulk_merge_into_an_existing_case_by_number(client, users, bureau):
    a, b, _ = three_items(bureau)
    case = CaseFactory(title="律师事务所收费争议", section=bureau["lawyers"])
    client.force_login(users["duty"])
    client.post(reverse("queue_bulk"), {"action": "merge", "ids": [a.pk, b.pk], "case": case.number})
    assert set(case.mentions.values_list("pk", flat=True)) == {a.pk, b.pk}
    assert m.AuditEntry.objects.filter(case=case, action="merge").count() == 2
    assert m.Case.objects.count() == 1


def test_bulk_merge_refuses_a_closed_case(client, users, bureau):
    a, *_ = three_items(bureau)
    case = CaseFactory(state=m.Case.State.CLOSED)
    client.force_login(users["duty"])
    page = client.post(reverse("queue_bulk"), {"action": "merge", "ids": [a.pk], "case": case.number},
                       follow=True).content.decode()
    assert "不能并入条目" in page and not case.mentions.exists()


def test_bulk_reassign_corrects_the_section_with_feedback(client, users, bureau):
    a, b, c = three_items(bureau)
    client.force_login(users["duty"])
    page = client.post(reverse("queue_bulk"), {"action": "reassign", "ids": [a.pk, b.pk, c.pk],
                                               "section": "notary"}, follow=True).content.decode()
    assert "已改派 2 条" in page and "已是公证工作科" in page
    for item in (a, c):
        item.refresh_from_db()
        assert item.section.code == "notary" and item.section_via == "human"
        assert m.AuditEntry.objects.filter(object_id=str(item.pk), action="correct", new="notary").count() == 1
        assert m.Feedback.objects.filter(mention=item, field="section", human_value="notary").exists()
    assert not m.AuditEntry.objects.filter(object_id=str(b.pk), action="correct").exists()


def test_items_someone_else_decided_are_skipped_not_overridden(client, users, bureau):
    a, b, _ = three_items(bureau)
    client.force_login(users["office"])
    client.post(reverse("mention_confirm", args=[a.pk]), {"section": "lawyers", "level": "II"})
    client.force_login(users["duty"])
    page = client.post(reverse("queue_bulk"), {"action": "dismiss", "ids": [a.pk, b.pk], "reason": "重复信息"},
                       follow=True).content.decode()
    a.refresh_from_db()
    assert a.review == "confirmed" and "已被他人研判（已确认）" in page and "已排除 1 条" in page


def test_section_staff_cannot_bulk_act_on_another_sections_items(client, users, bureau):
    a, b, c = three_items(bureau)  # lawyers, notary, corrections
    client.force_login(users["lawyer_staff"])
    for action in ("dismiss", "confirm", "merge", "reassign"):
        response = client.post(reverse("queue_bulk"), {"action": action, "ids": [b.pk, c.pk],
                                                       "reason": "与本单位无关", "section": "lawyers"})
        assert response.status_code == 403
    assert set(m.Mention.objects.values_list("review", flat=True)) == {"pending"}
    assert not m.AuditEntry.objects.exists() and not m.Case.objects.exists()
    # The service refuses too, whoever calls it.
    with pytest.raises(PermissionDenied, match="其他科室"):
        bulk.dismiss([b, c], users["lawyer_staff"], "与本单位无关")
    with pytest.raises(PermissionDenied):
        bulk.reassign([a], users["lawyer_staff"], bureau["lawyers"])


def test_restore_puts_a_dismissed_item_back_with_an_audit_row(client, users, bureau):
    a, b, _ = three_items(bureau)
    client.force_login(users["duty"])
    client.post(reverse("mention_dismiss", args=[b.pk]), {"reason": "已处置的旧闻"})
    listing = client.get(reverse("dismissed")).content.decode()
    assert f'data-id="{b.pk}"' in listing and "已处置的旧闻" in listing and f'data-id="{a.pk}"' not in listing

    client.force_login(users["office"])
    page = client.post(reverse("mention_restore", args=[b.pk]), {"next": reverse("dismissed")},
                       follow=True).content.decode()
    assert "已恢复到研判队列" in page and f'data-id="{b.pk}"' not in page
    b.refresh_from_db()
    assert b.review == "pending" and b.dismiss_reason == "" and b.reviewed_by is None and b.event_lead
    row = m.AuditEntry.objects.get(action="restore", object_id=str(b.pk))
    assert (row.old, row.new, row.actor) == ("已排除", "待研判", users["office"])
    assert "原排除人：值班员小陈" in row.note and "原排除原因：已处置的旧闻" in row.note
    assert f'data-id="{b.pk}"' in client.get(reverse("queue")).content.decode()
    # Restoring twice is refused with a reason, and writes nothing more.
    again = client.post(reverse("mention_restore", args=[b.pk]), follow=True).content.decode()
    assert "无需恢复" in again and m.AuditEntry.objects.filter(action="restore").count() == 1


def test_restored_copy_waits_behind_the_events_current_lead(users, bureau):
    event, (lead, other) = event_with_copies(bureau, 2)
    casework.dismiss_mention(other, users["duty"], "重复信息")
    restored = bulk.restore(other, users["duty"])
    assert restored.review == "pending" and not restored.event_lead
    assert m.Mention.objects.filter(event=event, event_lead=True, review="pending").count() == 1


def test_restore_is_for_reviewers_only(client, users, bureau):
    a, *_ = three_items(bureau)
    client.force_login(users["duty"])
    client.post(reverse("mention_dismiss", args=[a.pk]), {"reason": "重复信息"})
    client.force_login(users["lawyer_staff"])
    assert client.post(reverse("mention_restore", args=[a.pk])).status_code == 403
    assert client.get(reverse("dismissed")).status_code == 403
    a.refresh_from_db()
    assert a.review == "dismissed"


def test_queue_rows_have_checkboxes_and_the_bulk_bar(client, users, bureau):
    a, *_ = three_items(bureau)
    client.force_login(users["duty"])
    page = client.get(reverse("queue")).content.decode()
    assert f'class="pick-box" name="ids" value="{a.pk}"' in page and 'id="pick-page"' in page
    assert "批量排除" in page and "合并为一个事件" in page and 'id="bulk-dismiss-dialog"' in page


def test_header_count_follows_the_search_not_the_whole_queue(client, users, bureau):
    for i in range(9):
        flagged_mention(bureau, title=f"社区矫正工作动态第{i}期", text="社区矫正工作有序推进。", urgency=40, level="IV",
                        section="corrections", plan="社区矫正", terms=("社区矫正",))
    three_items(bureau)
    client.force_login(users["duty"])
    page = client.get(reverse("queue"), {"q": "公证处"}).content.decode()
    assert page.count('class="pick-box"') == 1
    assert 'data-count="1"' in page and "1 条符合筛选待研判" in page
    whole = client.get(reverse("queue")).content.decode()
    assert 'data-count="12"' in whole and "12 条待研判" in whole


def test_bulk_confirm_with_copies_takes_the_waiting_reposts_into_the_case(client, users, bureau):
    event, copies = event_with_copies(bureau, 3)
    client.force_login(users["duty"])
    client.post(reverse("queue_bulk"), {"action": "confirm", "ids": [copies[0].pk], "with_copies": "1"})
    case = m.Case.objects.get()
    assert set(m.Mention.objects.filter(event=event).values_list("review", flat=True)) == {"confirmed"}
    assert m.AuditEntry.objects.filter(case=case, action="merge").count() == 2
    # Without the box the reposts keep waiting (one of them now leads the story in the queue).
    other_event, others = event_with_copies_keyed(bureau, "evt-notary", 2)
    client.post(reverse("queue_bulk"), {"action": "confirm", "ids": [others[0].pk]})
    assert m.Mention.objects.get(pk=others[1].pk).review == "pending"


def event_with_copies_keyed(bureau, key, n):
    from django.utils import timezone

    now = timezone.now()
    event = m.Event.objects.create(key=key, title="公证处办证难", first_seen=now, last_seen=now, size=n, source_count=n)
    return event, [flagged_mention(bureau, title="公证处办证难 群众排队", event=event, section="notary",
                                   url=f"http://127.0.0.1:9/{key}/{i}.html") for i in range(n)]


def test_confirming_a_restored_item_brings_its_dismissed_case_back(client, users, bureau):
    from response.services.judgement import maybe_open_case

    item = flagged_mention(bureau, title="网传某律师事务所收费后不作为", urgency=80, level="II")
    case = maybe_open_case(item.pk)
    assert case is not None and case.state == "triage"
    casework.dismiss_mention(item, users["duty"], "误报")
    case.refresh_from_db()
    assert case.state == "dismissed"
    bulk.restore(item, users["office"])
    item.refresh_from_db()
    again = casework.confirm_mention(item, users["duty"])
    case.refresh_from_db()
    assert again.pk == case.pk and case.state == "handling" and case.dismiss_reason == ""
    moved = m.AuditEntry.objects.filter(object_type="case", object_id=str(case.pk), action="state").order_by("id").last()
    assert (moved.old, moved.new) == ("已排除", "处置中") and "撤销排除" in moved.note
