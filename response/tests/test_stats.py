"""Statistics for a period and the `yuqing stats` command (json, csv, xlsx)."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from freezegun import freeze_time
from openpyxl import load_workbook

from response.services import casework
from response.services.stats import case_stats
from response.tests.factories import MentionFactory, SourceFactory
from response.tests.mechanism import make_case


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
        casework.record_response(late, None, text="已依法处理并公布进展。", channel="新闻发布会")
    with freeze_time("2026-04-02 10:00:00+08:00"):
        make_case(bureau, level="IV", title="四月的案件不在统计时段内")


@pytest.mark.django_db
def test_counts_and_on_time_rates(year):
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
    # late: II opinion (50 h of 24); still running: the 12345 enquiry.
    assert (response["total"], response["met"], response["late"], response["running"]) == (6, 4, 1, 1)
    assert response["rate"] == 0.8
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


@pytest.mark.django_db
def test_command_json(year):
    out = io.StringIO()
    call_command("stats", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert {"by_channel", "by_level", "by_section", "by_state", "on_time"} <= set(data)
    assert data["by_state"]["已办结"] == 2


@pytest.mark.django_db
def test_command_csv_and_xlsx(year, tmp_path):
    out = io.StringIO()
    call_command("stats", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert ["年度办理情况"] in rows and ["12345转办件", "2", "1"] in rows
    assert ["回应", "6", "4", "1", "1", "1", "80.0%"]  # the enquiry is long overdue by now in rows

    path = tmp_path / "stats.xlsx"
    call_command("stats", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "xlsx", "--output", str(path),
                 stdout=io.StringIO())
    book = load_workbook(path)
    assert book.sheetnames == ["按渠道", "按级别", "按科室", "按状态", "按时办结情况", "年度办理情况"]
    states = {row[0]: row[1] for row in book["按状态"].iter_rows(min_row=2, values_only=True)}
    assert states["已回应"] == 3


@pytest.mark.django_db
def test_command_rejects_bad_dates(bureau):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("stats", "--from", "2026-03-31", "--to", "2026-03-01")
    with pytest.raises(CommandError):
        call_command("stats", "--from", "2026/03/01", "--to", "2026-03-31")
