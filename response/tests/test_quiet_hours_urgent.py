"""Quiet hours never make a notice miss a deadline: a 12345 urgent ticket (due 23:59:59 the same
day) is told at once at 22:30; an ordinary low-level case still waits until 07:00."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from response.models import Clock, Level, Notification
from response.services import notify
from response.services.notify import Message, Target
from response.tests.mechanism import make_case, staff_of


def local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


@pytest.fixture
def quiet(settings, bureau):
    settings.YUQING_QUIET_HOURS = "22-7"
    staff_of(bureau["lawyers"], "lvshike_huang")  # the section hears of a case assigned to it
    return bureau


def assigned_notice(case) -> Notification:
    return Notification.objects.get(case=case, kind="assigned")


@pytest.mark.django_db
def test_urgent_ticket_opened_at_half_past_ten_is_told_at_once(quiet):
    with freeze_time(local(2026, 3, 2, 22, 30)):  # a Monday, a working day
        ticket = make_case(quiet, channel="hotline_urgent", level="IV",
                           title="12345紧急件：市民反映某律所拒不退还代理费 当事人情绪激动")
        news = make_case(quiet, channel="opinion", level="IV",
                         title="网民反映某律师事务所收费不透明")
    response = ticket.clocks.get(clock=Clock.RESPONSE)
    assert response.due_at == local(2026, 3, 2, 23, 59, 59)

    urgent = assigned_notice(ticket)
    assert urgent.not_before is None  # sent now, not at 07:00 after the deadline
    assert "最近时限：回应 2026-03-02 23:59 到期" in urgent.body

    assert min(news.clocks.values_list("due_at", flat=True)) > local(2026, 3, 4, 22, 0)
    assert assigned_notice(news).not_before == local(2026, 3, 3, 7, 0)  # still waits for the morning


@pytest.mark.django_db
def test_deferral_never_passes_the_next_due_time(quiet):
    with freeze_time(local(2026, 3, 1, 6, 0)):
        case = make_case(quiet, level="III", title="网传某公证处办理继承公证要求提供无法开具的证明")
    assert case.clocks.get(clock=Clock.RESPONSE).due_at == local(2026, 3, 3, 6, 0)  # 48 h

    night = local(2026, 3, 2, 23, 0)
    sent = notify.enqueue(key="test:quiet:due-before-morning", kind="warning", case=case, now=night,
                          targets=[Target("email", "lvshike@bureau.example.com")],
                          message=Message("回应时限预警", "06:00 到期"))[0]
    assert sent.not_before is None


@pytest.mark.django_db
def test_a_paused_or_met_clock_does_not_cancel_the_deferral(quiet):
    with freeze_time(local(2026, 3, 1, 6, 0)):
        case = make_case(quiet, level="III", title="网传某公证处办理继承公证要求提供无法开具的证明")
    case.clocks.filter(clock=Clock.RESPONSE).update(paused_at=local(2026, 3, 2, 9, 0))
    night = local(2026, 3, 2, 23, 0)
    row = notify.enqueue(key="test:quiet:paused", kind="warning", case=case, now=night,
                         targets=[Target("email", "lvshike@bureau.example.com")], message=Message("提醒", "暂停中"))[0]
    assert row.not_before == local(2026, 3, 3, 7, 0)


@pytest.mark.django_db
def test_an_already_overdue_clock_keeps_quiet_hours(quiet):
    # Missed already: waking people at midnight helps no deadline, and every overdue case would.
    with freeze_time(local(2026, 2, 26, 10, 0)):
        case = make_case(quiet, level="IV", title="网民投诉法律援助中心电话长期无人接听")
    night = local(2026, 3, 3, 0, 5)
    assert case.clocks.get(clock=Clock.RESPONSE).due_at < night
    row = notify.enqueue(key="test:quiet:overdue", kind="overdue", case=case, now=night,
                         targets=[Target("email", "lvshike@bureau.example.com")], message=Message("催办", "已逾期"))[0]
    assert row.not_before == local(2026, 3, 3, 7, 0)


@pytest.mark.django_db
def test_quiet_until_stops_at_the_next_due_time(quiet):
    low = Level.objects.get(code="IV")
    night = local(2026, 3, 2, 23, 30)
    morning = local(2026, 3, 3, 7, 0)
    assert notify.quiet_until(low, night) == morning
    assert notify.quiet_until(low, night, next_due=morning) is None
    assert notify.quiet_until(low, night, next_due=morning - timedelta(minutes=1)) is None
    assert notify.quiet_until(low, night, next_due=morning + timedelta(minutes=1)) == morning
