"""A crawl that cannot start fails: the run is marked failed with the crawler's own error, the
source's health records it, and the Celery task fails instead of reporting success.

The crawler runs as a real subprocess. Its broken installation is the one a fresh ``pip install .``
used to leave: ``lxml_html_clean`` missing, so ``import trafilatura`` (through jusText's
``lxml.html.clean``) raises and the child exits before it writes a result.
"""
from __future__ import annotations

import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from response.models import CrawlRun
from response.services.crawling import CrawlerCrashed, crawl_source
from response.tests.factories import SourceFactory
from workers.crawl import crawl_source as crawl_task

# What the interpreter finds for ``import lxml_html_clean`` when the package is not installed.
MISSING = "raise ModuleNotFoundError(\"No module named 'lxml_html_clean'\", name='lxml_html_clean')\n"


@pytest.fixture
def without_lxml_html_clean(tmp_path, monkeypatch):
    """The crawler subprocess inherits this PYTHONPATH (crawlers.runner passes the environment on),
    so the module shadows the installed package for the child only."""
    (tmp_path / "lxml_html_clean.py").write_text(MISSING, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))


@pytest.fixture
def source(db):
    # Port 9 of loopback: were the crawler to start, it would fail fast, never reach a real site.
    return SourceFactory(slug="sfj-news", name="市司法局新闻发布", kind="rss",
                         url="http://127.0.0.1:9/sfj/news.xml", consecutive_failures=1,
                         last_success_at=timezone.now() - timedelta(hours=2),
                         settings={"RETRY_TIMES": 0, "DOWNLOAD_TIMEOUT": 3})


def test_a_crawler_that_dies_on_import_marks_the_run_failed_and_the_source_unhealthy(
        source, without_lxml_html_clean):
    before = timezone.now()
    outcome = crawl_source(source.pk, timeout=60)

    assert outcome.crashed and outcome.found == 0 and outcome.new_ids == []
    run = CrawlRun.objects.get(pk=outcome.run_id)
    assert run.status == CrawlRun.Status.FAILED and run.finished_at is not None
    # A Chinese summary, then the end of the child's traceback naming what is missing.
    summary, first, *rest = run.error.splitlines()
    assert summary.startswith("抓取进程异常退出（返回码 1）：采集程序未能运行完毕")
    assert first.startswith(("  ", "Traceback"))  # whole lines only, no fragment of one
    assert "ImportError" in "\n".join(rest[-3:]) and "lxml_html_clean" in "\n".join(rest[-3:])
    source.refresh_from_db()
    assert source.last_error == run.error[:2000]
    assert source.last_error_at is not None and source.last_error_at >= before
    assert source.consecutive_failures == 2
    assert source.last_success_at < before  # not mistaken for a good run


def test_the_crawl_task_fails_once_instead_of_reporting_success(source, without_lxml_html_clean):
    with pytest.raises(CrawlerCrashed, match="lxml_html_clean"):
        crawl_task.apply(args=(source.pk,))
    # Not retried: a retry would fail alike and count as more failed runs of the source.
    assert CrawlRun.objects.filter(source=source).count() == 1
    assert CrawlRun.objects.get(source=source).status == CrawlRun.Status.FAILED


def test_a_crawler_that_cannot_be_spawned_fails_the_task(source, tmp_path, monkeypatch):
    # The runner starts the crawler with this interpreter; a missing one cannot start at all.
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python3.11"))
    result = crawl_task.apply(args=(source.pk,), throw=False)

    assert result.state == "FAILURE" and isinstance(result.result, CrawlerCrashed)
    run = CrawlRun.objects.get(source=source)
    assert run.status == CrawlRun.Status.FAILED and run.error.startswith("采集进程无法启动：")
    source.refresh_from_db()
    assert source.consecutive_failures == 2 and source.last_error == run.error


def test_a_site_that_is_down_is_a_failed_run_not_a_failed_task(source):
    result = crawl_task.apply(args=(source.pk,)).get()

    assert result["error"] and result["found"] == 0
    assert CrawlRun.objects.get(pk=result["run"]).status == CrawlRun.Status.FAILED
