"""Leader sign-off (审核): I/II responses go to a real leader, who approves (then it is recorded as
published) or returns them; the clocks keep running meanwhile; every step is audited."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from freezegun import freeze_time

from response import roles
from response.models import AuditEntry, CaseResponse, Clock, Level, Notification, ResponseDraft
from response.services import casework, signoff
from response.services.bureau_config import load_bureau
from response.services.casework import CaseError
from response.tests.mechanism import make_case, person, staff_of

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST = "市司法局已关注网传某律所卷款失联情况，已成立调查组，将依法处理并及时公布进展。"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def world(bureau):
    clerk = staff_of(bureau["lawyers"], "wang_kl")
    clerk.first_name = "王科员"
    clerk.save()
    chen = person("leader_chen", roles.LEADER)
    chen.last_name, chen.first_name = "陈", "副局长"
    chen.save()
    other = person("leader_lin", roles.LEADER)
    other.last_name, other.first_name = "林", "副局长"
    other.save()
    with freeze_time("2026-03-02 09:00:00+08:00"):
        case = make_case(bureau, section="lawyers", level="II", title="网传某律所律师卷款失联 多名当事人报警")
        casework.record_consultation(case, None, held_at=local(2026, 3, 2, 9, 0), participants="局领导、办公室、律师工作科",
                                     conclusion="先发布权威信息", agreed_wording="已立案调查，依法处理")
    return {"clerk": clerk, "chen": chen, "lin": other, "duty": person("duty_zhou", roles.DUTY_OFFICER),
            "case": case}


def test_the_bureau_file_turns_sign_off_on_for_levels_i_and_ii_only(bureau):
    assert dict(Level.objects.values_list("code", "requires_signoff")) == {
        "I": True, "II": True, "III": False, "IV": False}
    Level.objects.filter(code="III").update(requires_signoff=True)
    load_bureau()  # reloading keeps what the file does not say (the admin's choice for III)
    assert Level.objects.get(code="II").requires_signoff is True


def test_a_person_cannot_record_a_ii_response_directly(world):
    with pytest.raises(CaseError, match="须经分管领导审核"):
        casework.record_response(world["case"], world["clerk"], text=FIRST, channel="官方微博",
                                 kind=Clock.FIRST_STATEMENT, approved_by="陈副局长")
    assert not world["case"].responses.exists()


def test_submit_then_approve_records_it_published_at_the_approval_and_the_clock_ran(world):
    case, clerk, chen = world["case"], world["clerk"], world["chen"]
    first = case.clocks.get(clock=Clock.FIRST_STATEMENT)
    due = first.due_at
    with freeze_time("2026-03-02 10:00:00+08:00"):
        draft = signoff.submit(case, clerk, text=FIRST, channel="官方微博", kind=Clock.FIRST_STATEMENT, approver=chen)
    first.refresh_from_db()
    assert draft.state == ResponseDraft.State.PENDING and not case.responses.exists()
    assert first.stopped_at is None and first.paused_at is None and first.due_at == due  # no pause
    case.refresh_from_db()
    assert case.leader == chen  # the leader asked becomes the leader in charge
    asked = Notification.objects.get(kind="signoff")
    assert asked.recipient == chen.email and "回应待您审核" in asked.subject and FIRST[:20] in asked.body

    with freeze_time("2026-03-02 11:30:00+08:00"):
        response = signoff.approve(draft, chen, comment="同意发布")
    draft.refresh_from_db()
    first.refresh_from_db()
    assert draft.state == ResponseDraft.State.APPROVED and draft.response == response
    assert draft.decided_at == local(2026, 3, 2, 11, 30) and draft.comment == "同意发布"
    assert (response.text, response.kind, response.approved_by, response.recorded_by) == (
        FIRST, Clock.FIRST_STATEMENT, "陈副局长", chen)
    assert response.responded_at == local(2026, 3, 2, 11, 30) == first.stopped_at
    actions = list(AuditEntry.objects.filter(case=case).order_by("id").values_list("action", flat=True))
    assert actions[-4:] == ["leader", "signoff_submit", "response", "signoff_approve"]
    assert Notification.objects.filter(kind="signoff", recipient=clerk.email).exists()


def test_returned_with_a_comment_nothing_is_recorded_and_it_can_be_resubmitted(world):
    case, clerk, chen = world["case"], world["clerk"], world["chen"]
    draft = signoff.submit(case, clerk, text="律所卷款一事与我局无关。", channel="官方微博", approver=chen)
    with pytest.raises(CaseError, match="退回须填写审核意见"):
        signoff.return_draft(draft, chen, comment=" ")
    signoff.return_draft(draft, chen, comment="口径不当：律所属我局监管，须说明已立案调查")
    draft.refresh_from_db()
    assert draft.state == ResponseDraft.State.RETURNED and not case.responses.exists()
    back = Notification.objects.get(kind="signoff", recipient=clerk.email)
    assert "退回修改" in back.subject and "口径不当" in back.body
    row = AuditEntry.objects.get(action="signoff_return")
    assert row.actor == chen and row.case == case and "口径不当" in row.note
    with pytest.raises(CaseError, match="已退回"):
        signoff.approve(draft, chen)
    again = signoff.submit(case, clerk, text=FIRST, channel="官方微博", approver=chen)
    assert again.state == ResponseDraft.State.PENDING


def test_only_the_leader_asked_decides_and_only_leaders_are_asked(world):
    case, clerk, chen = world["case"], world["clerk"], world["chen"]
    with pytest.raises(CaseError, match="审核领导"):
        signoff.submit(case, clerk, text=FIRST, channel="官方微博", approver=world["duty"])
    draft = signoff.submit(case, clerk, text=FIRST, channel="官方微博", approver=chen)
    with pytest.raises(CaseError, match="已有一份"):
        signoff.submit(case, clerk, text=FIRST, channel="官方微博", approver=chen)
    for intruder in (world["lin"], clerk, world["duty"]):
        with pytest.raises(PermissionDenied):
            signoff.approve(draft, intruder)
    with pytest.raises(CaseError, match="须经分管领导审核"):  # the draft does not open the door to others
        casework.record_response(case, world["lin"], text=FIRST, channel="官方微博", draft=draft)
    signoff.approve(draft, chen)
    with pytest.raises(CaseError, match="已通过"):
        signoff.approve(draft, chen)
    assert case.responses.count() == 1


def test_consultation_first_and_no_sign_off_for_lower_levels(world, bureau):
    clerk, chen = world["clerk"], world["chen"]
    fresh = make_case(bureau, section="lawyers", level="I")
    with pytest.raises(CaseError, match="须先召开会商联席会议"):
        signoff.submit(fresh, clerk, text=FIRST, channel="官方微博", approver=chen)
    minor = make_case(bureau, section="lawyers", level="III")
    with pytest.raises(CaseError, match="无须领导审核"):
        signoff.submit(minor, clerk, text=FIRST, channel="官方微博", approver=chen)
    casework.record_response(minor, clerk, text="已约谈律所负责人。", channel="官方网站")
    assert minor.responses.count() == 1


def test_turning_sign_off_off_in_the_configuration_lets_the_section_record(world):
    Level.objects.filter(code="II").update(requires_signoff=False)
    casework.record_response(world["case"], world["clerk"], text=FIRST, channel="官方微博", kind=Clock.FIRST_STATEMENT)
    assert world["case"].responses.get().approved_by == ""


# ---- the web ----------------------------------------------------------------------------------

def test_the_case_page_offers_sign_off_and_the_leader_approves_from_the_list(client, world):
    case, clerk, chen = world["case"], world["clerk"], world["chen"]
    client.force_login(clerk)
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert 'id="signoff-form"' in page and 'id="response-form"' not in page and "陈副局长" in page
    done = client.post(reverse("case_signoff", args=[case.pk]), {
        "kind": "first_statement", "text": FIRST, "channel": "官方微博", "approver": chen.pk}, follow=True)
    assert "已送审陈副局长" in done.content.decode()
    draft = ResponseDraft.objects.get()
    # Someone else's decision is refused; the clerk cannot approve their own draft.
    assert client.post(reverse("case_draft_decide", args=[case.pk, draft.pk]),
                       {"decision": "approve"}).status_code == 403
    client.force_login(chen)
    board = client.get(reverse("cases")).content.decode()
    assert "回应审核（1）" in board and "1 条回应待您审核" in board
    listing = client.get(reverse("signoffs")).content.decode()
    assert case.number in listing and FIRST[:20] in listing and "最近时限" in listing
    approved = client.post(reverse("case_draft_decide", args=[case.pk, draft.pk]),
                           {"decision": "approve", "comment": "", "next": reverse("signoffs")}, follow=True)
    assert "已审核通过" in approved.content.decode() and "暂无待审核的回应" in approved.content.decode()
    response = CaseResponse.objects.get()
    assert response.approved_by == "陈副局长" and ResponseDraft.objects.get().response == response


def test_the_level_admin_shows_and_edits_sign_off(admin_client, bureau):
    page = admin_client.get(reverse("admin:response_level_changelist")).content.decode()
    assert "回应须领导审核" in page and 'name="form-0-requires_signoff"' in page


def test_switching_sign_off_in_the_level_list_is_audited(admin_client, bureau):
    levels = list(Level.objects.order_by("order", "id"))
    data = {"form-TOTAL_FORMS": str(len(levels)), "form-INITIAL_FORMS": str(len(levels)),
            "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000", "_save": "保存"}
    for i, level in enumerate(levels):
        data[f"form-{i}-id"] = str(level.pk)
        if level.code in ("I", "III"):  # II switched off, III switched on
            data[f"form-{i}-requires_signoff"] = "on"
    answer = admin_client.post(reverse("admin:response_level_changelist"), data)
    assert answer.status_code == 302
    assert dict(Level.objects.values_list("code", "requires_signoff")) == {
        "I": True, "II": False, "III": True, "IV": False}
    rows = AuditEntry.objects.filter(action="config_change", field="requires_signoff")
    assert sorted(rows.values_list("old", "new")) == [("否", "是"), ("是", "否")]


def test_a_case_is_not_filed_while_a_draft_waits_for_its_leader(world):
    case, clerk, chen = world["case"], world["clerk"], world["chen"]
    with freeze_time("2026-03-02 10:00:00+08:00"):
        first = signoff.submit(case, clerk, text=FIRST, channel="官方微博", kind=Clock.FIRST_STATEMENT, approver=chen)
        answer = signoff.submit(case, clerk, text="经查，该律所已被立案调查，当事人权益将依法保障。", channel="官方网站",
                                approver=chen)
        signoff.approve(answer, chen)
    with freeze_time("2026-03-03 10:00:00+08:00"):
        with pytest.raises(CaseError, match="尚有 1 份回应送审稿待领导审核"):
            casework.close_case(case, clerk, "已回应并办结")
        case.refresh_from_db()
        assert case.state != case.State.CLOSED and signoff.pending_for(chen).get() == first
        signoff.return_draft(first, chen, comment="已有正式回应，首次发布稿不再发布")
        casework.close_case(case, clerk, "已回应并办结")
    case.refresh_from_db()
    assert case.state == case.State.CLOSED and not signoff.pending_for(chen).exists()


def test_a_draft_left_on_a_case_filed_before_the_check_leaves_the_leaders_list(world):
    case, clerk, chen = world["case"], world["clerk"], world["chen"]
    with freeze_time("2026-03-02 10:00:00+08:00"):
        signoff.submit(case, clerk, text=FIRST, channel="官方微博", kind=Clock.FIRST_STATEMENT, approver=chen)
    assert signoff.pending_for(chen).count() == 1
    case.state = case.State.CLOSED
    case.save(update_fields=["state"])
    assert not signoff.pending_for(chen).exists()
