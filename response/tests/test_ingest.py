from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime

import pytest

from response.models import AuditEntry, Mention
from response.services.ingest import ingest_item, ingest_items
from response.tests.factories import SourceFactory

LETTER = {
    "url": "http://127.0.0.1:9/board/msg/17.html?from=list",
    "canonical_url": "http://127.0.0.1:9/board/msg/17.html",
    "title": "公证处办理继承公证太慢",
    "text": "我在市公证处办理房产继承公证已经五十多天了，每次去问都说还在审核，能不能给个明确的办理时间？",
    "published_at": "2026-11-27T15:24:00+08:00",
    "fetched_at": "2026-11-27T18:00:00+00:00",
    "encoding": "gb18030",
    "extra": {"reply": "", "status": "办理中"},
}


@pytest.fixture
def board(db):
    return SourceFactory(slug="board", kind="board")


def test_item_is_stored_once_per_canonical_url(board):
    first, created = ingest_item(board, LETTER)
    again, created_again = ingest_item(board, {**LETTER, "url": LETTER["canonical_url"]})
    assert created and not created_again and first.pk == again.pk
    assert Mention.objects.count() == 1
    assert first.published_at == datetime(2026, 11, 27, 7, 24, tzinfo=UTC)


def test_raw_page_is_kept_compressed_and_decodes_with_its_encoding(board):
    raw = "<html><body>公证处办理继承公证太慢</body></html>".encode("gb18030")
    item = {**LETTER, "raw_gz_b64": base64.b64encode(gzip.compress(raw)).decode()}
    mention, _ = ingest_item(board, item)
    assert "继承公证" in Mention.objects.get(pk=mention.pk).raw_html()


def test_text_is_capped(board, settings):
    settings.YUQING_MAX_TEXT_CHARS = 100
    mention, _ = ingest_item(board, {**LETTER, "text": "长" * 5000})
    assert len(mention.text) == 100


def test_a_reply_arriving_later_updates_the_letter_and_is_audited(board):
    mention, _ = ingest_item(board, LETTER)
    answered = {**LETTER, "extra": {"reply": "已督促公证处于本周内办结。", "reply_at": "2026-11-28T10:00:00+08:00",
                                    "status": "已回复"}}
    ingest_item(board, answered)
    mention.refresh_from_db()
    assert mention.extra["reply"] == "已督促公证处于本周内办结。" and mention.extra["status"] == "已回复"
    assert AuditEntry.objects.filter(object_id=str(mention.pk), field="reply").exists()


def test_bad_items_are_skipped_not_fatal(board):
    ids = ingest_items(board, [{"title": "没有地址"}, LETTER])
    assert len(ids) == 1


@pytest.mark.django_db
def test_a_crawled_12345_ticket_keeps_what_an_import_keeps():
    """The scheduled hotline crawl and `tickets import` store the same times, a future one included."""
    from response.models import Source
    from response.services.ingest import ingest_item
    from response.tests.factories import SourceFactory

    source = SourceFactory(slug="zz12345", kind=Source.Kind.HOTLINE)
    item = {"url": "hotline:zz12345:GD2026092900011", "title": "法律援助咨询", "text": "来电人咨询法律援助申请条件",
            "published_at": "2026-09-29T10:00:00+08:00",
            "extra": {"ticket_no": "GD2026092900011", "category": "咨询", "transferred_at": "2026-09-29T10:00:00+08:00",
                      "due_at": None, "due_at_text": "3个工作日", "due_limit": [3, "workdays"], "extra": {}}}
    mention, created = ingest_item(source, item)
    assert created
    assert mention.extra["due_at"] == "2026-10-09T23:59:59+08:00"
    assert mention.extra["due_text"] == "3个工作日"
    assert mention.published_at == datetime(2026, 9, 29, 2, 0, tzinfo=UTC)
