"""承办人: claim, unassign and reassignment within the lead section; 我的案件; section changes."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from response import roles
from response.models import AuditEntry, Case, Notification
from response.services import assignment, casework
from response.services.casework import CaseError
from response.tests.mechanism import make_case, person, staff_of

pytestmark = pytest.mark.django_db

TITLE = "网传某律师事务所律师收取当事人三万元后失联 当事人多次投诉无果"


@pytest.fixture
def team(bureau):
    lawyers = bureau["lawyers"]
    wang = staff_of(lawyers, "wang_kl")
    wang.first_name = "王科员"
    wang.save()
    zhao = staff_of(lawyers, "zhao_kl")
    zhao.first_name = "赵科员"
    zhao.save()
    head = staff_of(lawyers, "li_kz")
    head.first_name = "李科长"
    head.save()
    lawyers.head = head
    lawyers.save()
    return {
        "wang": wang, "zhao": zhao, "head": head,
        "notary": staff_of(bureau["notary"], "gz_clerk"),
        "office": person("office_zhang", roles.OFFICE),
        "duty": person("duty_chen", roles.DUTY_OFFICER),
        "case": make_case(bureau, section="lawyers", title=TITLE),
    }


def test_a_member_claims_an_unassigned_case_and_it_is_audited(team):
    case, wang = team["case"], team["wang"]
    assert assignment.can_claim(wang, case)
    assert assignment.assign(case, wang, wang) is True
    case.refresh_from_db()
    assert case.assignee == wang
    row = AuditEntry.objects.get(case=case, action="assign")
    assert (row.actor, row.old, row.new, row.note) == (wang, "", "王科员", "认领")
    # Claiming for oneself tells nobody; the same claim twice changes nothing.
    assert not Notification.objects.filter(kind="assignee").exists()
    assert assignment.assign(case, wang, wang) is False
    assert AuditEntry.objects.filter(case=case, action="assign").count() == 1


def test_a_held_case_cannot_be_taken_by_a_colleague_only_the_head_or_office_reassigns(team):
    case, wang, zhao, head = team["case"], team["wang"], team["zhao"], team["head"]
    assignment.assign(case, wang, wang)
    assert not assignment.can_claim(zhao, case)
    with pytest.raises(PermissionDenied, match="已由王科员承办"):
        assignment.assign(case, zhao, zhao)
    with pytest.raises(PermissionDenied, match="科室负责人或办公室"):
        assignment.assign(case, zhao, wang)  # a member does not hand cases to others
    assignment.assign(case, zhao, head)
    case.refresh_from_db()
    assert case.assignee == zhao
    told = Notification.objects.get(kind="assignee")
    assert told.recipient == zhao.email and "指派人：李科长" in told.body
    assignment.assign(case, wang, team["office"])
    case.refresh_from_db()
    assert case.assignee == wang
    rows = list(AuditEntry.objects.filter(case=case, action="assign").order_by("id").values_list("old", "new"))
    assert rows == [("", "王科员"), ("王科员", "赵科员"), ("赵科员", "王科员")]


def test_the_assignee_must_belong_to_the_lead_section(team):
    case = team["case"]
    with pytest.raises(CaseError, match="不是律师工作科的在岗人员"):
        assignment.assign(case, team["notary"], team["office"])
    with pytest.raises(CaseError, match="不是律师工作科的在岗人员"):
        assignment.assign(case, team["duty"], team["duty"])  # sees every case, but is in no section
    team["zhao"].is_active = False
    team["zhao"].save()
    with pytest.raises(CaseError):
        assignment.assign(case, team["zhao"], team["head"])
    case.refresh_from_db()
    assert case.assignee is None


def test_only_the_assignee_or_a_director_unassigns(team):
    case, wang, zhao = team["case"], team["wang"], team["zhao"]
    assignment.assign(case, wang, wang)
    with pytest.raises(PermissionDenied):
        assignment.assign(case, None, zhao)
    assert assignment.assign(case, None, wang) is True
    case.refresh_from_db()
    assert case.assignee is None
    assert AuditEntry.objects.filter(case=case, action="assign").order_by("id").last().note == "取消指派"


def test_another_sections_staff_cannot_touch_the_assignee(team):
    with pytest.raises(PermissionDenied):
        assignment.assign(team["case"], team["notary"], team["notary"])


def test_a_filed_case_keeps_its_assignee(team, bureau):
    case, wang = team["case"], team["wang"]
    Case.objects.filter(pk=case.pk).update(state=Case.State.CLOSED)
    case.refresh_from_db()
    assert not assignment.can_claim(wang, case)
    with pytest.raises(CaseError, match="已办结"):
        assignment.assign(case, wang, wang)


def test_a_section_change_drops_an_assignee_outside_the_new_section(team, bureau):
    case, wang = team["case"], team["wang"]
    assignment.assign(case, wang, wang)
    casework.reassign(case, bureau["notary"], team["duty"])
    case.refresh_from_db()
    assert case.section.code == "notary" and case.assignee is None
    dropped = AuditEntry.objects.filter(case=case, action="assign").order_by("id").last()
    assert dropped.old == "王科员" and "原承办人不属于该科室" in dropped.note


def test_a_section_change_keeps_an_assignee_who_is_in_both_sections(team, bureau):
    case, wang = team["case"], team["wang"]
    bureau["notary"].members.add(wang)
    assignment.assign(case, wang, wang)
    casework.reassign(case, bureau["notary"], team["duty"])
    case.refresh_from_db()
    assert case.assignee == wang


# ---- the web ----------------------------------------------------------------------------------

def test_claim_from_the_case_page_and_my_cases_on_the_board(client, team, bureau):
    case, wang = team["case"], team["wang"]
    other = make_case(bureau, section="lawyers", title="律师执业证被冒用 市民质疑审核把关不严")
    client.force_login(wang)
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert 'id="claim-button"' in page and "未指派" in page
    done = client.post(reverse("case_assignee", args=[case.pk]), {"action": "claim"}, follow=True).content.decode()
    assert "已认领本案件" in done and "取消指派" in done
    mine = client.get(reverse("cases"), {"mine": "1"}).content.decode()
    assert TITLE[:20] in mine and other.title[:12] not in mine
    assert "我的案件 <span class=\"n\">1</span>" in mine
    everything = client.get(reverse("cases")).content.decode()
    assert other.title[:12] in everything and "王科员" in everything  # the card names the assignee


def test_a_refused_claim_is_explained_on_the_page(client, team):
    case = team["case"]
    assignment.assign(case, team["wang"], team["wang"])
    client.force_login(team["zhao"])
    page = client.post(reverse("case_assignee", args=[case.pk]), {"action": "claim"}, follow=True).content.decode()
    assert "已由王科员承办" in page
    case.refresh_from_db()
    assert case.assignee == team["wang"]


def test_the_head_assigns_from_the_page_and_other_sections_get_404(client, team):
    case, zhao = team["case"], team["zhao"]
    client.force_login(team["head"])
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "指派给" in page and "赵科员" in page
    client.post(reverse("case_assignee", args=[case.pk]), {"action": "assign", "assignee": zhao.pk})
    case.refresh_from_db()
    assert case.assignee == zhao
    client.force_login(team["notary"])
    assert client.post(reverse("case_assignee", args=[case.pk]), {"action": "claim"}).status_code == 404
