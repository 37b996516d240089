"""A hostile site's payloads, carried through the real path (ingest → judgement → case), stay
inert in the queue, the item page, the case page and the weekly digest mail.

test_security builds its hostile rows by hand; here they arrive as the crawl task hands them
over, so every field the pipeline derives from them (event title, reasons, keyword marks,
case title, digest lines) is exercised too.
"""
from __future__ import annotations

import base64
import gzip
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from freezegun import freeze_time

from response import models as m
from response.services import digest
from response.services.cases import open_case_for_mention
from response.services.ingest import ingest_items
from response.services.judgement import analyse_mention, maybe_open_case
from response.tests.factories import SourceFactory
from response.tests.test_views_support import fresh_dashboard_cache, people  # noqa: F401 (autouse)

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SH)  # inside 2026-W48
SCRIPT = "<script>alert(1)</script>"
ONERROR = '"><img src=x onerror=alert(1)>'
JS_LINK = '<a href="javascript:alert(1)">点击查看处理结果</a>'
RAW_FORBIDDEN = (SCRIPT, "onerror=alert(1)>", "<img src=x")


def crawl_item(n: int, title: str, text: str) -> dict:
    url = f"http://127.0.0.1:8081/news/hostile-{n}.html"
    page = f"<html><head><title>{title}</title></head><body>{text}</body></html>"
    return {
        "source": "zzsfj-hostile", "kind": "html", "url": url, "canonical_url": url,
        "title": title, "text": text, "published_at": "2026-11-26T09:00:00+08:00",
        "author": SCRIPT, "origin": ONERROR, "fetched_at": NOW.isoformat(),
        "raw_gz_b64": base64.b64encode(gzip.compress(page.encode())).decode("ascii"),
        "encoding": "utf-8", "extra": {"meta_description": ONERROR}, "parse_error": None,
    }


ITEMS = [
    crawl_item(1, f"市民投诉律师事务所乱收费{SCRIPT}后不作为",
               f"某律师事务所收取代理费三万元后多次错过举证期限{ONERROR}，当事人投诉无门，"
               f"要求市司法局严肃查处。{JS_LINK}"),
    crawl_item(2, f"律师事务所收费后不作为{ONERROR}当事人多次投诉",
               f"{SCRIPT}网友反映某律师事务所收费后不作为，律师长期联系不上，投诉后无人处理。"),
]


def assert_inert(html: str) -> None:
    for payload in RAW_FORBIDDEN:
        assert payload not in html, payload
    assert "javascript:alert" not in html.replace("javascript:alert(1)&quot;", "")


@pytest.fixture
def pipeline(bureau):
    users = people(bureau)
    source = SourceFactory(slug="zzsfj-hostile", name="漳州市司法局门户网站")
    with freeze_time(NOW):
        ids = ingest_items(source, ITEMS)
        mentions = [analyse_mention(pk) for pk in ids]
        cases = [maybe_open_case(pk) for pk in ids]
        mention = mentions[0]
        case = next((c for c in cases if c), None)
        if case is None:  # the level does not open cases on its own: the duty officer opens it
            case, _ = open_case_for_mention(mention, user=users["duty"], state="triage")
    return {"users": users, "mentions": mentions, "case": case}


def test_payloads_reach_the_database_as_text(pipeline):
    first = m.Mention.objects.get(pk=pipeline["mentions"][0].pk)
    assert SCRIPT in first.title and ONERROR in first.text  # stored as sent: escaping is on output
    assert first.analysed_at and first.flagged
    assert pipeline["case"].mentions.filter(pk=first.pk).exists()


def test_queue_item_and_case_pages_are_inert(client, pipeline):
    client.force_login(pipeline["users"]["duty"])
    case = pipeline["case"]
    pages = [reverse("queue"), reverse("cases"), reverse("case", args=[case.pk])]
    pages += [reverse("mention", args=[mn.pk]) for mn in pipeline["mentions"]]
    with freeze_time(NOW):
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert_inert(html)
            assert "&lt;script&gt;" in html or "&lt;img" in html or "&quot;&gt;&lt;img" in html, url


def test_weekly_digest_mail_is_inert(pipeline, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with freeze_time(datetime(2026, 11, 30, 8, 0, tzinfo=SH)):
        preview = digest.preview("2026-W48")
        outcome = digest.deliver_digest("2026-W48", "office@sfj.zhangzhou.gov.cn")
    assert outcome.status == "sent"
    assert_inert(preview.html)
    assert "律师事务所" in preview.html  # the hostile mentions are in the digest, as text
    (message,) = mail.outbox
    for payload in RAW_FORBIDDEN:
        assert payload not in message.subject
    (html, mime), = [(body, kind) for body, kind in message.alternatives]
    assert mime == "text/html"
    assert_inert(html)
    assert "&lt;script&gt;" in html or "&lt;img" in html
