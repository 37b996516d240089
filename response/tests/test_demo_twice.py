"""`make demo` twice stores nothing twice: the second run serves the demo site at the address the
first run's sources name, so every article is recognised and no I级 case is opened again."""
from __future__ import annotations

import socket

import pytest

from response.models import Case, Event, Mention, Source
from response.services import demo
from response.tests.factories import SourceFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _run_once() -> tuple[int, int, int]:
    site = demo.start_site()
    try:
        demo.configure(site)
        demo.crawl_all()
    finally:
        site.stop()
    return Mention.objects.count(), Event.objects.count(), Case.objects.count()


def test_second_demo_run_duplicates_nothing() -> None:
    first = _run_once()
    assert first[0] > 20 and first[2] > 0
    port = demo.previous_site_port()
    assert port > 0
    second = _run_once()
    assert second == first
    assert demo.previous_site_port() == port


def test_a_busy_demo_port_is_a_clear_error_not_a_second_copy() -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        SourceFactory(slug="demo-portal", kind=Source.Kind.HTML, url=f"http://127.0.0.1:{port}/portal/")
        assert demo.previous_site_port() == port
        with pytest.raises(RuntimeError, match=f"端口 {port}"):
            demo.start_site()


def test_the_demo_serves_chinese_error_pages_not_the_debug_page(settings, monkeypatch, client) -> None:
    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    settings.DEBUG = True  # local settings' default
    demo.production_pages()
    assert settings.DEBUG is False
    page = client.get("/cases/999999/")
    assert page.status_code in (302, 404)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    body = missing.content.decode()
    assert "Page not found" not in body and "URLconf" not in body
    assert "页面不存在" in body
