"""The runner hands a crawl's items on while the child still crawls (issue 16).

A site on 127.0.0.1 holds its later articles back until the test lets them go: the first
items must reach ``on_items`` while those pages are still unanswered, each item once. A fake
crawler child (this interpreter behind a shebang) writes half a line and waits, to pin down
that only whole lines are handed on.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from crawlers.runner import ItemFeed, run_crawl
from crawlers.tests.site import Site
from crawlers.tests.test_integration import FAST, TITLES, article, listing

pytestmark = pytest.mark.slow

# Long enough for a loaded 2-core machine to start Scrapy and fetch the first pages; a held page
# is answered after this even if nobody lets it go (so a broken runner fails, not hangs).
HOLD_SECONDS = 20


class HeldSite(Site):
    """The justice bureau's news list: ``/news/a1.html`` and ``a2`` answer at once, the pages
    in ``held`` only once ``release`` is set (or ``HOLD_SECONDS`` pass, or the site stops)."""

    def __init__(self, held: set[str]) -> None:
        super().__init__()
        self.held = held
        self.release = threading.Event()
        self.answered: dict[str, float] = {}
        self.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        self.add("/news/index.html", listing(["a1", "a2", "a3", "a4"]))
        for key in TITLES:
            self.add(f"/news/{key}.html", article(key))

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        if h.path in self.held:
            deadline = time.monotonic() + HOLD_SECONDS
            while not (self.release.is_set() or self.stop.is_set()) and time.monotonic() < deadline:
                self.release.wait(0.1)
            if self.stop.is_set():
                return
        self.answered[h.path] = time.monotonic()
        super().handle(h)


HELD = {"/news/a3.html", "/news/a4.html"}


@pytest.fixture
def held_site() -> Iterator[HeldSite]:
    with HeldSite(HELD) as site:
        yield site


def news_source(site: Site, **settings: object) -> dict[str, Any]:
    # A held page must outlast the download timeout, or it becomes a failure instead of an item.
    return {"slug": "zzsfj-gzdt", "name": "漳州市司法局", "kind": "html",
            "url": site.base + "/news/index.html",
            "settings": {**FAST, "DOWNLOAD_TIMEOUT": 60, "RETRY_TIMES": 0, **settings}}


class Chunks:
    """An ``on_items`` that records each chunk, when it came, and what the site had answered."""

    def __init__(self, site: HeldSite | None = None, release_after: int = 0) -> None:
        self.site = site
        self.release_after = release_after
        self.chunks: list[list[dict[str, Any]]] = []
        self.held_answered: list[set[str]] = []
        self.released_by_us = False

    def __call__(self, items: list[dict[str, Any]]) -> None:
        self.chunks.append(items)
        if self.site is not None:
            self.held_answered.append(set(self.site.answered) & self.site.held)
            if self.release_after and sum(map(len, self.chunks)) >= self.release_after \
                    and not self.site.release.is_set():
                self.released_by_us = True
                self.site.release.set()

    @property
    def items(self) -> list[dict[str, Any]]:
        return [item for chunk in self.chunks for item in chunk]

    def titles(self, chunk: int | None = None) -> list[str]:
        items = self.items if chunk is None else self.chunks[chunk]
        return [i["title"] for i in items]


def test_first_items_are_handed_on_while_later_pages_are_held(held_site: HeldSite) -> None:
    got = Chunks(held_site, release_after=2)
    result = run_crawl(news_source(held_site), {}, timeout=60, on_items=got)

    assert result.error is None
    # The first chunk came while the held articles were still unanswered: the site let them go
    # because the callback had the first two, not because HOLD_SECONDS ran out.
    assert got.released_by_us and got.held_answered[0] == set()
    assert set(got.titles(0)) <= {TITLES["a1"], TITLES["a2"]}
    assert len(got.chunks) >= 2
    # Every item once, in the order written; the result still lists them all.
    assert sorted(got.titles()) == sorted(TITLES.values())
    assert got.items == result.items


def test_a_killed_crawl_hands_on_what_it_wrote_once(held_site: HeldSite) -> None:
    got = Chunks(held_site)  # never releases: a3 and a4 hang until the kill
    started = time.monotonic()
    result = run_crawl(news_source(held_site), {}, timeout=8, on_items=got)

    assert time.monotonic() - started < 8 + 5
    assert result.stats["killed"] and result.error == "抓取超时（8 秒），进程已终止"
    assert sorted(got.titles()) == sorted([TITLES["a1"], TITLES["a2"]])
    assert got.items == result.items
    # Their URLs go into the state so the next run does not fetch them again.
    assert {i["canonical_url"] for i in result.items} <= set(result.state["seen"])


ITEMS = [
    {"canonical_url": "http://127.0.0.1:9/news/a1.html", "title": TITLES["a1"],
     "text": "市司法局召开全市法律援助工作推进会，总结去年工作，部署今年任务。"},
    {"canonical_url": "http://127.0.0.1:9/news/a2.html", "title": TITLES["a2"],
     "text": "我市开展“宪法宣传周”普法进社区活动，发放宣传资料三千余份。"},
    {"canonical_url": "http://127.0.0.1:9/news/a3.html", "title": TITLES["a3"],
     "text": "市公证处推出“最多跑一次”公证服务事项清单，共涉及四十六项公证事项。"},
]


def encoded(item: dict[str, Any]) -> bytes:
    return (json.dumps(item, ensure_ascii=False) + "\n").encode("utf-8")


def test_the_feed_takes_whole_lines_only(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    feed = ItemFeed(path)
    assert feed.read() == []  # the child has not opened the file yet
    first, second = encoded(ITEMS[0]), encoded(ITEMS[1])
    # Cut inside a Chinese character: its bytes must not be decoded on their own.
    cut = second.index("宪".encode()) + 1
    path.write_bytes(first + second[:cut])
    assert feed.read() == [ITEMS[0]]
    assert feed.read() == []  # the half line waits
    with path.open("ab") as handle:
        handle.write(second[cut:] + encoded(ITEMS[2])[:10])
    assert feed.read() == [ITEMS[1]]
    # The child is dead: a half-written last line is dropped, a whole one without "\n" is kept.
    assert feed.read(final=True) == []
    other = ItemFeed(tmp_path / "other.jsonl")
    (tmp_path / "other.jsonl").write_bytes(first + encoded(ITEMS[2]).rstrip(b"\n"))
    assert other.read() == [ITEMS[0]] and other.read(final=True) == [ITEMS[2]]


# A crawler child that writes its first item and half of the second, then waits for the runner to
# have handed the first on (the callback creates ``go``) before it writes the rest and its result.
FAKE_CHILD = """\
#!{python}
import json, sys, time
from pathlib import Path
args = sys.argv[1:]
out, result = Path(args[args.index("--out") + 1]), Path(args[args.index("--result") + 1])
lines = [(json.dumps(i, ensure_ascii=False) + "\\n").encode("utf-8") for i in {items!r}]
cut = lines[1].index("宪".encode()) + 1
go = Path({go!r})
with out.open("wb") as sink:
    sink.write(lines[0] + lines[1][:cut])
    sink.flush()
    deadline = time.monotonic() + 15
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if {hang!r}:
        time.sleep(600)
    time.sleep(0.7)  # at least one poll sees the half line still half
    sink.write(lines[1][cut:])
    sink.flush()
    time.sleep(0.7)
    sink.write(lines[2])
