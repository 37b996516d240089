"""12345 exports read exactly: future times kept, impossible dates refused with the row a person
sees, other cities' headers, columns recognised by content, encodings, caps and garbage files."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from freezegun import freeze_time
from openpyxl import Workbook

from crawlers import hotline
from crawlers.extract.dates import parse_datetime
from crawlers.hotline import HotlineFileError, read_export, read_tickets
from crawlers.hotline_columns import parse_export_datetime, parse_time_limit, same_value

TITLE = "漳州市12345政务服务便民热线转办件导出（2026年9月）"
COMPLAINT = "市民来电反映：委托某律师事务所代理劳动争议案件，律师未出庭却拒绝退还代理费，请求司法局督促处理。"
ENQUIRY = "来电人咨询农民工讨薪能否申请法律援助，需要准备哪些材料，到哪里办理？"
NOTARY = "市民反映到公证处办理继承公证，材料齐全但已等待一个多月仍未出证，希望加快办理。"


def write_csv(path, rows, encoding="gbk", delimiter=","):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path, rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


# ---- the strict parser ------------------------------------------------------------------------

@freeze_time("2026-09-01 09:00:00+08:00")
@pytest.mark.parametrize("value", [
    "2026-09-30 16:00", "2026/9/30 16:00:00", "2026年9月30日 16时00分", "20260930160000",
    "2026-09-30T16:00", "2026-09-30T08:00:00Z", "2026-09-30T16:00:00+08:00",
    datetime(2026, 9, 30, 16, 0), datetime(2026, 9, 30, 15, 59, 59, 999998), 46295.666666667,
    "46295.6666666667", "２０２６－０９－３０　１６：００",
])
def test_export_times_in_every_format_even_in_the_future(value) -> None:
    moment, date_only = parse_export_datetime(value)
    assert moment.isoformat() == "2026-09-30T16:00:00+08:00" and not date_only


@freeze_time("2026-09-01 09:00:00+08:00")
def test_crawler_parser_still_refuses_the_future() -> None:
    # The crawlers' rule stays: a publish time a month ahead is a typo or an event date.
    assert parse_datetime("2026-09-30 16:00") is None


@pytest.mark.parametrize("value", ["2026-13-45 25:61", "2026-02-30", "2026-09-30 24:00", "明天",
                                   "3个工作日", "2026093000123", ""])
def test_impossible_or_non_dates(value) -> None:
    assert parse_export_datetime(value) is None


def test_date_only_values_say_so() -> None:
    assert parse_export_datetime("2026年9月30日") == (parse_export_datetime(date(2026, 9, 30)))
    assert parse_export_datetime("2026-09-30")[1] is True


@pytest.mark.parametrize(("text", "limit"), [
    ("3个工作日", (3, "workdays")), ("5天", (5, "days")), ("24小时", (24, "hours")),
    ("十五个工作日内", (15, "workdays")), ("48小时内办结", (48, "hours")), ("7个自然日", (7, "days")),
])
def test_time_limits(text, limit) -> None:
    assert parse_time_limit(text) == limit


def test_same_value_is_on_meaning() -> None:
    assert same_value("2026/9/30 16:00", datetime(2026, 9, 30, 16, 0))
    assert same_value(2, "2") and same_value(2026093000123.0, "2026093000123")
    assert not same_value("2026/9/30 16:00", "2026/9/30 16:01")


# ---- layouts --------------------------------------------------------------------------------

TODAY_LAYOUT = [
    [TITLE],
    ["工单编号", "诉求标题", "诉求内容", "诉求类型", "转办时间", "办理时限", "办理状态", "承办单位", "来电人"],
    ["ZZ20260930001", "律师代理费不退", COMPLAINT, "投诉", "2026-09-30 16:00", "2026-10-20 18:00", "办理中",
     "市司法局律师工作科", "张女士"],
    ["ZZ20260930002", "法律援助申请条件咨询", ENQUIRY, "咨询", "2026/9/29 16:00:00", "3个工作日", "已办结",
     "市法律援助中心", "陈先生"],
    ["ZZ20260930003", "公证处办证时间过长", NOTARY, "求助", "2026-13-45 25:61", "2026年10月15日", "办理中",
     "市公证处", "林先生"],
    ["", "无编号来电", ENQUIRY, "咨询", "2026-09-30 09:00", "5天", "办理中", "市法律援助中心", "王先生"],
]


@pytest.fixture
def gbk_export(tmp_path):
    return write_csv(tmp_path / "12345转办件.csv", TODAY_LAYOUT, encoding="gbk")


@freeze_time("2026-09-01 09:00:00+08:00")
def test_gbk_csv_keeps_future_times(gbk_export) -> None:
    first, second = read_export(gbk_export).tickets
    assert first["transferred_at"] == "2026-09-30T16:00:00+08:00"
    assert first["due_at"] == "2026-10-20T18:00:00+08:00"
    assert first["content"] == COMPLAINT and first["department"] == "市司法局律师工作科"
    assert second["due_at"] is None
    assert second["due_at_text"] == "3个工作日" and second["due_limit"] == (3, "workdays")


def test_rejected_rows_counted_as_the_spreadsheet_shows_them(gbk_export) -> None:
    export = read_export(gbk_export)
    assert export.header_row == 2
    assert [str(r) for r in export.rejections] == [
        "第5行：转办时间“2026-13-45 25:61”不是有效日期",
        "第6行：缺少工单编号",
    ]


def test_date_only_due_runs_to_the_end_of_that_day(tmp_path) -> None:
    rows = [["工单编号", "诉求内容", "转办时间", "截止日期"],
            ["ZZ1", NOTARY, "2026-09-30 10:00", "2026年10月15日"]]
    (ticket,) = read_tickets(write_csv(tmp_path / "a.csv", rows))
    assert ticket["due_at"] == "2026-10-15T23:59:59+08:00"


def test_another_citys_synonyms_in_xlsx(tmp_path) -> None:
    rows = [
        ["厦门市12345便民服务平台工单明细"], [],
        ["工单编码", "来电详情", "诉求类别", "受理时间", "派发时间", "要求办结时间", "当前状态", "承办单位",
         "来电人姓名", "联系电话", "回访结果"],
        [2026093000123, COMPLAINT, "投诉", datetime(2026, 9, 30, 9, 15), datetime(2026, 9, 30, 16, 0),
         datetime(2026, 10, 20, 18, 0), "待签收", "市司法局", "张女士", 13800138000, "满意"],
    ]
    export = read_export(write_xlsx(tmp_path / "xm.xlsx", rows))
    (ticket,) = export.tickets
    assert export.header_row == 3 and not export.rejections
    assert ticket["ticket_no"] == "2026093000123" and ticket["row"] == 4
    assert ticket["content"] == COMPLAINT and ticket["title"] == COMPLAINT[:40]
    assert ticket["received_at"] == "2026-09-30T09:15:00+08:00"
    assert ticket["transferred_at"] == "2026-09-30T16:00:00+08:00"
    assert ticket["due_at"] == "2026-10-20T18:00:00+08:00"
    assert ticket["caller"] == "张女士" and ticket["phone"] == "13800138000"
    assert ticket["extra"] == {"回访结果": "满意"}


@pytest.mark.parametrize("header", [
    ["受理号", "诉求详情", "工单类别", "下发时间", "办结期限"],
    ["工单编号", "来电内容", "诉求类型", "交办时间", "办理时限"],
    ["工单编码", "诉求内容", "问题分类", "转办日期", "截止日期"],
])
def test_synonym_headers(tmp_path, header) -> None:
    rows = [header, ["SQ2026093000001", ENQUIRY, "咨询", "2026-09-30 16:00", "2026-10-09 18:00"]]
    (ticket,) = read_tickets(write_csv(tmp_path / "a.csv", rows))
    assert (ticket["ticket_no"], ticket["content"], ticket["category"]) == ("SQ2026093000001", ENQUIRY, "咨询")
    assert ticket["transferred_at"] == "2026-09-30T16:00:00+08:00"
    assert ticket["due_at"] == "2026-10-09T18:00:00+08:00"


def test_unknown_headers_recognised_by_content(tmp_path) -> None:
    rows = [
        ["某区社会治理平台事件清单"],
        ["业务流水", "群众诉求", "开始", "结束", "科室意见"],
        ["SJ-2026-0930-00017", COMPLAINT, "2026-09-30 16:00", "2026-10-20 18:00", "已转律师科"],
        ["SJ-2026-0930-00018", ENQUIRY, "2026-09-30 16:30", "2026-10-09 18:00", ""],
        ["SJ-2026-0930-00019", NOTARY, "2026-09-30 17:05", "2026-10-15 18:00", "待核实"],
    ]
    export = read_export(write_xlsx(tmp_path / "unknown.xlsx", rows))
    assert export.columns == {"ticket_no": "业务流水", "content": "群众诉求", "transferred_at": "开始",
                              "due_at": "结束"}
    first = export.tickets[0]
    assert first["ticket_no"] == "SJ-2026-0930-00017" and first["content"] == COMPLAINT
    assert first["transferred_at"] == "2026-09-30T16:00:00+08:00"
    assert first["due_at"] == "2026-10-20T18:00:00+08:00"
    assert first["extra"] == {"科室意见": "已转律师科"}


def test_unknown_date_columns_placed_by_header_hints(tmp_path) -> None:
    rows = [
        ["工单号", "诉求内容", "承诺时限", "流转时间", "来电登记"],
        ["ZZ20260930001", COMPLAINT, "2026-10-20 18:00", "2026-09-30 16:00", "2026-09-30 09:00"],
        ["ZZ20260930002", ENQUIRY, "2026-10-09 18:00", "2026-09-30 16:30", "2026-09-30 10:00"],
    ]
    export = read_export(write_csv(tmp_path / "hints.csv", rows))
    assert export.columns["due_at"] == "承诺时限"
    assert export.columns["transferred_at"] == "流转时间"
    assert export.columns["received_at"] == "来电登记"


def test_a_phone_column_is_not_taken_for_ticket_numbers(tmp_path) -> None:
    rows = [["来电号码", "诉求内容", "转办时间", "备注"],
            ["13800138000", COMPLAINT, "2026-09-30 16:00", "x"],
            ["13900139000", ENQUIRY, "2026-09-30 16:30", "y"]]
    with pytest.raises(HotlineFileError, match="未找到表头.*工单编号"):
        read_export(write_csv(tmp_path / "phones.csv", rows))


def test_utf8_bom_tab_separated(tmp_path) -> None:
    path = write_csv(tmp_path / "export.txt",
                     [["工单编号", "诉求内容", "转办时间"], ["A0000001", "公证收费咨询，费用标准是多少", "2026-09-30 16:00"]],
                     encoding="utf-8-sig", delimiter="\t")
    (ticket,) = read_tickets(path)
    assert ticket["ticket_no"] == "A0000001" and ticket["content"] == "公证收费咨询，费用标准是多少"


def test_excel_unicode_text_export(tmp_path) -> None:
    # Excel's "Unicode 文本" is UTF-16 with a BOM, tab-separated.
    path = write_csv(tmp_path / "export.txt", [["工单编号", "诉求内容"], ["A0000002", NOTARY]],
                     encoding="utf-16", delimiter="\t")
    (ticket,) = read_tickets(path)
    assert ticket["content"] == NOTARY


def test_xlsx_numbers_dates_and_serials(tmp_path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["工单编号", "诉求内容", "转办时间", "办结期限"])
    ws.append([2026093000123.0, COMPLAINT, 46295.666666667, date(2026, 10, 15)])
    ws["D2"].number_format = "yyyy-mm-dd"
    wb.save(tmp_path / "n.xlsx")
    (ticket,) = read_tickets(tmp_path / "n.xlsx")
    assert ticket["ticket_no"] == "2026093000123"
    assert ticket["transferred_at"] == "2026-09-30T16:00:00+08:00"
    assert ticket["due_at"] == "2026-10-15T23:59:59+08:00"


def test_long_ticket_numbers_stored_as_excel_numbers_are_refused(tmp_path) -> None:
    # What Excel saves for 2026093000123456789 typed into a number cell: 2.0260930001234568E+18.
    rows = [["工单编号", "诉求内容"], [2.0260930001234568e18, COMPLAINT], [202609300012345.0, ENQUIRY]]
    export = read_export(write_xlsx(tmp_path / "long.xlsx", rows))
    assert [t["ticket_no"] for t in export.tickets] == ["202609300012345"]
    assert export.rejections[0].row == 2 and "超过15位已失真" in export.rejections[0].reason


@pytest.mark.parametrize(("cells", "reason"), [
    (["2.02609E+12", COMPLAINT, "2026-09-30 16:00"], "科学计数法"),
    (["ZZ1", COMPLAINT, "明天上午"], "转办时间“明天上午”不是有效日期"),
    (["ZZ1", COMPLAINT, "2026-09-30 16:00", "按规定"], "办理时限“按规定”不是有效日期或办理时限"),
])
def test_row_level_reasons(tmp_path, cells, reason) -> None:
    rows = [["工单编号", "诉求内容", "转办时间", "办理时限"], cells]
    (rejection,) = read_export(write_csv(tmp_path / "r.csv", rows)).rejections
    assert rejection.row == 2 and reason in rejection.reason


def test_duplicate_and_misaligned_rows(tmp_path) -> None:
    rows = [["工单编号", "诉求内容", "转办时间"],
            ["ZZ1", COMPLAINT, "2026-09-30 16:00"],
            ["ZZ1", COMPLAINT, "2026-09-30 16:00"],
            ["ZZ2", "市民反映律师", "收费过高", "2026-09-30 16:00"]]
    export = read_export(write_csv(tmp_path / "d.csv", rows))
    assert [t["ticket_no"] for t in export.tickets] == ["ZZ1"]
    assert str(export.rejections[0]) == "第3行：工单编号“ZZ1”与第2行重复"
    assert export.rejections[1].row == 4 and "多于表头" in export.rejections[1].reason


# ---- files that cannot be read ---------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "message"), [
    ("garbage.csv", bytes(range(256)) * 40, "二进制"),
    ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10, "二进制"),
    ("broken.xlsx", b"PK\x03\x04" + b"\x00\x17" * 300, "Excel"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, ".xls"),
    ("notes.csv", "会议纪要\n今天讨论了普法宣传\n".encode("gbk"), "未找到表头"),
    ("empty.csv", b"", "未找到表头"),
])
def test_unreadable_files_give_a_chinese_error_naming_the_file(tmp_path, name, data, message) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(HotlineFileError, match=message) as caught:
        read_export(path)
    assert name in str(caught.value) and "无法导入文件" in str(caught.value)


def test_size_cap(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(hotline, "MAX_BYTES", 100)
    path = write_csv(tmp_path / "big.csv", [["工单编号", "诉求内容"], ["ZZ1", COMPLAINT * 3]], "utf-8")
    with pytest.raises(HotlineFileError, match="MB 上限"):
        read_export(path)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_row_cap(tmp_path, monkeypatch, suffix) -> None:
    monkeypatch.setattr(hotline, "MAX_ROWS", 5)
    rows = [[TITLE], ["工单编号", "诉求内容"]] + [[f"ZZ{i:08d}", ENQUIRY] for i in range(5)]
    path = tmp_path / f"ok.{suffix}"
    write_csv(path, rows) if suffix == "csv" else write_xlsx(path, rows)
    assert len(read_export(path).tickets) == 5
    rows.append(["ZZ99999999", ENQUIRY])
    path = tmp_path / f"many.{suffix}"
    write_csv(path, rows) if suffix == "csv" else write_xlsx(path, rows)
    with pytest.raises(HotlineFileError, match="超过 5 行上限"):
        read_export(path)
