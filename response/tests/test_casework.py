"""Casework around the mechanism: reopen or notify on new reports of a closed case, leader alerts on
raising a level, section notices on assignment, joint consultation before an I/II response."""
from __future__ import annotations

import pytest
from django.utils import timezone

from response import roles
from response.models import AuditEntry, Case, Clock, Event, Level, Notification
from response.services import casework
from response.services.cases import open_case_for_mention
from response.tests.factories import MentionFactory
from response.tests.mechanism import make_case, person


@pytest.fixture
def closed_event_case(bureau):
    bureau["lawyers"].email = "lvshike@bureau.example.com"
    bureau["lawyers"].save()
    now = timezone.now()
    event = Event.objects.create(key="evt-lawfirm-fee", title="律所收费后不作为", first_seen=now, last_seen=now)
    first = MentionFactory(event=event, section=bureau["lawyers"], level="III")
    case, created = open_case_for_mention(first, level=Level.objects.get(code="III"))
    assert created
    casework.record_response(case, None, text="律师工作科已责令律所退费并整改。", channel="门户网站")
    casework.close_case(case, None, summary="当事人已收到退费，办结。")
    case.refresh_from_db()
    assert case.state == Case.State.CLOSED
    return case, event


def later_report(event, bureau):
    return MentionFactory(event=event, section=bureau["lawyers"], level="III",
                          title="律所退费后当事人再次发帖：整改只是走过场")


@pytest.mark.django_db
def test_new_report_of_closed_case_notifies_owner_by_default(bureau, closed_event_case):
    case, event = closed_event_case
    mention = later_report(event, bureau)
    again, created = open_case_for_mention(mention, level=Level.objects.get(code="III"), state="triage")
    assert again.pk == case.pk and not created
    case.refresh_from_db()
    assert case.state == Case.State.CLOSED and case.mentions.filter(pk=mention.pk).exists()
    notice = Notification.objects.get(case=case, kind="reopen")
    assert notice.recipient == "lvshike@bureau.example.com" and "仍为已办结" in notice.body
    assert AuditEntry.objects.filter(case=case, action="new_mention").count() == 1
    open_case_for_mention(mention, level=Level.objects.get(code="III"))  # re-delivered task
    assert Notification.objects.filter(case=case, kind="reopen").count() == 1


@pytest.mark.django_db
def test_new_report_reopens_when_configured(bureau, closed_event_case, settings):
    settings.YUQING_REOPEN_ON_NEW_MENTION = "reopen"
    case, event = closed_event_case
    open_case_for_mention(later_report(event, bureau), level=Level.objects.get(code="III"))
    case.refresh_from_db()
    assert case.state == Case.State.HANDLING and case.closed_at is None
    entry = AuditEntry.objects.get(case=case, action="reopen")
    assert (entry.old, entry.new) == ("已办结", "处置中")
    assert "已重新开启" in Notification.objects.get(case=case, kind="reopen").body


@pytest.mark.django_db
def test_raising_to_major_alerts_the_leader_once(bureau):
    leader = person("leader_he", roles.LEADER)
    duty = person("duty_he", roles.DUTY_OFFICER)
    case = make_case(bureau, level="III")
    case.leader = leader
    case.save()
    assert not Notification.objects.filter(case=case, kind="leader").exists()
    casework.set_level(case, Level.objects.get(code="II"), duty)
    casework.set_level(case, Level.objects.get(code="III"), duty)
    casework.set_level(case, Level.objects.get(code="II"), duty)
    alerts = Notification.objects.filter(case=case, kind="leader")
    assert list(alerts.values_list("recipient", flat=True)) == ["leader_he@bureau.example.com"]
    # The new level's clocks replaced the running ones: II has a 5-hour first statement.
    assert case.clocks.filter(clock="first_statement").exists()


@pytest.mark.django_db
def test_section_told_when_a_case_becomes_theirs(bureau):
    duty = person("duty_wu", roles.DUTY_OFFICER)
    bureau["notary"].email = "gongzheng@bureau.example.com"
    bureau["notary"].save()
    triage = make_case(bureau, section="notary", state=Case.State.TRIAGE, level="IV")
    assert not Notification.objects.filter(case=triage, kind="assigned").exists()  # not confirmed yet
    casework._move(triage, Case.State.HANDLING, duty)
    assert Notification.objects.filter(case=triage, kind="assigned", recipient="gongzheng@bureau.example.com").count() == 1
    casework.reassign(triage, bureau["legal_aid"], duty)
    casework.reassign(triage, bureau["notary"], duty)
    assert Notification.objects.filter(case=triage, kind="assigned", recipient="gongzheng@bureau.example.com").count() == 1


@pytest.mark.django_db
def test_major_response_requires_consultation(bureau):
    case = make_case(bureau, level="I", section="corrections")
    with pytest.raises(casework.CaseError, match="会商"):
        casework.record_response(case, None, text="情况通报", channel="新闻发布会")
    casework.record_consultation(case, None, held_at=timezone.now(), participants="局领导、办公室、社区矫正科",
                                 conclusion="召开新闻发布会", agreed_wording="依法依规处理，及时公布进展")
    casework.record_response(case, None, text="权威信息：矫正对象已找回", channel="官方微博",
                             kind=Clock.FIRST_STATEMENT)
    case.refresh_from_db()
    # 首次发布 stops only its own clock: the press conference is still owed.
    assert case.state == Case.State.HANDLING
    assert case.clocks.get(clock="first_statement").stopped_at is not None
    assert case.clocks.get(clock="response").stopped_at is None
    casework.record_response(case, None, text="情况通报", channel="新闻发布会")
    case.refresh_from_db()
    assert case.state == Case.State.RESPONDED
    assert case.clocks.get(clock="response").stopped_at is not None


@pytest.mark.django_db
def test_reopened_case_gets_a_fresh_closure_clock(bureau, closed_event_case, settings):
    settings.YUQING_REOPEN_ON_NEW_MENTION = "reopen"
    case, event = closed_event_case
    filed = case.clocks.get(clock="closure")
    assert filed.stopped_at is not None
    open_case_for_mention(later_report(event, bureau), level=Level.objects.get(code="III"))
    clock = Case.objects.get(pk=case.pk).clocks.get(clock="closure")
    assert clock.stopped_at is None and clock.due_at > timezone.now()
    assert clock.started_at > filed.started_at


@pytest.mark.django_db
def test_a_low_level_copy_of_a_closed_story_still_reaches_its_case(bureau, closed_event_case):
    from response.services.judgement import maybe_open_case

    case, event = closed_event_case
    quiet = MentionFactory(event=event, section=bureau["lawyers"], level="", flagged=False,
                           title="转载：律所退费一事后续")
    assert maybe_open_case(quiet.pk).pk == case.pk
    assert case.mentions.filter(pk=quiet.pk).exists()
    assert Notification.objects.filter(case=case, kind="reopen").exists()
