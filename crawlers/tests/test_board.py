"""board spider: a leader-mailbox list page and message detail pages."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from crawlers.spiders.board import BoardSpider
from crawlers.tests.responses import file_response

LIST_URL = "http://www.zzsfj.gov.cn/hdjl/jzxx/list.jsp"
DETAIL_URL = "http://www.zzsfj.gov.cn/hdjl/jzxx/detail.jsp?id=202403050012"
SOURCE = {"slug": "zzsfj-jzxx", "name": "漳州市司法局局长信箱", "kind": "board", "url": LIST_URL}


@pytest.fixture(scope="module")
def item() -> dict:
    spider = BoardSpider(source=SOURCE)
    with freeze_time("2024-03-10 00:00:00"):
        (result,) = spider.parse_article(file_response("board_detail.html", DETAIL_URL))
    return result


def test_list_page_links_to_messages() -> None:
    spider = BoardSpider(source=SOURCE)
    requests = list(spider.parse_list(file_response("board_list.html", LIST_URL,
                                                    meta={"list_page": 1})))
    assert [r.url for r in requests[:3]] == [
        f"http://www.zzsfj.gov.cn/hdjl/jzxx/detail.jsp?id={n}"
        for n in ("202403050012", "202403040008", "202403010021")]
    assert requests[3].url == "http://www.zzsfj.gov.cn/hdjl/jzxx/list.jsp?page=2"


def test_title(item: dict) -> None:
    assert item["title"] == "关于某律师事务所收费不透明问题的咨询"


def test_message_text(item: dict) -> None:
    assert item["text"].startswith("局长您好！我于今年1月委托芗城区某律师事务所")
    assert item["text"].endswith("我应当向哪个部门投诉？")


def test_message_time_and_author(item: dict) -> None:
    assert item["published_at"] == "2024-03-05T10:21:33+08:00"
    assert item["author"] == "王**"


def test_reply_and_reply_time(item: dict) -> None:
    assert item["extra"]["reply"].startswith("王先生（女士）您好！来信收悉。")
    assert item["extra"]["reply_at"] == "2024-03-08T16:05:00+08:00"
    assert item["extra"]["replier"] == "漳州市司法局律师工作科"


def test_status_and_category(item: dict) -> None:
    assert item["extra"]["status"] == "已回复"
    assert item["extra"]["category"] == "咨询"
    assert item["origin"] == "漳州市司法局局长信箱"


def test_unanswered_message_is_kept_pending_and_rechecked() -> None:
    url = "http://www.zzsfj.gov.cn/hdjl/jzxx/detail.jsp?id=202403010021"
    spider = BoardSpider(source=SOURCE)
    (first,) = spider.parse_article(file_response("board_detail_pending.html", url,
                                                  meta={"listed_url": url}))
    assert first["extra"]["reply"] == "" and first["extra"]["reply_at"] is None
    assert first["published_at"] == "2024-03-01T08:47:00+08:00"
    state = spider.export_state()
    assert state["pending"] == [url]
    # Next run: still unanswered → nothing emitted; answered → emitted and no longer pending.
    again = BoardSpider(source=SOURCE, state=state)
    meta = {"listed_url": url, "recheck": True}
    assert list(again.parse_article(file_response("board_detail_pending.html", url,
                                                  meta=meta))) == []
    (answered,) = again.parse_article(file_response("board_detail.html", url, meta=meta))
    assert answered["extra"]["reply"]
    assert again.export_state()["pending"] == []
