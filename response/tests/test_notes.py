"""内部批注: @mentions resolve to colleagues who may see the case, notify them once, stay internal."""
from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from response import roles
from response.models import AuditEntry, Case, CaseNote, Notification
from response.services import case_export, notes
from response.services.casework import CaseError
from response.services.digest import BUREAU, Week, gather, render, scope_for
from response.tests.mechanism import make_case, person, staff_of

pytestmark = pytest.mark.django_db

SECRET = "内部意见：该律所负责人与局里某同志是亲属，回应口径须回避"


@pytest.fixture
def people(bureau):
    li = staff_of(bureau["lawyers"], "li_kz")
    li.first_name = "李科长"
    li.save()
    chen = person("leader_chen", roles.LEADER)
    chen.last_name, chen.first_name = "陈", "局长"
    chen.save()
    outsider = staff_of(bureau["notary"], "gz_wu")
    outsider.first_name = "吴科员"
    outsider.save()
    author = staff_of(bureau["lawyers"], "wang_kl")
    author.first_name = "王科员"
    author.save()
    return {"li": li, "chen": chen, "outsider": outsider, "author": author,
            "case": make_case(bureau, section="lawyers")}


def test_mentions_by_name_without_spaces_and_by_username(people):
    case = people["case"]
    found = notes.resolve_mentions(case, "@李科长请核实律所退费情况，@leader_chen 请审阅口径，@陈局长。")
    assert found.users == [people["li"], people["chen"]] and found.unresolved == []


def test_someone_who_cannot_see_the_case_is_not_mentioned_or_told(people):
    case, author = people["case"], people["author"]
    note, found = notes.add_note(case, author, "@吴科员 请协助；@不存在的人 也看看")
    assert list(note.mentioned.all()) == [] and found.unresolved == ["吴科员", "不存在的人"]
    assert not Notification.objects.filter(kind="note_mention").exists()


def test_a_note_is_audited_and_the_mentioned_are_notified_once(people):
    case, author, li = people["case"], people["author"], people["li"]
    note, found = notes.add_note(case, author, "@李科长 律所已同意退费，@李科长 请确认是否可以办结。@王科员")
    # A many-to-many set has no order of its own (PostgreSQL returns it as it likes); found.users does.
    assert set(note.mentioned.all()) == {li, author} and found.users == [li, author]
    told = Notification.objects.filter(kind="note_mention")
    assert list(told.values_list("recipient", flat=True)) == [li.email]  # the author is not told about themself
    assert "王科员在案件" in told.get().subject and case.number in told.get().subject
    row = AuditEntry.objects.get(action="case_note", case=case)
    assert row.actor == author and row.object_type == "casenote" and row.note == "提及：李科长、王科员"


def test_empty_and_filed_cases_take_no_note(people):
    case, author = people["case"], people["author"]
    with pytest.raises(CaseError):
        notes.add_note(case, author, "   ")
    Case.objects.filter(pk=case.pk).update(state=Case.State.CLOSED)
    with pytest.raises(CaseError, match="已办结"):
        notes.add_note(case, author, "补一句")
    assert not CaseNote.objects.exists()


def test_notes_never_reach_responses_the_export_or_the_digest(people):
    case, author = people["case"], people["author"]
    notes.add_note(case, author, SECRET)
    assert not case.responses.exists()
    exported = json.dumps(list(case_export.export_rows()), ensure_ascii=False, default=str)
    assert case.number in exported and SECRET not in exported
    digest = render(gather(Week.containing(timezone.now()), scope_for(BUREAU)), chart=False)
    assert SECRET not in digest.html and SECRET not in digest.text


# ---- the web ----------------------------------------------------------------------------------

def test_a_note_with_hostile_text_is_shown_escaped_with_its_mentions(client, people):
    case, author = people["case"], people["author"]
    client.force_login(author)
    page = client.post(reverse("case_note", args=[case.pk]),
                       {"body": '@李科长 <script>alert("批注")</script><img src=x onerror=alert(1)>'},
                       follow=True).content.decode()
    assert "已添加内部批注，已提醒李科长" in page
    assert "<script>alert(" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;批注&quot;)&lt;/script&gt;" in page
    assert '<span class="at">@李科长</span>' in page and "仅内部可见，不对外发布" in page


def test_unresolved_mentions_are_reported_and_other_sections_get_404(client, people):
    case = people["case"]
    client.force_login(people["author"])
    page = client.post(reverse("case_note", args=[case.pk]), {"body": "@吴科员 请协助"}, follow=True).content.decode()
    assert "以下提及未找到可查看本案件的同事，未发送提醒：@吴科员" in page
    client.force_login(people["outsider"])
    assert client.post(reverse("case_note", args=[case.pk]), {"body": "看看"}).status_code == 404
    assert CaseNote.objects.count() == 1
