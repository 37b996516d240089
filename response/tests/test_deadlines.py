"""Case clocks from policy data with frozen time: Spring Festival and National Day 2026, extensions
that pause a clock (only once approved), and the periodic check honouring the new due time."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from freezegun import freeze_time

from response import roles
from response.models import Case, Clock, Extension, Notification
from response.services import escalation, extensions
from response.tests.mechanism import make_case, person, staff_of


def local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


def clocks(case: Case) -> dict[str, datetime]:
    return {c.clock: c.due_at for c in case.clocks.all()}


@pytest.mark.django_db
def test_board_letter_before_spring_festival(bureau):
    with freeze_time("2026-02-13 10:00:00+08:00"):
        case = make_case(bureau, channel="board", level=None, title="领导信箱：春节前律师费退费问题")
    due = clocks(case)
    # 3 working days: make-up Saturday 14 Feb, then 24 and 25 Feb after the holiday.
    assert due[Clock.RESPONSE] == local(2026, 2, 25, 23, 59, 59)
    # 13 working days: 14, 24–28 Feb (28th a make-up Saturday), 2–6 and 9–10 Mar.
    assert due[Clock.CLOSURE] == local(2026, 3, 10, 23, 59, 59)


@pytest.mark.django_db
def test_major_opinion_case_runs_on_hours_through_the_holiday(bureau):
    with freeze_time("2026-02-16 21:00:00+08:00"):  # Monday of the Spring Festival week
        case = make_case(bureau, level="I", section="corrections")
    due = clocks(case)
    assert due[Clock.FIRST_STATEMENT] == local(2026, 2, 17, 2, 0)  # 5 hours, holidays or not
    assert due[Clock.RESPONSE] == local(2026, 2, 17, 21, 0)  # 24 hours
    # 13 working days: 24–27 Feb, make-up Saturday 28 Feb, 2–6 and 9–11 Mar.
    assert due[Clock.CLOSURE] == local(2026, 3, 11, 23, 59, 59)


@pytest.mark.django_db
def test_hotline_tickets_around_national_day(bureau):
    with freeze_time("2026-09-30 16:00:00+08:00"):
        enquiry = make_case(bureau, channel="hotline_enquiry", level=None, title="12345转办：咨询法律援助申请条件")
        urgent = make_case(bureau, channel="hotline_urgent", level=None, title="12345转办：社区矫正对象疑似脱管")
    assert clocks(enquiry)[Clock.RESPONSE] == local(2026, 10, 10, 23, 59, 59)  # 8, 9, make-up 10 Oct
    assert clocks(urgent)[Clock.RESPONSE] == local(2026, 9, 30, 23, 59, 59)  # same day


@pytest.mark.django_db
def test_requested_extension_changes_nothing_until_approved(bureau):
    office = person("office1", roles.OFFICE)
    clerk = staff_of(bureau["lawyers"], "clerk1")
    with freeze_time("2026-09-28 09:00:00+08:00"):
        case = make_case(bureau, channel="board", level=None)
    clock = case.clocks.get(clock=Clock.RESPONSE)
    assert clock.due_at == local(2026, 10, 8, 23, 59, 59)  # 29, 30 Sep, 8 Oct

    ext = extensions.request_extension(clock, clerk, reason="需调取律所执业档案，国庆假期无法办理", amount=2)
    clock.refresh_from_db()
    assert clock.due_at == local(2026, 10, 8, 23, 59, 59)
    with pytest.raises(PermissionDenied):
        extensions.approve_extension(ext, clerk)  # section staff cannot approve their own request

    ext = extensions.approve_extension(ext, office, note="同意延期两个工作日")
    clock.refresh_from_db()
    # Paused for two working days: Friday 9 and make-up Saturday 10 Oct.
    assert clock.due_at == ext.new_due_at == local(2026, 10, 10, 23, 59, 59)
    assert ext.old_due_at == local(2026, 10, 8, 23, 59, 59)
    with pytest.raises(extensions.ExtensionError):
        extensions.approve_extension(ext, office)  # decided once only


@pytest.mark.django_db
def test_rejected_extension_leaves_the_clock(bureau):
    leader = person("leader1", roles.LEADER)
    with freeze_time("2026-03-02 10:00:00+08:00"):
        case = make_case(bureau)
    clock = case.clocks.get(clock=Clock.RESPONSE)
    before = clock.due_at
    ext = extensions.request_extension(clock, None, reason="等待当事人补充材料", amount=24, unit=Extension.Unit.HOURS)
    with pytest.raises(extensions.ExtensionError):
        extensions.reject_extension(ext, leader, note="")
    extensions.reject_extension(ext, leader, note="舆情持续发酵，须按时回应")
    clock.refresh_from_db()
    assert clock.due_at == before
    assert Extension.objects.get(pk=ext.pk).state == Extension.State.REJECTED


@pytest.mark.django_db
def test_paused_clock_does_not_escalate_at_its_old_deadline(bureau):
    office = person("office2", roles.OFFICE)
    with freeze_time("2026-03-02 10:00:00+08:00"):
        case = make_case(bureau)  # III opinion: response in 48 hours → 4 Mar 10:00
    clock = case.clocks.get(clock=Clock.RESPONSE)
    ext = extensions.request_extension(clock, None, reason="需会同公证处核实", amount=24, unit=Extension.Unit.HOURS)
    extensions.approve_extension(ext, office)
    clock.refresh_from_db()
    assert clock.due_at == local(2026, 3, 5, 10, 0)

    escalation.check_deadlines(now=local(2026, 3, 4, 11, 0))  # past the old deadline
    assert not Notification.objects.filter(case=case, kind="overdue").exists()
    escalation.check_deadlines(now=local(2026, 3, 5, 10, 30))  # past the extended one
    assert Notification.objects.filter(case=case, kind="overdue").exists()


@pytest.mark.django_db
def test_met_clock_is_recorded_as_met(bureau):
    from response.services import casework

    with freeze_time("2026-03-02 10:00:00+08:00"):
        case = make_case(bureau)
    with freeze_time("2026-03-03 09:00:00+08:00"):
        casework.record_response(case, None, text="经核查，律师事务所已退还部分律师费并致歉。", channel="官方微博")
    response = case.clocks.get(clock=Clock.RESPONSE)
    assert response.met is True
    assert case.clocks.get(clock=Clock.CLOSURE).stopped_at is None  # closure still runs
    assert timedelta(hours=23) == response.stopped_at - response.started_at


@pytest.mark.django_db
def test_deadlines_command_check_and_calendar(bureau):
    import io

    from django.core.management import call_command

    from response.services import workdays

    bureau["lawyers"].email = "lvshike@bureau.example.com"
    bureau["lawyers"].save()
    with freeze_time("2026-03-01 10:00:00+08:00"):
        make_case(bureau, level="III")
    out = io.StringIO()
    call_command("deadlines", "check", stdout=out)  # real now: the March case is long overdue
    assert "新发出预警/升级" in out.getvalue() and "/overdue" in out.getvalue()
    out = io.StringIO()
    call_command("deadlines", "check", stdout=out)
    assert "新发出预警/升级 0 项" in out.getvalue()

    workdays._warned.clear()
    out = io.StringIO()
    with freeze_time("2026-11-27 10:00:00+08:00"):
        call_command("deadlines", "calendar", stdout=out)
    assert "2027 年节假日安排未知" in out.getvalue()