result.write_text(json.dumps({{"state": {{}}, "stats": {{}}, "error": None, "blind": None}}))
"""


def fake_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, hang: bool = False) -> Path:
    go = tmp_path / "go"
    script = tmp_path / "fake-python"
    script.write_text(FAKE_CHILD.format(python=sys.executable, items=ITEMS, go=str(go), hang=hang),
                      "utf-8")
    script.chmod(0o755)
    # The runner starts ``sys.executable -m crawlers.run …``: here, the fake child.
    monkeypatch.setattr(sys, "executable", str(script))
    return go


def test_a_half_written_line_waits_for_its_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    go = fake_child(tmp_path, monkeypatch)
    got = Chunks()

    def on_items(items: list[dict[str, Any]]) -> None:
        got(items)
        go.touch()

    result = run_crawl({"slug": "fake", "kind": "html", "url": "http://127.0.0.1:9/"}, {},
                       timeout=30, on_items=on_items)
    assert result.error is None, result.error
    assert got.chunks[0] == [ITEMS[0]]  # not the half of the second
    assert got.items == ITEMS == result.items
    assert len(got.chunks) >= 2


def test_a_killed_child_s_half_line_is_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    go = fake_child(tmp_path, monkeypatch, hang=True)
    got = Chunks()

    def on_items(items: list[dict[str, Any]]) -> None:
        got(items)
        go.touch()

    result = run_crawl({"slug": "fake", "kind": "html", "url": "http://127.0.0.1:9/"}, {},
                       timeout=3, on_items=on_items)
    assert result.error == "抓取超时（3 秒），进程已终止"
    assert got.chunks == [[ITEMS[0]]] and result.items == [ITEMS[0]]
    assert result.state["seen"] == [ITEMS[0]["canonical_url"]]


def test_without_a_callback_the_result_is_unchanged(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    go = fake_child(tmp_path, monkeypatch)
    go.touch()
    result = run_crawl({"slug": "fake", "kind": "html", "url": "http://127.0.0.1:9/"}, {}, timeout=30)
    assert result.error is None and result.items == ITEMS

