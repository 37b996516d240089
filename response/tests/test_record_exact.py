"""The record is exact: clocks across the 2026 National Day week, response acts and their times,
filed cases read-only, levels that keep extensions, closure rules on every channel, gapless numbers,
policy interpretation cases and the unknown-holiday-year warning."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from response import roles
from response.models import (
    AuditEntry,
    CalendarDay,
    Case,
    CaseSequence,
    Clock,
    Extension,
    Level,
    Source,
)
from response.services import casework, extensions
from response.services.calendar_changes import on_calendar_day_changed
from response.services.cases import allocate_number, open_case
from response.services.judgement import maybe_open_case
from response.tests.factories import MentionFactory, SourceFactory
from response.tests.mechanism import make_case, person, staff_of

pytestmark = pytest.mark.django_db


def local(text: str) -> datetime:
    return timezone.make_aware(datetime.strptime(text, "%Y-%m-%d %H:%M:%S"))


def show(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def ticket(bureau, *, number: str, category: str, transferred: str, due: str | None = None,
           title: str = "来电人咨询农民工讨薪能否申请法律援助"):
    source = SourceFactory(slug="hotline-12345", name="12345 政务服务便民热线转办件", kind=Source.Kind.HOTLINE)
    extra = {"ticket_no": number, "category": category, "transferred_at": transferred, "status": "办理中"}
    if due:
        extra["due_at"] = due
    mention = MentionFactory(source=source, url=f"hotline://12345/{number}", title=title,
                             text=title + "，需要准备什么材料。", extra=extra, flagged=True,
                             section=bureau["legal_aid"], published_at=local(transferred.replace("T", " ")[:19]))
    return maybe_open_case(mention.pk)


# 12345 clocks start at the transfer, not at the import -------------------------------------------

@freeze_time("2026-10-09 11:00:00+08:00")  # imported a week and more after the transfer
def test_enquiry_ticket_is_due_three_working_days_after_its_transfer(bureau):
    case = ticket(bureau, number="GD2026093000017", category="咨询", transferred="2026-09-30T16:00:00+08:00")
    clock = case.clocks.get(clock=Clock.RESPONSE)
    assert show(clock.started_at) == "2026-09-30 16:00:00"
    # 10-01..07 holidays; 10-08 (Thu), 10-09 (Fri) and the make-up Saturday 10-10 are working days.
    assert show(clock.due_at) == "2026-10-10 23:59:59"


@freeze_time("2026-10-09 11:00:00+08:00")
def test_ticket_own_due_time_wins_over_the_channel_default(bureau):
    case = ticket(bureau, number="GD2026093000018", category="投诉", transferred="2026-09-30T16:00:00+08:00",
                  due="2026-10-16T18:00:00+08:00", title="投诉某律所律师收费后不出庭")
    clock = case.clocks.get(clock=Clock.RESPONSE)
    assert show(clock.due_at) == "2026-10-16 18:00:00"
    assert clock.policy_note == "12345 工单要求办结时间"


# Two level I–II acts, two clocks ---------------------------------------------------------------

def _major(bureau, level: str = "I"):
    with freeze_time("2026-10-09 08:00:00+08:00"):
        case = make_case(bureau, level=level, section="corrections")
        casework.record_consultation(case, None, held_at=timezone.now(), participants="局领导、办公室、社区矫正科",
                                     conclusion="先发布权威信息，再召开新闻发布会", agreed_wording="依法依规处理")
    return case


def test_first_statement_and_press_conference_stop_only_their_own_clock(bureau):
    case = _major(bureau)
    with freeze_time("2026-10-09 11:00:00+08:00"):
        casework.record_response(case, None, text="矫正对象已于当日找回。", channel="官方微博",
                                 kind=Clock.FIRST_STATEMENT)
    clocks = {k.clock: k for k in case.clocks.all()}
    assert clocks[Clock.FIRST_STATEMENT].met is True
    assert clocks[Clock.RESPONSE].stopped_at is None
    case.refresh_from_db()
    assert case.state == Case.State.HANDLING
    with freeze_time("2026-10-10 10:00:00+08:00"):  # 26 h after opening: the press conference is late
        casework.record_response(case, None, text="新闻发布会通报处置情况。", channel="新闻发布会")
    clocks = {k.clock: k for k in case.clocks.all()}
    assert clocks[Clock.FIRST_STATEMENT].met is True and clocks[Clock.RESPONSE].met is False
    assert list(case.responses.values_list("kind", flat=True)) == ["first_statement", "response"]


# Impossible and late response times -------------------------------------------------------------

def test_backdated_and_future_responses_are_refused(bureau):
    case = _major(bureau, level="III")
    with freeze_time("2026-10-09 12:00:00+08:00"):
        with pytest.raises(casework.CaseError, match="早于本案首条信息时间"):
            casework.record_response(case, None, text="答复", channel="官方网站",
                                     responded_at=local("2020-05-01 09:00:00"), late_reason="补录")
        with pytest.raises(casework.CaseError, match="晚于当前时间"):
            casework.record_response(case, None, text="答复", channel="官方网站",
                                     responded_at=local("2026-10-09 18:00:00"))
    assert not case.responses.exists()
    assert case.clocks.get(clock=Clock.RESPONSE).stopped_at is None


def test_response_recorded_late_needs_a_reason_and_is_audited(bureau):
    case = _major(bureau, level="III")
    clerk = staff_of(bureau["corrections"], "jiaozheng_wang")
    with freeze_time("2026-10-09 17:00:00+08:00"):
        with pytest.raises(casework.CaseError, match="补录原因"):
            casework.record_response(case, clerk, text="已电话答复家属。", channel="电话回复",
                                     responded_at=local("2026-10-09 09:30:00"))
        response = casework.record_response(case, clerk, text="已电话答复家属。", channel="电话回复",
                                            responded_at=local("2026-10-09 09:30:00"),
                                            late_reason="上午在现场处置，回单位后补录")
    assert response.late_reason == "上午在现场处置，回单位后补录"
    assert show(case.clocks.get(clock=Clock.RESPONSE).stopped_at) == "2026-10-09 09:30:00"
    row = AuditEntry.objects.get(case=case, action="response_late")
    assert row.actor.username == "jiaozheng_wang" and "登记于 2026-10-09 17:00" in row.note


# A filed case is read-only until reopened -------------------------------------------------------

def _closed(bureau):
    case = make_case(bureau, level="III", section="lawyers")
    casework.record_response(case, None, text="已约谈律所负责人。", channel="官方网站")
    casework.close_case(case, None, summary="已责令律所整改并退还部分费用。")
    return case


def test_a_closed_case_cannot_be_rewritten(bureau):
    case = _closed(bureau)
    before = AuditEntry.objects.filter(case=case).count()
    with pytest.raises(casework.CaseError, match="重新打开"):
        casework.close_case(case, None, summary="改写后的办结摘要")
    with pytest.raises(casework.CaseError, match="重新打开"):
        casework.record_consultation(case, None, held_at=timezone.now(), participants="办公室",
                                     conclusion="补开会商", agreed_wording="无")
    with pytest.raises(casework.CaseError, match="重新打开"):
        casework.record_response(case, None, text="再回应一次", channel="官方网站")
    with pytest.raises(casework.CaseError, match="重新打开"):
        casework.set_level(case, Level.objects.get(code="II"), None)
    case.refresh_from_db()
    assert case.summary == "已责令律所整改并退还部分费用。"
    assert not case.consultations.exists() and case.responses.count() == 1
    assert AuditEntry.objects.filter(case=case).count() == before


def test_reopening_is_explicit_audited_and_restarts_the_closure_clock(bureau):
    with freeze_time("2026-09-29 10:00:00+08:00"):
        case = _closed(bureau)
    old = case.clocks.get(clock=Clock.CLOSURE)
    assert old.stopped_at is not None
    office = person("office_lin", roles.OFFICE)
    with pytest.raises(casework.CaseError, match="原因"):
        casework.reopen_case(case, office, "  ")
    with freeze_time("2026-09-30 16:00:00+08:00"):
        casework.reopen_case(case, office, "当事人来信反映整改未落实")
    case.refresh_from_db()
    assert case.state == Case.State.HANDLING and case.closed_at is None
    clock = case.clocks.get(clock=Clock.CLOSURE)
    assert clock.stopped_at is None and show(clock.started_at) == "2026-09-30 16:00:00"
    # 13 working days from 09-30 across the National Day week: 10-08, 10-09, the make-up 10-10 … 10-23.
    assert show(clock.due_at) == "2026-10-23 23:59:59"
    reopen = AuditEntry.objects.get(case=case, action="reopen")
    assert reopen.actor == office and "整改未落实" in reopen.note
    restart = AuditEntry.objects.get(case=case, action="clock_restart")
    assert "完成 2026-09-29" in restart.old
    casework.close_case(case, office, summary="复查整改已落实。")


# The level control changes only what was chosen and keeps approved extensions -------------------

def test_level_change_keeps_an_approved_extension(bureau):
    office = person("office_zhao", roles.OFFICE)
    duty = person("duty_qian", roles.DUTY_OFFICER)
    with freeze_time("2026-09-28 10:00:00+08:00"):
        case = make_case(bureau, level="III", section="lawyers")
        closure = case.clocks.get(clock=Clock.CLOSURE)
        planned = closure.due_at
        ext = extensions.request_extension(closure, office, reason="须等待律师协会调查结论", amount=5)
        extensions.approve_extension(ext, office, note="同意")
        extended = case.clocks.get(clock=Clock.CLOSURE).due_at
        assert extended > planned
    with freeze_time("2026-09-29 09:00:00+08:00"):
        assert casework.set_level(case, Level.objects.get(code="II"), duty) is True
        assert casework.set_level(case, Level.objects.get(code="II"), duty) is False  # same level: nothing
    closure = case.clocks.get(clock=Clock.CLOSURE)
    assert closure.due_at == extended
    assert closure.extensions.get().state == Extension.State.APPROVED
    assert set(case.clocks.values_list("clock", flat=True)) == {"first_statement", "response", "closure"}
    assert AuditEntry.objects.filter(case=case, action="level").count() == 1


def test_level_select_shows_the_current_level_and_an_empty_submit_changes_nothing(bureau, client):
    duty = person("duty_sun", roles.DUTY_OFFICER)
    case = make_case(bureau, level=None, section="office", channel="board", title="领导信箱：公证办理时间过长")
    client.force_login(duty)
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    select = page[page.index('name="level"'):page.index("</select>", page.index('name="level"'))]
    assert '<option value="" selected>未定级</option>' in select
    assert "selected" not in select.split("</option>", 1)[1]
    client.post(reverse("case_level", args=[case.pk]), {"level": ""})
    case.refresh_from_db()
    assert case.level is None
    assert not AuditEntry.objects.filter(case=case, action="level").exists()


# Closure rules follow the level on every channel -----------------------------------------------

def test_a_level_one_message_board_case_needs_consultation_and_response(bureau):
    case = make_case(bureau, level="I", section="corrections", channel="board",
                     title="网上留言：社区矫正对象脱管后伤人")
    with pytest.raises(casework.CaseError) as err:
        casework.close_case(case, None, summary="已处理")
    assert "会商" in str(err.value) and "回应" in str(err.value)
    case.refresh_from_db()
    assert case.state == Case.State.HANDLING
    plain = make_case(bureau, level=None, section="legal_aid", channel="board", title="网上留言：如何申请法律援助")
    casework.close_case(plain, None, summary="已在留言板答复申请流程。")  # no level rule: the reply closes it
    assert plain.clocks.get(clock=Clock.RESPONSE).stopped_at is not None


# Gapless numbers ---------------------------------------------------------------------------------

def test_case_numbers_are_gapless_per_year_and_a_rollback_returns_its_number(bureau):
    with freeze_time("2026-12-31 23:00:00+08:00"):
        first = make_case(bureau)
        with pytest.raises(RuntimeError), transaction.atomic():
            make_case(bureau)
            raise RuntimeError("opening failed after the number was taken")
        second = make_case(bureau)
    with freeze_time("2027-01-01 00:30:00+08:00"):
        new_year = make_case(bureau)
    n1 = int(first.number.split("-")[1])
    assert second.number == f"YQ2026-{n1 + 1:06d}"
    assert new_year.number == "YQ2027-000001"
    assert CaseSequence.objects.get(year=2026).last == n1 + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_openings_get_twenty_consecutive_numbers(bureau):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks across connections)")
    section = bureau["office"]

    def opening(i: int) -> str:
        try:
            case, created = open_case(origin_key=f"test:parallel:{i}", title=f"并发立案 {i}", section=section)
            assert created
            return case.number
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=10) as pool:
        numbers = list(pool.map(opening, range(20)))
    year = timezone.localtime().year
    suffixes = sorted(int(n.split("-")[1]) for n in numbers)
    assert len(set(numbers)) == 20
    assert suffixes == list(range(suffixes[0], suffixes[0] + 20))
    assert all(n.startswith(f"YQ{year}-") for n in numbers)


def test_allocation_continues_after_numbers_filed_before(bureau):
    CaseSequence.objects.create(year=2031, last=41)
    with transaction.atomic():
        assert allocate_number(local("2031-03-01 10:00:00")) == "YQ2031-000042"


# Policy interpretation is opened from the UI ----------------------------------------------------

@freeze_time("2026-09-30 15:00:00+08:00")
def test_office_registers_a_policy_document_release_from_the_board(bureau, client):
    office = person("office_wu", roles.OFFICE)
    client.force_login(office)
    board = client.get(reverse("cases")).content.decode()
    assert "登记政策解读" in board
    form = {"title": "《市法律援助条例实施办法》", "released_at": "2026-09-30T10:00", "section": "legal_aid",
            "link": "http://127.0.0.1:9/zcwj/2026/0930.html", "description": "扩大法律援助覆盖范围"}
    response = client.post(reverse("case_register_policy"), form)
    case = Case.objects.get(channel="policy")
    assert response.status_code == 302 and response["Location"] == reverse("case", args=[case.pk])
    clock = case.clocks.get(clock=Clock.RESPONSE)
    assert show(clock.started_at) == "2026-09-30 10:00:00"
    assert show(clock.due_at) == "2026-10-10 23:59:59"  # 3 working days after National Day
    assert case.section.code == "legal_aid" and case.opened_by == office
    client.post(reverse("case_register_policy"), form)  # a double submit registers nothing twice
    assert Case.objects.filter(channel="policy").count() == 1
    staff = staff_of(bureau["lawyers"], "lawyer_clerk")
    client.force_login(staff)
    assert client.post(reverse("case_register_policy"), {**form, "title": "另一文件"}).status_code == 403


# An unknown holiday year is a banner, 暂定, a failing check, and a recomputation ------------------

@freeze_time("2026-12-20 10:00:00+08:00")
def test_unknown_holiday_year_is_shown_checked_and_recomputed_when_entered(bureau, client):
    case = ticket(bureau, number="GD2026122000031", category="投诉", transferred="2026-12-20T09:00:00+08:00",
                  title="投诉某公证处办证拖延")
    clock = case.clocks.get(clock=Clock.RESPONSE)
    # 13 working days counted on a guessed 2027 (Monday–Friday only).
    assert show(clock.due_at) == "2027-01-06 23:59:59"
    duty = person("duty_li", roles.DUTY_OFFICER)
    client.force_login(duty)
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "2027 年节假日安排尚未录入" in page and "暂定" in page
    assert "暂定" in client.get(reverse("cases")).content.decode()
    with pytest.raises(CommandError, match="2027"):
        call_command("deadlines", "calendar", "--check", stdout=io.StringIO())

    office = person("office_he", roles.OFFICE)
    CalendarDay.objects.create(date=datetime(2027, 1, 1).date(), is_workday=False, note="元旦")
    on_calendar_day_changed(datetime(2027, 1, 1).date(), office)
    clock.refresh_from_db()
    assert show(clock.due_at) == "2027-01-07 23:59:59"  # New Year's Day (a Friday) no longer counts
    row = AuditEntry.objects.get(case=case, action="clock_recompute")
    assert row.actor == office and row.old == "2027-01-06 23:59:59" and row.new == "2027-01-07 23:59:59"
    out = io.StringIO()
    call_command("deadlines", "calendar", "--check", stdout=out)
    assert "2027" not in client.get(reverse("case", args=[case.pk])).content.decode().split("<main>")[0]


def test_dashboard_on_time_rate_counts_an_overdue_running_clock_as_late(bureau):
    from response.services.dashboard import on_time_rates

    with freeze_time("2026-10-12 09:00:00+08:00"):
        answered = make_case(bureau, level="III")
        make_case(bureau, level="III", section="grassroots")  # never answered
        casework.record_response(answered, None, text="已约谈律所负责人。", channel="官方网站")
    with freeze_time("2026-10-15 09:00:00+08:00"):  # both 48 h response clocks are due
        response = next(o for o in on_time_rates(30) if o.clock == Clock.RESPONSE)
    assert (response.met, response.late, response.running_overdue) == (1, 0, 1)
    assert response.rate == 0.5


def test_the_case_timeline_names_every_action_in_chinese(bureau, client):
    with freeze_time("2026-09-29 10:00:00+08:00"):
        case = _closed(bureau)
    office = person("office_tang", roles.OFFICE)
    with freeze_time("2026-09-30 16:00:00+08:00"):
        casework.reopen_case(case, office, "当事人来信反映整改未落实")
    client.force_login(office)
    timeline = client.get(reverse("case", args=[case.pk])).content.decode().split("处置记录（审计）")[1]
    assert "重新打开" in timeline and "时限重新起算" in timeline
    assert "reopen" not in timeline and "clock_restart" not in timeline
