"""Statistics for a period and the `yuqing stats` command (json, csv, xlsx)."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time
from openpyxl import load_workbook

from response.models import Case, Level
from response.services import casework
from response.services.cases import open_case_for_mention
from response.services.stats import LATE, MET, OVERDUE, RUNNING, VOID, case_stats, verdict
from response.tests.factories import MentionFactory, SourceFactory
from response.tests.mechanism import make_case

BEIJING = "+08:00"


def local(text: str) -> datetime:
    return datetime.fromisoformat(text + BEIJING)


@pytest.fixture
def year(bureau):
    """A small 2026: opinion cases, a board message, a mailbox letter, 12345 transfers, one case out of period."""
    board = SourceFactory(slug="board-liuyan", name="市司法局网上留言板", kind="board")
    mailbox = SourceFactory(slug="leader-mailbox", name="市司法局领导信箱", kind="board")
    with freeze_time("2026-03-02 10:00:00+08:00"):
        on_time = make_case(bureau, level="III")
        late = make_case(bureau, level="II", section="corrections")
        message = make_case(bureau, channel="board", level=None, section="legal_aid", title="网上留言：法律援助如何申请")
        message.mentions.add(MentionFactory(source=board))
        letter = make_case(bureau, channel="board", level=None, section="notary", title="领导信箱：公证费用是否合理")
        letter.mentions.add(MentionFactory(source=mailbox))
        ticket = make_case(bureau, channel="hotline_complaint", level=None, title="12345转办：投诉律师态度恶劣")
        make_case(bureau, channel="hotline_enquiry", level=None, section="exam", title="12345转办：法考报名咨询")
    with freeze_time("2026-03-03 09:00:00+08:00"):
        casework.record_response(on_time, None, text="已约谈律所负责人，责令整改。", channel="门户网站")
        casework.record_response(message, None, text="您好，法律援助可向户籍地法律援助中心申请。", channel="留言板")
        casework.close_case(letter, None, summary="已答复公证收费标准。")
        casework.close_case(ticket, None, summary="已联系投诉人并反馈处理结果。")
    with freeze_time("2026-03-04 12:00:00+08:00"):
        casework.record_consultation(late, None, held_at=late.opened_at, participants="办公室、社区矫正科",
                                     conclusion="统一口径", agreed_wording="依法处理")
        casework.record_response(late, None, kind="first_statement", text="市司法局已关注并核查。", channel="官方微博")
        casework.record_response(late, None, text="已依法处理并公布进展。", channel="新闻发布会")
    with freeze_time("2026-04-02 10:00:00+08:00"):
        make_case(bureau, level="IV", title="四月的案件不在统计时段内")


@pytest.mark.django_db
def test_counts_and_on_time_rates(year):
    with freeze_time("2026-04-10 12:00:00+08:00"):
        data = case_stats(date(2026, 3, 1), date(2026, 3, 31))
    assert data["total"] == 6
    assert data["by_channel"]["网络舆情(新闻/公众号)"] == 2
    assert data["by_channel"]["留言板/领导信箱"] == 2
    assert data["by_level"]["II级 重大"] == 1 and data["by_level"]["III级 较大"] == 1
    assert data["by_level"]["未定级"] == 4
    assert data["by_section"]["律师工作科"] == 2 and data["by_section"]["社区矫正科"] == 1
    assert data["by_state"] == {"待研判": 0, "处置中": 1, "已回应": 3, "已办结": 2, "已排除": 0}
    response = data["on_time"]["回应"]
    # Met: III opinion (23 h of 48), board message, mailbox letter and 12345 complaint (closed in time);
    # late: II opinion (50 h of 24); the 12345 enquiry (due 03-05) still running and overdue counts too.
    assert (response["total"], response["met"], response["late"], response["running"]) == (6, 4, 1, 1)
    assert response["overdue_running"] == 1 and response["judged"] == 6
    assert response["rate"] == round(4 / 6, 4)
    first = data["on_time"]["首次发布"]
    assert (first["total"], first["late"], first["rate"]) == (1, 1, 0.0)
    assert data["year_table"] == {
        "网上留言": {"received": 1, "handled": 1},
        "领导信箱": {"received": 1, "handled": 1},
        "12345转办件": {"received": 2, "handled": 1},
    }
    assert case_stats(date(2026, 4, 1), date(2026, 4, 30))["total"] == 1


@pytest.mark.django_db
def test_period_end_is_inclusive_local_date(year):
    assert case_stats(date(2026, 3, 2), date(2026, 3, 2))["total"] == 6
    assert case_stats(date(2026, 3, 3), date(2026, 3, 31))["total"] == 0


# ---- the National Day week: overdue clocks, ended cases, per channel/section, 补录 ----------------

@pytest.fixture
def national_day(bureau):
    """Cases opened 09-28..09-30 around the 2026 holidays (09-25..27 中秋, 10-01..07 国庆; 10-10 Saturday is a
    make-up working day), each showing one way a clock can count."""
    cases = {}
    news = SourceFactory(slug="mnrb", name="闽南日报")
    with freeze_time("2026-09-28 08:00:00+08:00"):
        # Left in triage past its 48 h, dismissed afterwards: the deadline was missed while it was live.
        lingered = MentionFactory(source=news, title="网传某律所拒退律师费", published_at=timezone.now())
        cases["dismissed_late"], _ = open_case_for_mention(
            lingered, level=Level.objects.get(code="IV"), section=bureau["lawyers"], state=Case.State.TRIAGE)
    with freeze_time("2026-09-28 09:00:00+08:00"):
        cases["met_board"] = make_case(bureau, channel="board", level=None, section="legal_aid",
                                       title="网上留言：农民工讨薪能否申请法律援助")
    with freeze_time("2026-09-28 09:30:00+08:00"):
        cases["overdue_board"] = make_case(bureau, channel="board", level=None, section="notary",
                                           title="领导信箱：公证处办理继承公证拖延")
    with freeze_time("2026-09-29 09:00:00+08:00"):
        cases["closed_ii"] = make_case(bureau, level="II", section="corrections")
    with freeze_time("2026-09-29 10:00:00+08:00"):
        noise = MentionFactory(source=news, title="某地司法所开展普法宣传", published_at=timezone.now())
        cases["dismissed_early"], _ = open_case_for_mention(
            noise, level=Level.objects.get(code="III"), section=bureau["lawyers"], state=Case.State.TRIAGE)
    with freeze_time("2026-09-29 11:00:00+08:00"):
        casework.dismiss_mention(noise, None, "与本局无关的正面宣传")
    with freeze_time("2026-09-29 16:00:00+08:00"):
        # Answered at 10:00 on the board, entered six hours later: a 补录.
        casework.record_response(cases["met_board"], None, text="您好，可向户籍地法律援助中心申请。", channel="留言板",
                                 responded_at=local("2026-09-29T10:00:00"),
                                 late_reason="值班员外出现场处置，回单位后补录")
    with freeze_time("2026-09-29 20:00:00+08:00"):
        ii = cases["closed_ii"]
        casework.record_consultation(ii, None, held_at=timezone.now(), participants="办公室、社区矫正科",
                                     conclusion="及时回应", agreed_wording="已责成司法所核查")
        casework.record_response(ii, None, text="已责成司法所核查并公布结果。", channel="新闻发布会")
    with freeze_time("2026-09-30 10:00:00+08:00"):
        casework.close_case(cases["closed_ii"], None, summary="核查属实，已对相关人员批评教育。")
    with freeze_time("2026-09-30 15:00:00+08:00"):
        casework.dismiss_mention(lingered, None, "经核实为重复信息")
    with freeze_time("2026-09-30 16:00:00+08:00"):
        cases["fresh_board"] = make_case(bureau, channel="board", level=None, section="legal_aid",
                                         title="网上留言：法律援助案件进度查询")
    return cases


def stats_at(moment: str) -> dict:
    with freeze_time(moment):
        return case_stats(date(2026, 9, 28), date(2026, 9, 30))


def test_verdict_rules():
    due = local("2026-10-08T23:59:59")
    now = local("2026-10-09T12:00:00")
    assert verdict(due, due, "handling", None, now) == MET
    assert verdict(due, due + timedelta(seconds=1), "closed", due, now) == LATE
    assert verdict(due, None, "handling", None, now) == OVERDUE
    assert verdict(due, None, "handling", None, due - timedelta(hours=1)) == RUNNING
    assert verdict(due, None, "dismissed", due - timedelta(hours=1), now) == VOID
    assert verdict(due, None, "closed", due + timedelta(hours=1), now) == LATE
    assert verdict(due, None, "dismissed", None, now) == LATE  # no known end: judged now


@pytest.mark.django_db
def test_holiday_due_times(national_day):
    due = {k: v.clocks.get(clock="response").due_at for k, v in national_day.items()}
    assert due["overdue_board"] == local("2026-10-08T23:59:59")  # 09-29, 09-30, then 10-08 after the holiday
    assert due["fresh_board"] == local("2026-10-10T23:59:59")  # 10-08, 10-09 and the make-up Saturday


@pytest.mark.django_db
def test_overdue_running_clocks_count_against_the_rate(national_day):
    data = stats_at("2026-10-09 12:00:00+08:00")
    response = data["on_time"]["回应"]
    # Met: the board message (补录 at its real time) and the II case; late: the one dismissed after its
    # deadline; overdue running: the letter due 10-08; not counted: the fresh message (due 10-10) and
    # the item dismissed within the hour.
    assert response == {"total": 6, "met": 2, "late": 1, "late_unstopped": 1, "running": 2,
                        "overdue_running": 1, "void": 1, "judged": 4, "rate": 0.5}
    first = data["on_time"]["首次发布"]
    # The II case was closed with its 5-hour first statement never recorded.
    assert (first["total"], first["late"], first["late_unstopped"], first["rate"]) == (1, 1, 1, 0.0)
    closure = data["on_time"]["办结"]
    assert (closure["met"], closure["running"], closure["void"], closure["rate"]) == (1, 3, 2, 1.0)


@pytest.mark.django_db
def test_running_clock_enters_the_rate_once_due_on_the_make_up_saturday(national_day):
    before = stats_at("2026-10-10 23:00:00+08:00")["on_time"]["回应"]
    after = stats_at("2026-10-11 09:00:00+08:00")["on_time"]["回应"]
    assert (before["overdue_running"], before["rate"]) == (1, 0.5)
    assert (after["overdue_running"], after["judged"], after["rate"]) == (2, 5, 0.4)


@pytest.mark.django_db
def test_on_time_per_channel_and_per_section(national_day):
    data = stats_at("2026-10-09 12:00:00+08:00")
    board = data["on_time_by_channel"]["留言板/领导信箱"]
    assert set(board) == {"回应", "办结"}
    assert (board["回应"]["met"], board["回应"]["overdue_running"], board["回应"]["rate"]) == (1, 1, 0.5)
    assert board["办结"]["rate"] is None
    opinion = data["on_time_by_channel"]["网络舆情(新闻/公众号)"]
    assert (opinion["回应"]["met"], opinion["回应"]["late"], opinion["回应"]["void"]) == (1, 1, 1)
    assert opinion["首次发布"]["rate"] == 0.0
    assert "12345 紧急件" not in data["on_time_by_channel"]
    sections = data["on_time_by_section"]
    assert sections["法律援助中心"]["回应"]["rate"] == 1.0  # one met, one not yet due
    assert sections["公证工作科"]["回应"]["rate"] == 0.0
    lawyers = sections["律师工作科"]["回应"]
    assert (lawyers["met"], lawyers["late"], lawyers["void"], lawyers["rate"]) == (0, 1, 1, 0.0)
    assert sections["社区矫正科"]["首次发布"]["late"] == 1
    assert "办公室" not in sections


@pytest.mark.django_db
def test_late_entries_are_counted_and_listed(national_day):
    late = stats_at("2026-10-09 12:00:00+08:00")["late_entries"]
    assert late["count"] == 1
    (entry,) = late["items"]
    assert entry["case"] == national_day["met_board"].number
    assert entry["responded_at"] == "2026-09-29T10:00:00+08:00"
    assert entry["recorded_at"] == "2026-09-29T16:00:00+08:00"
    assert entry["delay_hours"] == 6.0 and entry["late_reason"] == "值班员外出现场处置，回单位后补录"
    assert entry["kind"] == "回应/新闻发布会"


@pytest.mark.django_db
def test_command_json(national_day):
    out = io.StringIO()
    with freeze_time("2026-10-09 12:00:00+08:00"):
        call_command("stats", "--from", "2026-09-28", "--to", "2026-09-30", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert {"by_channel", "by_level", "by_section", "by_state", "on_time", "on_time_by_channel",
            "on_time_by_section", "late_entries"} <= set(data)
    assert data["by_state"]["已排除"] == 2 and data["late_entries"]["count"] == 1
    assert data["on_time_by_channel"]["留言板/领导信箱"]["回应"]["rate"] == 0.5
    assert data["computed_at"] == "2026-10-09T12:00:00+08:00"


@pytest.mark.django_db
def test_command_csv(national_day):
    out = io.StringIO()
    with freeze_time("2026-10-09 12:00:00+08:00"):
        call_command("stats", "--from", "2026-09-28", "--to", "2026-09-30", "--format", "csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["统计时段 2026-09-28 至 2026-09-30", "案件总数 6"]
    assert ["回应", "6", "2", "1", "1", "2", "1", "1", "4", "50.0%"] in rows
    assert ["留言板/领导信箱", "回应", "3", "1", "0", "0", "2", "1", "0", "2", "50.0%"] in rows
    assert ["公证工作科", "回应", "1", "0", "0", "0", "1", "1", "0", "1", "0.0%"] in rows
    number = national_day["met_board"].number
    assert [number, "网上留言：农民工讨薪能否申请法律援助", "回应/新闻发布会", "2026-09-29 10:00", "2026-09-29 16:00",
            "6.0", "值班员外出现场处置，回单位后补录"] in rows
    assert ["合计", "6"] in rows and ["合计", "1 条", "", "", "", "", ""] in rows


@pytest.mark.django_db
def test_command_xlsx_states_the_period_and_totals_every_table(national_day, tmp_path):
    path = tmp_path / "stats.xlsx"
    with freeze_time("2026-10-09 12:00:00+08:00"):
        call_command("stats", "--from", "2026-09-28", "--to", "2026-09-30", "--format", "xlsx", "--output", str(path),
                     stdout=io.StringIO())
    book = load_workbook(path)
    assert book.sheetnames == ["按渠道", "按级别", "按科室", "按状态", "按时办结情况", "按渠道按时率", "按科室按时率",
                               "补录回应", "年度办理情况"]
    for sheet in book.worksheets:
        rows = [r for r in sheet.iter_rows(values_only=True)]
        assert rows[0][0] == "统计时段 2026-09-28 至 2026-09-30", sheet.title
        totals = [r for r in rows if r[0] == "合计"]
        assert len(totals) == 1, sheet.title

    def table(name: str) -> dict:
        return {r[0]: r[1:] for r in book[name].iter_rows(min_row=5, values_only=True) if r[0]}
    assert table("按状态")["合计"][0] == 6 and table("按状态")["已排除"][0] == 2
    assert table("按渠道")["合计"][0] == 6 and table("按科室")["合计"][0] == 6
    clocks = table("按时办结情况")
    assert clocks["回应"][-1] == "50.0%"
    # 合计 pools every clock: 13 clocks, 3 met of 4 (回应) + 1 (首次发布) + 1 (办结) judged.
    assert clocks["合计"][:2] == (13, 3) and clocks["合计"][-2:] == (6, "50.0%")
    channels = [r for r in book["按渠道按时率"].iter_rows(values_only=True) if r[0] == "留言板/领导信箱"]
    assert ("留言板/领导信箱", "回应", 3, 1, 0, 0, 2, 1, 0, 2, "50.0%") in channels
    late = [r for r in book["补录回应"].iter_rows(values_only=True) if r[0] == national_day["met_board"].number]
    assert late and late[0][3:5] == ("2026-09-29 10:00", "2026-09-29 16:00")
    assert table("年度办理情况")["合计"] == (3, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_command_on_an_empty_database(fmt, tmp_path):
    out = io.StringIO()
    args = ["stats", "--from", "2026-01-01", "--to", "2026-12-31", "--format", fmt]
    if fmt == "xlsx":
        args += ["--output", str(tmp_path / "empty.xlsx")]
    call_command(*args, stdout=out)
    if fmt == "json":
        data = json.loads(out.getvalue())
        assert data["total"] == 0 and data["on_time"]["回应"]["rate"] is None
        assert data["on_time_by_channel"] == {} and data["late_entries"] == {"count": 0, "items": []}
    elif fmt == "csv":
        assert "统计时段 2026-01-01 至 2026-12-31" in out.getvalue()
    else:
        assert load_workbook(tmp_path / "empty.xlsx")["按状态"]["A1"].value == "统计时段 2026-01-01 至 2026-12-31"


@pytest.mark.django_db
def test_command_rejects_bad_dates(bureau):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("stats", "--from", "2026-03-31", "--to", "2026-03-01")
    with pytest.raises(CommandError):
        call_command("stats", "--from", "2026/03/01", "--to", "2026-03-31")
