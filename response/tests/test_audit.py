"""Every write leaves an audit row with its user; audit rows cannot be edited or deleted."""
from __future__ import annotations

import pytest
from django.utils import timezone

from response import roles
from response.models import AuditEntry, Clock, Level
from response.models.records import AuditImmutable
from response.services import casework, extensions
from response.tests.mechanism import make_case, person, staff_of


@pytest.mark.django_db
def test_a_major_case_from_opening_to_filing_is_fully_audited(bureau):
    duty = person("duty_zhang", roles.DUTY_OFFICER)
    office = person("office_lin", roles.OFFICE)
    clerk = staff_of(bureau["corrections"], "jiaozheng_clerk")
    case = make_case(bureau, section="grassroots", level="III", title="社区矫正对象脱管三日 家属称司法所未及时告知")

    casework.reassign(case, bureau["corrections"], duty)
    casework.set_level(case, Level.objects.get(code="II"), duty)
    Level.objects.filter(code="II").update(requires_signoff=False)  # sign-off's own audit: test_signoff.py
    clock = case.clocks.get(clock=Clock.CLOSURE)
    ext = extensions.request_extension(clock, clerk, reason="须等待公安机关协查结果", amount=5)
    extensions.approve_extension(ext, office, note="同意")
    with pytest.raises(casework.CaseError):  # II: joint consultation first
        casework.record_response(case, clerk, text="已找回矫正对象。", channel="官方微博")
    casework.record_consultation(case, office, held_at=timezone.now(), participants="办公室、社区矫正科、基层工作科",
                                 conclusion="由社区矫正科牵头回应", agreed_wording="矫正对象已于当日找回，正依法处理")
    casework.record_response(case, clerk, text="矫正对象已于当日找回，正依法处理。", channel="官方微博",
                             kind=Clock.FIRST_STATEMENT)
    casework.record_response(case, clerk, text="新闻发布会：通报矫正对象脱管处置情况。", channel="新闻发布会")
    casework.close_case(case, clerk, summary="已依法给予警告，家属表示理解。")

    rows = AuditEntry.objects.filter(case=case)
    actions = list(rows.order_by("id").values_list("action", flat=True))
    for action in ("open", "reassign", "level", "extension_request", "extension_approve", "consultation",
                   "response", "state"):
        assert action in actions, action
    by_actor = dict(rows.filter(action__in=["reassign", "extension_approve", "response"])
                    .values_list("action", "actor__username"))
    assert by_actor == {"reassign": "duty_zhang", "extension_approve": "office_lin", "response": "jiaozheng_clerk"}
    assert list(rows.filter(action="response").values_list("field", flat=True).order_by("id")) == [
        "first_statement", "response"]
    level = rows.get(action="level")
    assert (level.old, level.new) == ("III", "II")
    states = list(rows.filter(action="state").order_by("id").values_list("new", flat=True))
    assert states == ["已回应", "已办结"]


@pytest.mark.django_db
def test_audit_rows_cannot_be_edited_or_deleted(bureau):
    case = make_case(bureau)
    row = AuditEntry.objects.filter(case=case).first()
    row.note = "篡改"
    with pytest.raises(AuditImmutable):
        row.save()
    with pytest.raises(AuditImmutable):
        row.delete()
    with pytest.raises(AuditImmutable):
        AuditEntry.objects.filter(case=case).update(note="篡改")
    with pytest.raises(AuditImmutable):
        AuditEntry.objects.filter(case=case).delete()
    assert AuditEntry.objects.get(pk=row.pk).note != "篡改"
