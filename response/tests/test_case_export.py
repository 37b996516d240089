"""`yuqing cases export`: one record per case for filing (备案), as jsonl, csv and xlsx."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone
from freezegun import freeze_time
from openpyxl import load_workbook

from config import cli
from response.models import Case, Channel, Event, Level
from response.services import casework
from response.services.case_export import export_rows
from response.services.cases import open_case, open_case_for_mention
from response.tests.factories import MentionFactory, SourceFactory
from response.tests.mechanism import make_case

NOW = "2026-10-09 12:00:00+08:00"


def local(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00")


@pytest.fixture
def filed(bureau):
    """Around the 2026 National Day: a II opinion event answered twice (one entry a 补录) and closed, a 12345
    ticket, a hotline case whose ticket number only its mention carries, and cases either side of the period."""
    hotline = SourceFactory(slug="hotline-12345", name="12345 政务服务便民热线转办件", kind="hotline")
    news = SourceFactory(slug="mnrb", name="闽南日报")
    out = {}
    with freeze_time("2026-09-27 23:50:00+08:00"):  # 09-27 15:50 UTC: still September 27th in Beijing
        out["before"] = make_case(bureau, level="IV", title="九月二十七日的案件不在导出时段内")
    with freeze_time("2026-09-28 00:10:00+08:00"):  # 09-27 16:10 UTC, but the 28th here
        event = Event.objects.create(key="ev-sfs-tuoguan-0928", title="社区矫正对象脱管", first_seen=timezone.now(),
                                     last_seen=timezone.now())
        story = MentionFactory(source=news, event=event, title="社区矫正对象脱管三日 家属称司法所未及时告知",
                               published_at=timezone.now())
        out["event"], _ = open_case_for_mention(story, level=Level.objects.get(code="II"),
                                                section=bureau["corrections"])
    with freeze_time("2026-09-28 09:00:00+08:00"):
        ticket = MentionFactory(
            source=hotline, url="hotline://12345/ZZ20260928001", title="投诉律师收费后不作为",
            text="来电人反映某律师事务所收取代理费后长期不办理。", published_at=timezone.now(),
            extra={"ticket_no": "ZZ20260928001", "category": "投诉", "transferred_at": "2026-09-28T09:00:00+08:00"})
        out["ticket"], _ = open_case_for_mention(ticket, section=bureau["lawyers"])
        relayed = MentionFactory(
            source=hotline, url="hotline://12345/ZZ20260928002", title="咨询法律援助申请条件",
            published_at=timezone.now(), extra={"ticket_no": "ZZ20260928002", "category": "咨询"})
        out["relayed"], _ = open_case(origin_key="test:relayed-by-office", title="办公室转来12345工单：法律援助咨询",
                                      section=bureau["legal_aid"], channel=Channel.HOTLINE_ENQUIRY,
                                      mentions=[relayed])
    with freeze_time("2026-09-28 13:00:00+08:00"):
        case = out["event"]
        casework.record_consultation(case, None, held_at=timezone.now(), participants="办公室、社区矫正科",
                                     conclusion="当日发布权威信息", agreed_wording="已责成司法所核查")
        casework.record_response(case, None, kind="first_statement", text="市司法局已关注，正在核查。",
                                 channel="官方微博", responded_at=local("2026-09-28T04:30:00"),
                                 late_reason="凌晨由值班领导口头授权发布，上班后补录")
        casework.record_response(case, None, text="召开新闻发布会通报核查结果。", channel="新闻发布会")
    with freeze_time("2026-09-30 10:00:00+08:00"):
        casework.close_case(out["event"], None, summary="核查属实，已对相关人员批评教育。")
    with freeze_time("2026-09-30 23:30:00+08:00"):
        out["last"] = make_case(bureau, channel="board", level=None, section="notary",
                                title="网上留言：节前办理公证排队太久")
    with freeze_time("2026-10-01 00:10:00+08:00"):
        out["after"] = make_case(bureau, channel="board", level=None, title="国庆首日的留言不在导出时段内")
    return out


def export(fmt: str, tmp_path, *args: str) -> str:
    path = tmp_path / f"cases.{fmt}"
    with freeze_time(NOW):
        call_command("cases", "export", "--format", fmt, "--from", "2026-09-28", "--to", "2026-09-30",
                     "-o", str(path), *args, stdout=io.StringIO())
    return str(path)


@pytest.mark.django_db
def test_rows_hold_the_whole_record(filed):
    with freeze_time(NOW):
        rows = {r["number"]: r for r in export_rows()}
    event = rows[filed["event"].number]
    assert (event["channel"], event["channel_label"]) == ("opinion", "网络舆情(新闻/公众号)")
    assert (event["level"], event["section"], event["section_name"]) == ("II", "corrections", "社区矫正科")
    assert (event["state"], event["state_label"]) == ("closed", "已办结")
    assert event["event_key"] == "ev-sfs-tuoguan-0928" and event["ticket_no"] == ""
    assert event["opened_at"] == "2026-09-28T00:10:00+08:00"
    assert event["responded_at"] == "2026-09-28T04:30:00+08:00"  # the earliest real answer, not its entry
    assert event["closed_at"] == "2026-09-30T10:00:00+08:00"
    clocks = {k["clock"]: k for k in event["clocks"]}
    assert [k["clock"] for k in event["clocks"]] == ["first_statement", "response", "closure"]
    assert clocks["first_statement"] == {
        "clock": "first_statement", "label": "首次发布", "started_at": "2026-09-28T00:10:00+08:00",
        "due_at": "2026-09-28T05:10:00+08:00", "stopped_at": "2026-09-28T04:30:00+08:00", "met": True,
        "outcome": "met", "outcome_label": "按时", "policy": "国办发〔2016〕80号 5小时内发布权威信息",
    }
    assert clocks["response"]["met"] is True and clocks["closure"]["met"] is True
    assert event["responses"] == [
        {"kind": "first_statement", "kind_label": "首次发布权威信息", "responded_at": "2026-09-28T04:30:00+08:00",
         "recorded_at": "2026-09-28T13:00:00+08:00", "late_reason": "凌晨由值班领导口头授权发布，上班后补录",
         "channel": "官方微博"},
        {"kind": "response", "kind_label": "回应/新闻发布会", "responded_at": "2026-09-28T13:00:00+08:00",
         "recorded_at": "2026-09-28T13:00:00+08:00", "late_reason": "", "channel": "新闻发布会"},
    ]
    ticket = rows[filed["ticket"].number]
    assert (ticket["channel"], ticket["channel_label"]) == ("hotline_complaint", "12345 投诉建议举报")
    assert ticket["ticket_no"] == "ZZ20260928001" and ticket["level"] is None
    assert rows[filed["relayed"].number]["ticket_no"] == "ZZ20260928002"  # from the mention's extra
    late = {k["clock"]: k for k in rows[filed["last"].number]["clocks"]}["response"]
    assert (late["met"], late["outcome"], late["stopped_at"]) == (None, "running", None)  # due 10-10 (make-up day)


@pytest.mark.django_db
def test_jsonl_is_one_object_per_case_within_local_dates(filed, tmp_path):
    path = export("jsonl", tmp_path)
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    rows = [json.loads(line) for line in lines]
    numbers = [r["number"] for r in rows]
    assert numbers == [filed[k].number for k in ("event", "ticket", "relayed", "last")]
    for row in rows:
        for key in ("opened_at", "responded_at", "closed_at"):
            assert row[key] is None or row[key].endswith("+08:00")
        for clock in row["clocks"]:
            assert set(clock) >= {"clock", "started_at", "due_at", "stopped_at", "met", "policy"}
            assert clock["due_at"].endswith("+08:00")
    ticket = rows[1]
    db = Case.objects.get(pk=filed["ticket"].pk).clocks.get(clock="response")
    assert ticket["clocks"][0]["due_at"] == timezone.localtime(db.due_at).isoformat()
    assert ticket["clocks"][0]["policy"] == db.policy_note


@pytest.mark.django_db
def test_csv_flattens_clocks_per_kind(filed, tmp_path):
    path = export("csv", tmp_path)
    with open(path, "rb") as fh:
        raw = fh.read()
    assert raw.startswith(b"\xef\xbb\xbf")  # utf-8-sig for Excel
    rows = {r["案件编号"]: r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))}
    assert len(rows) == 4
    event = rows[filed["event"].number]
    assert event["渠道代码"] == "opinion" and event["渠道"] == "网络舆情(新闻/公众号)" and event["级别"] == "II"
    assert event["首次发布起算"] == "2026-09-28T00:10:00+08:00"
    assert event["首次发布到期"] == "2026-09-28T05:10:00+08:00"
    assert event["首次发布完成"] == "2026-09-28T04:30:00+08:00" and event["首次发布是否按时"] == "是"
    assert event["办结完成"] == "2026-09-30T10:00:00+08:00" and event["办结是否按时"] == "是"
    assert event["回应次数"] == "2" and event["补录次数"] == "1"
    assert "补录原因：凌晨由值班领导口头授权发布，上班后补录" in event["回应记录"]
    ticket = rows[filed["ticket"].number]
    assert ticket["12345工单号"] == "ZZ20260928001" and ticket["渠道"] == "12345 投诉建议举报"
    assert ticket["首次发布起算"] == "" and ticket["回应是否按时"] == "未完成"
    last = rows[filed["last"].number]
    assert last["回应到期"] == "2026-10-10T23:59:59+08:00" and last["回应是否按时"] == "未完成"


@pytest.mark.django_db
def test_csv_says_when_a_running_clock_is_already_overdue(filed, tmp_path):
    path = tmp_path / "late.csv"
    with freeze_time("2026-10-12 09:00:00+08:00"):
        call_command("cases", "export", "--format", "csv", "--from", "2026-09-30", "-o", str(path), stdout=io.StringIO())
    rows = {r["案件编号"]: r for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))}
    assert set(rows) == {filed["last"].number, filed["after"].number}
    assert rows[filed["last"].number]["回应是否按时"] == "否（逾期未完成）"


@pytest.mark.django_db
def test_xlsx_has_cases_clocks_and_responses(filed, tmp_path):
    book = load_workbook(export("xlsx", tmp_path))
    assert book.sheetnames == ["案件", "时限", "回应记录"]
    cases = list(book["案件"].iter_rows(values_only=True))
    head = cases[0]
    by_number = {r[0]: dict(zip(head, r)) for r in cases[1:]}
    assert len(by_number) == 4
    event = by_number[filed["event"].number]
    assert event["牵头科室"] == "社区矫正科" and event["事件键"] == "ev-sfs-tuoguan-0928"
    assert event["首次发布完成"] == "2026-09-28T04:30:00+08:00" and event["补录次数"] == 1
    clocks = [r for r in book["时限"].iter_rows(min_row=2, values_only=True) if r[0] == filed["event"].number]
    assert clocks[0][1:] == ("首次发布", "2026-09-28T00:10:00+08:00", "2026-09-28T05:10:00+08:00",
                             "2026-09-28T04:30:00+08:00", "是", "按时", "国办发〔2016〕80号 5小时内发布权威信息")
    responses = [r for r in book["回应记录"].iter_rows(min_row=2, values_only=True)]
    assert (filed["event"].number, "首次发布权威信息", "2026-09-28T04:30:00+08:00", "2026-09-28T13:00:00+08:00",
            "凌晨由值班领导口头授权发布，上班后补录", "官方微博") in responses


@pytest.mark.django_db
def test_yuqing_cli_dispatches_cases_export(filed, tmp_path, capsys, monkeypatch):
    # Run from the command line, Django closes every connection at the end; the test's transaction needs its own.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    path = tmp_path / "all.jsonl"
    with freeze_time(NOW):
        cli.main(["yuqing", "cases", "export", "--format", "jsonl", "-o", str(path)])
    assert len(path.read_text(encoding="utf-8").splitlines()) == Case.objects.count() == 6
    cli.main(["yuqing", "--help"])
    assert "cases" in capsys.readouterr().out


@pytest.mark.django_db
def test_stdout_and_errors(filed):
    out = io.StringIO()
    with freeze_time(NOW):
        call_command("cases", "export", "--from", "2026-09-30", "--to", "2026-09-30", stdout=out)
    assert [json.loads(x)["number"] for x in out.getvalue().splitlines()] == [filed["last"].number]
    with pytest.raises(CommandError, match="截止日期早于起始日期"):
        call_command("cases", "export", "--from", "2026-10-01", "--to", "2026-09-30")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("cases", "export", "--from", "2026/09/30")
    with pytest.raises(CommandError, match="--output"):
        call_command("cases", "export", "--format", "xlsx")
