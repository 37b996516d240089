"""12345 exports: a GBK CSV with a title row, and an XLSX with other header names."""

from __future__ import annotations

import pytest

from crawlers.hotline import read_tickets, tickets_from_rows
from crawlers.tests.responses import FILES


@pytest.fixture(scope="module")
def csv_tickets() -> list[dict]:
    return list(read_tickets(FILES / "tickets_gbk.csv"))


@pytest.fixture(scope="module")
def xlsx_tickets() -> list[dict]:
    return list(read_tickets(FILES / "tickets.xlsx"))


def test_csv_rows(csv_tickets: list[dict]) -> None:
    assert [t["ticket_no"] for t in csv_tickets] == [
        "ZZ12345202403110001", "ZZ12345202403110017", "ZZ12345202403120003"]


def test_csv_gbk_content(csv_tickets: list[dict]) -> None:
    assert csv_tickets[0]["content"].startswith("市民来电反映：2023年12月委托某律师事务所")
    assert csv_tickets[0]["title"] == "律师代理费不退"
    assert csv_tickets[0]["category"] == "投诉"
    assert csv_tickets[0]["status"] == "办理中"


def test_csv_times_in_several_formats(csv_tickets: list[dict]) -> None:
    assert csv_tickets[0]["transferred_at"] == "2024-03-11T09:12:00+08:00"
    assert csv_tickets[1]["transferred_at"] == "2024-03-11T14:30:00+08:00"
    assert csv_tickets[2]["transferred_at"] == "2024-03-12T10:05:00+08:00"
    assert csv_tickets[0]["due_at"] == "2024-03-28T18:00:00+08:00"


def test_time_limit_that_is_not_a_date_is_kept_as_text(csv_tickets: list[dict]) -> None:
    assert csv_tickets[1]["due_at"] is None
    assert csv_tickets[1]["due_at_text"] == "3个工作日"


def test_xlsx_aliases(xlsx_tickets: list[dict]) -> None:
    first = xlsx_tickets[0]
    assert first["ticket_no"] == "ZZ12345202404020009"
    assert first["category"] == "举报" and first["status"] == "待签收"
    assert first["area"] == "芗城区"
    assert first["transferred_at"] == "2024-04-02T08:30:00+08:00"
    assert first["due_at"] == "2024-04-19T18:00:00+08:00"


def test_unknown_columns_go_to_extra(xlsx_tickets: list[dict]) -> None:
    assert xlsx_tickets[0]["extra"] == {"备注": "重复来电"}
    assert xlsx_tickets[1]["extra"] == {}


def test_utf8_bom_csv(tmp_path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeff工单编号,诉求内容,分类\nA1,公证收费咨询,咨询\n".encode("utf-8"))
    (ticket,) = read_tickets(path)
    assert ticket["ticket_no"] == "A1" and ticket["content"] == "公证收费咨询"


def test_missing_header_is_an_error() -> None:
    with pytest.raises(ValueError, match="未找到表头"):
        list(tickets_from_rows([["a", "b"], ["1", "2"]]))
