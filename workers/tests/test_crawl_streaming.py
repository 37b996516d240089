"""The crawl task sends each chunk of new mentions for analysis while the crawl runs (issue 16): a
flagged article is judged while the site still holds later pages back, and no mention is sent
twice. Eager mode: ``send_analysis`` judges the batch right there, on this connection.
"""
from __future__ import annotations

import re

import pytest

from crawlers.tests.responses import FILES
from crawlers.tests.test_integration import FAST, TITLES, article
from crawlers.tests.test_runner_streaming import HELD, HeldSite
from response.models import CrawlRun, Mention
from response.services import redrive
from response.tests.factories import SourceFactory
from workers.crawl import crawl_source as crawl_task

pytestmark = pytest.mark.slow

FLAGGED_TITLE = "网传某司法所工作人员暴力执法殴打当事人 视频引发关注"
FLAGGED_BODY = ("<p>一段网传视频显示，某镇司法所两名工作人员在调解现场将当事人推倒在地并用脚踢打，"
                "当事人头部受伤被送医。</p><p>视频在微博、抖音等平台广泛传播，网民质疑司法所工作人员暴力执法，"
                "要求有关部门尽快调查处理并公布结果。</p>")


def flagged_article() -> str:
    page = article("a1").replace(TITLES["a1"], FLAGGED_TITLE)
    return re.sub(r'(<p style="text-indent:2em;">.*?</p>\s*)+', FLAGGED_BODY, page, count=1, flags=re.S)


@pytest.fixture
def held_site():
    with HeldSite(HELD) as site:
        site.add("/news/a1.html", flagged_article())
        yield site


class Sends:
    """``redrive.send_analysis`` as the task calls it, recorded: the ids, whether they were judged
    when the call returned, and which held pages the site had answered by then."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, site: HeldSite | None = None,
                 fail_first: bool = False) -> None:
        self.site, self.fail_first = site, fail_first
        self.calls: list[dict] = []
        self.real = redrive.send_analysis
        monkeypatch.setattr(redrive, "send_analysis", self)

    def __call__(self, ids, now=None) -> int:
        ids = list(ids)
        if self.fail_first and not self.calls and ids:
            self.calls.append({"ids": ids, "failed": True})
            raise OSError("broker unreachable")
        sent = self.real(ids, now)
        judged = Mention.objects.filter(pk__in=ids, analysed_at__isnull=False)
        self.calls.append({
            "ids": ids, "failed": False,
            "judged": set(judged.values_list("pk", flat=True)),
            "flagged": set(judged.filter(flagged=True).values_list("title", flat=True)),
            "held_answered": set(self.site.answered) & HELD if self.site else set(),
        })
        if self.site is not None:
            self.site.release.set()
        return sent

    def sent(self) -> list[int]:
        return [pk for call in self.calls if not call["failed"] for pk in call["ids"]]


def test_a_flagged_article_is_judged_while_the_crawl_still_runs(bureau, held_site, monkeypatch):
    source = SourceFactory(slug="zzsfj-gzdt", name="漳州市司法局", kind="html",
                           url=held_site.base + "/news/index.html",
                           settings={**FAST, "DOWNLOAD_TIMEOUT": 60, "RETRY_TIMES": 0})
    sends = Sends(monkeypatch, held_site)
    result = crawl_task.apply(args=(source.pk,)).get()

    assert result["error"] is None and result["new"] == 4
    first = sends.calls[0]
    # Judged, and flagged, before the site answered the held articles.
    assert first["held_answered"] == set() and first["judged"] == set(first["ids"])
    assert FLAGGED_TITLE in {t for c in sends.calls for t in c["flagged"]}
    flagged = Mention.objects.get(title=FLAGGED_TITLE)
    assert flagged.flagged and flagged.analysed_at is not None
    # Every new mention sent once; the task's last call had nothing left to send.
    assert sorted(sends.sent()) == sorted(result["new_ids"]) and len(set(sends.sent())) == 4
    assert sends.calls[-1]["ids"] == []
    assert not Mention.objects.filter(source=source, analysed_at__isnull=True).exists()


def test_a_chunk_whose_sending_failed_is_sent_at_the_end(bureau, monkeypatch):
    source = SourceFactory(slug="zz12345", name="12345转办件", kind="hotline",
                           url=str(FILES / "tickets_gbk.csv"))
    sends = Sends(monkeypatch, fail_first=True)
    result = crawl_task.apply(args=(source.pk,)).get()

    assert result["error"] is None and result["new"] == 3
    failed, *rest = sends.calls
    assert failed["failed"] and sorted(failed["ids"]) == sorted(result["new_ids"])
    # Sent again by the task once the crawl was done, once.
    assert sorted(sends.sent()) == sorted(result["new_ids"]) and len(set(sends.sent())) == 3
    assert CrawlRun.objects.get(pk=result["run"]).status == CrawlRun.Status.OK
    assert not Mention.objects.filter(source=source, analysed_at__isnull=True).exists()
