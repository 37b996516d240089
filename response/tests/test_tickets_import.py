"""Importing 12345 transfers: exact times (future ones too), every refused row reported, re-imports
compared on meaning, time changes audited and passed on to the case clocks."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from freezegun import freeze_time
from openpyxl import Workbook

from response.models import AuditEntry, Case, Mention
from response.services import deadlines
from response.services.tickets import import_tickets

COMPLAINT = "市民来电反映：委托某律师事务所代理劳动争议案件，律师未出庭却拒绝退还代理费，请求司法局督促处理。"
ENQUIRY = "来电人咨询农民工讨薪能否申请法律援助，需要准备哪些材料，到哪里办理？"
NOTARY = "市民反映到公证处办理继承公证，材料齐全但已等待一个多月仍未出证，希望加快办理。"
HEADER = ["工单编号", "诉求标题", "诉求内容", "诉求类型", "转办时间", "办理时限", "办理状态", "联系电话", "备注"]


def rows(status: str = "办理中", transferred: str = "2026-09-30 16:00",
         due: str = "2026-10-20 18:00") -> list[list]:
    return [
        ["漳州市12345便民服务平台转办件导出（2026年9月）"],
        HEADER,
        ["2026093000123", "律师代理费不退", COMPLAINT, "投诉", transferred, due, status,
         "13800138000", "2"],
        ["ZZ20260930002", "法律援助咨询", ENQUIRY, "咨询", "2026/9/29 16:00:00", "3个工作日", "办理中", "", ""],
        ["ZZ20260930003", "公证办证慢", NOTARY, "求助", "2026-13-45 25:61", "2026-10-15 18:00", "办理中", "", ""],
        ["", "无编号", ENQUIRY, "咨询", "2026-09-30 09:00", "5天", "办理中", "", ""],
    ]


def write_csv(path, data, encoding="gbk"):
    buf = io.StringIO()
    csv.writer(buf).writerows(data)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path, data):
    wb = Workbook()
    for row in data:
        wb.active.append(row)
    wb.save(path)
    return path


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def ticket(no: str) -> Mention:
    return Mention.objects.get(extra__ticket_no=no)


@freeze_time("2026-09-01 09:00:00+08:00")
def test_future_times_are_kept_and_refused_rows_reported(db, tmp_path):
    report = import_tickets(write_csv(tmp_path / "12345.csv", rows()))
    assert (report.created, report.updated, report.unchanged, report.rejected) == (2, 0, 0, 2)
    assert report.errors == ["第5行：转办时间“2026-13-45 25:61”不是有效日期", "第6行：缺少工单编号"]
    mention = ticket("2026093000123")
    assert mention.extra["transferred_at"] == "2026-09-30T16:00:00+08:00"
    assert mention.extra["due_at"] == "2026-10-20T18:00:00+08:00"
    assert mention.extra["received_at"] is None
    assert mention.published_at == datetime.fromisoformat("2026-09-30T16:00:00+08:00")
    assert mention.extra["phone"] == "13800138000" and mention.extra["columns"] == {"备注": "2"}


@pytest.mark.parametrize(("limit", "due"), [
    # 9-30 is the first working day, then the National Day holiday (10-01…10-07), then 10-08, 10-09.
    ("3个工作日", "2026-10-09T23:59:59+08:00"),
    ("24小时", "2026-09-30T16:00:00+08:00"),
    ("5天", "2026-10-04T16:00:00+08:00"),
])
def test_due_time_from_a_time_limit(db, tmp_path, limit, due):
    data = [HEADER[:6], ["ZZ1", "法律援助咨询", ENQUIRY, "咨询", "2026-09-29 16:00", limit]]
    import_tickets(write_csv(tmp_path / "a.csv", data))
    extra = ticket("ZZ1").extra
    assert extra["due_at"] == due and extra["due_text"] == limit


def test_received_time_starts_the_limit_without_a_transfer(db, tmp_path):
    data = [["受理号", "诉求详情", "受理时间", "办结期限"], ["SL1", ENQUIRY, "2026-09-29 16:00", "24小时"]]
    import_tickets(write_csv(tmp_path / "a.csv", data))
    mention = ticket("SL1")
    assert mention.extra["due_at"] == "2026-09-30T16:00:00+08:00"
    assert mention.published_at == datetime.fromisoformat("2026-09-29T16:00:00+08:00")


def xlsx_rows() -> list[list]:
    """The CSV's good rows as Excel keeps them: numbers, datetimes, padded text."""
    return [
        ["漳州市12345便民服务平台转办件导出（2026年9月）"],
        HEADER,
        [2026093000123.0, " 律师代理费不退 ", COMPLAINT + "\n", "投诉", datetime(2026, 9, 30, 16, 0),
         datetime(2026, 10, 20, 18, 0), "办理中", 13800138000, 2],
        ["ZZ20260930002", "法律援助咨询", ENQUIRY, "咨询", datetime(2026, 9, 29, 16, 0), "3个工作日", "办理中",
         None, None],
    ]


