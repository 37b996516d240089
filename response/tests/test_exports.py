"""Excel exports from the UI (queue, case list, statistics) with the filters applied, read back with
openpyxl; the weekly digest preview and the test send to oneself."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from openpyxl import load_workbook

from response import models as m
from response.services import casework
from response.tests.factories import CaseFactory
from response.tests.test_views_support import (  # noqa: F401 (fresh_dashboard_cache is autouse)
    flagged_mention,
    fresh_dashboard_cache,
    people,
)

TZ = timezone.get_fixed_timezone(8 * 60)


@pytest.fixture
def users(bureau):
    return people(bureau)


def book(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def filters(wb) -> dict[str, str]:
    sheet = wb["筛选条件"]
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "筛选项")
    return {r[0]: r[1] for r in rows[start + 1:] if r[0]}


def test_queue_export_applies_the_filters(client, users, bureau):
    flagged_mention(bureau, title="网传律师违规会见当事人", urgency=75, level="II")
    flagged_mention(bureau, title="律师事务所收费争议 市民要求退费", urgency=50, level="III")
    flagged_mention(bureau, title="公证处窗口排长队", text="市民反映公证处窗口少。", urgency=72, level="II",
                    section="notary", plan="律师公证", terms=("公证处",))
    client.force_login(users["duty"])
    wb = book(client.get(reverse("queue_export"), {"level": "II", "section": "lawyers"}))
    assert filters(wb) == {"级别": "II级 重大", "科室": "律师工作科"}
    rows = list(wb["研判队列"].iter_rows(values_only=True))
    assert rows[0][:4] == ("条目ID", "紧急度", "级别", "标题")
    assert [r[3] for r in rows[1:]] == ["网传律师违规会见当事人"]
    assert rows[1][2] == "II级" and rows[1][8] == "律师工作科" and rows[1][10] == "待研判"
    everything = book(client.get(reverse("queue_export")))
    assert filters(everything) == {"筛选": "无（全部）"} and everything["研判队列"].max_row == 4


def test_queue_export_is_for_reviewers(client, users, bureau):
    client.force_login(users["lawyer_staff"])
    assert client.get(reverse("queue_export")).status_code == 403


def test_case_list_export_follows_the_board_filter_and_visibility(client, users, bureau):
    lawyers = CaseFactory(title="律师事务所收费争议", section=bureau["lawyers"])
    CaseFactory(title="公证处办证难", section=bureau["notary"])
    closed = CaseFactory(title="律师执业投诉已办结", section=bureau["lawyers"], state=m.Case.State.CLOSED)
    client.force_login(users["office"])
    wb = book(client.get(reverse("cases_export"), {"section": "lawyers"}))
    assert filters(wb) == {"牵头科室": "律师工作科", "范围": "在办案件（待研判、处置中、已回应）"}
    numbers = [r[0] for r in wb["案件"].iter_rows(min_row=2, values_only=True)]
    assert numbers == [lawyers.number]
    assert wb["案件"]["A1"].value == "案件编号" and wb.sheetnames == ["筛选条件", "案件", "时限", "回应记录"]
    wb = book(client.get(reverse("cases_export"), {"section": "lawyers", "finished": "1"}))
    assert {r[0] for r in wb["案件"].iter_rows(min_row=2, values_only=True)} == {lawyers.number, closed.number}
    # Section staff export only their own sections' cases, whatever they ask for.
    client.force_login(users["notary_staff"])
    wb = book(client.get(reverse("cases_export"), {"section": "lawyers", "finished": "1"}))
    assert wb["案件"].max_row == 1


def test_search_results_export_as_cases(client, users, bureau):
    mention = flagged_mention(bureau, title="网传律师违规会见当事人", urgency=75, level="II")
    case = casework.confirm_mention(mention, users["duty"], section=bureau["lawyers"])
    CaseFactory(title="公证处办证难", section=bureau["notary"])
    client.force_login(users["duty"])
    wb = book(client.get(reverse("cases_export"), {"mode": "search", "q": "违规会见", "state": "handling"}))
    assert filters(wb) == {"关键词": "违规会见", "案件状态": "处置中"}
    rows = list(wb["案件"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [case.number]
    clock_rows = list(wb["时限"].iter_rows(min_row=2, values_only=True))
    assert clock_rows and all(r[0] == case.number for r in clock_rows)


@freeze_time("2026-11-30 10:00:00+08:00")
def test_stats_export_covers_the_chosen_period(client, users, bureau):
    CaseFactory(title="十一月的案件", section=bureau["lawyers"], opened_at=datetime(2026, 11, 20, 9, 0, tzinfo=TZ))
    CaseFactory(title="十月的案件", section=bureau["notary"], opened_at=datetime(2026, 10, 20, 9, 0, tzinfo=TZ))
    client.force_login(users["leader"])
    wb = book(client.get(reverse("stats_export"), {"from": "2026-11-01", "to": "2026-11-30"}))
    assert filters(wb) == {"统计时段": "2026-11-01 至 2026-11-30", "案件总数": "1"}
    sheet = wb["按科室"]
    assert sheet["A1"].value == "统计时段 2026-11-01 至 2026-11-30"
    body = {r[0]: r[1] for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]}
    assert body["律师工作科"] == 1 and body["公证工作科"] == 0 and body["合计"] == 1
    assert "按时办结情况" in wb.sheetnames and "年度办理情况" in wb.sheetnames
    client.force_login(users["lawyer_staff"])
    assert client.get(reverse("stats_export")).status_code == 403


@freeze_time("2026-11-30 10:00:00+08:00")
def test_digest_preview_and_test_send_to_oneself(client, users, bureau):
    client.force_login(users["office"])
    page = client.get(reverse("digest_preview"), {"week": "2026-W48"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "舆情周报" in html and "2026年第48周" in html and "试发给我（office@bureau.example.com）" in html
    body = client.get(reverse("digest_preview_body"), {"week": "2026-W48"})
    assert body.status_code == 200 and "sandbox" in body["Content-Security-Policy"]
    assert "舆情周报" in body.content.decode()

    done = client.post(reverse("digest_test_send"), {"week": "2026-W48", "scope": "bureau"}, follow=True)
    assert "已将周报试发至 office@bureau.example.com" in done.content.decode()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["office@bureau.example.com"] and sent.subject.startswith("【测试】")
    assert "2026年第48周" in sent.subject
    # A test is not the weekly send: the real run must still mail this address.
    assert not m.DigestDelivery.objects.exists()


def test_digest_preview_is_the_offices(client, users, bureau):
    for who in ("duty", "lawyer_staff"):
        client.force_login(users[who])
        assert client.get(reverse("digest_preview")).status_code == 403
        assert client.post(reverse("digest_test_send")).status_code == 403
    assert not mail.outbox