def test_same_data_in_csv_then_xlsx_is_unchanged(db, tmp_path):
    import_tickets(write_csv(tmp_path / "12345.csv", rows()))
    report = import_tickets(write_xlsx(tmp_path / "12345.xlsx", xlsx_rows()))
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, 2, 0)
    assert Mention.objects.count() == 2
    assert not AuditEntry.objects.filter(action="ticket_update").exists()


def test_reimport_with_changed_status_and_time_audits_each_field(db, tmp_path):
    path = write_csv(tmp_path / "12345.csv", rows())
    import_tickets(path)
    write_csv(path, rows(status="已办结", transferred="2026-09-30 17:30"))
    report = import_tickets(path)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    audits = AuditEntry.objects.filter(action="ticket_update")
    assert {(a.field, a.old, a.new) for a in audits} == {
        ("status", "办理中", "已办结"),
        ("transferred_at", "2026-09-30T16:00:00+08:00", "2026-09-30T17:30:00+08:00"),
    }
    mention = ticket("2026093000123")
    assert mention.published_at == datetime.fromisoformat("2026-09-30T17:30:00+08:00")


def test_only_time_changes_of_a_ticket_with_a_case_recompute_its_clocks(bureau, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(deadlines, "recompute_clocks", lambda case, **kw: calls.append((case, kw)) or [],
                        raising=False)
    path = write_csv(tmp_path / "12345.csv", rows())
    run("tickets", "import", str(path))
    case = Case.objects.get(origin_key="ticket:2026093000123")
    write_csv(path, rows(status="已办结"))
    import_tickets(path)
    assert calls == []
    write_csv(path, rows(status="已办结", transferred="2026-09-30 17:30"))
    import_tickets(path)
    assert calls == [(case, {"user": None, "note": "12345 工单重新导入：时间变更"})]


@freeze_time("2026-09-30 18:00:00+08:00")
def test_recompute_clocks_moves_the_clock_start_to_the_new_transfer_time(bureau, tmp_path):
    # Exercises the lead's response.services.deadlines.recompute_clocks itself (no stand-in).
    path = write_csv(tmp_path / "12345.csv", rows())
    run("tickets", "import", str(path))
    case = Case.objects.get(origin_key="ticket:2026093000123")
    write_csv(path, rows(transferred="2026-09-30 17:30"))
    import_tickets(path)
    running = case.clocks.filter(stopped_at__isnull=True)
    assert running.exists()
    assert {c.started_at for c in running} == {datetime.fromisoformat("2026-09-30T17:30:00+08:00")}

    write_csv(path, rows(transferred="2026-09-30 17:30", due="2026-10-22 18:00"))
    import_tickets(path)
    assert case.clocks.get(clock="response").due_at == datetime.fromisoformat("2026-10-22T18:00:00+08:00")
    assert AuditEntry.objects.filter(case=case, note="12345 工单重新导入：时间变更").exists()


def test_command_lists_refused_rows_and_the_summary(bureau, tmp_path):
    out = run("tickets", "import", str(write_csv(tmp_path / "12345.csv", rows())))
    lines = out.splitlines()
    assert "第5行：转办时间“2026-13-45 25:61”不是有效日期" in lines
    assert "第6行：缺少工单编号" in lines
    assert lines[-1] == "12345.csv：新增 2 件，更新 0 件，无变化 0 件，拒绝 2 行"


@pytest.mark.parametrize(("name", "data"), [
    ("乱码.csv", bytes(range(256)) * 20),
    ("损坏.xlsx", b"PK\x03\x04" + b"\x13" * 100),
    ("说明.csv", "这是一份说明文件\n没有任何表格\n".encode("gbk")),
])
def test_command_fails_only_on_an_unreadable_file_naming_it(db, tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CommandError, match=f"无法导入文件“.*{name}”"):
        run("tickets", "import", str(path))


def test_command_on_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        run("tickets", "import", str(tmp_path / "无此文件.csv"))
