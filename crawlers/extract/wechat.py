"""WeChat official-account article pages (``mp.weixin.qq.com/s…``).

The page keeps its data in fixed places: title ``#activity-name``, account ``#js_name``,
author ``#js_author_name`` or the first meta span, body ``#js_content`` (hidden until its
script runs, but present in the HTML), and the publish time only in the page script
(``var ct = "1700000000"``, ``create_time: JsDecode('…')``) because ``#publish_time`` is
filled in by JavaScript.
"""

from __future__ import annotations

import html as html_lib
import re
from datetime import datetime
from typing import Any

from parsel import Selector

from crawlers.extract.canonical import canonicalize
from crawlers.extract.dates import parse_datetime
from crawlers.extract.selectors import node_text, select_text

_CT_RES = (
    re.compile(r"""\bvar\s+ct\s*=\s*["'](\d{10})["']"""),
    re.compile(r"""\bcreate_time\s*[:=]\s*(?:JsDecode\()?\s*["'](\d{10})["']"""),
    re.compile(r"""\b(?:d\.ct|window\.ct|publish_time)\s*[:=]\s*["'](\d{10})["']"""),
)
_JS_STRING_RES = {
    "title": re.compile(r"""var\s+msg_title\s*=\s*(['"])(.*?)\1"""),
    "account": re.compile(r"""var\s+nickname\s*=\s*(?:htmlDecode\()?\s*(['"])(.*?)\1"""),
    "link": re.compile(r"""var\s+msg_link\s*=\s*(['"])(.*?)\1"""),
}


def _js_string(html: str, key: str) -> str | None:
    match = _JS_STRING_RES[key].search(html)
    if not match or not match.group(2).strip():
        return None
    return html_lib.unescape(match.group(2).replace("\\x26", "&").replace("\\/", "/")).strip()


def wechat_publish_time(html: str, *, now: datetime | None = None) -> datetime | None:
    """Publish time from the page script's Unix timestamp."""
    for pattern in _CT_RES:
        match = pattern.search(html)
        if match:
            return parse_datetime(match.group(1), now=now)
    return None


def is_wechat_article(html: str) -> bool:
    """Whether the page has WeChat's article body container."""
    return 'id="js_content"' in html or "id='js_content'" in html


def extract_wechat(
    html: str, url: str, *, selectors: dict[str, str] | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Extract a WeChat article; same keys as ``extract_article`` plus ``account``."""
    selectors = selectors or {}
    sel = Selector(text=html)
    title = (select_text(sel, selectors.get("title") or "#activity-name")
             or sel.xpath("//meta[@property='og:title']/@content").get()
             or _js_string(html, "title") or "")
    account = (select_text(sel, selectors.get("account") or "#js_name")
               or _js_string(html, "account") or "")
    author = (select_text(sel, selectors.get("author") or "#js_author_name")
              or sel.xpath("//meta[@name='author']/@content").get() or "")
    body_nodes = sel.css(selectors.get("body") or "#js_content")
    text = node_text(body_nodes[0]) if body_nodes else ""
    published = (wechat_publish_time(html, now=now)
                 or parse_datetime(select_text(sel, "#publish_time"), now=now))
    link = (sel.xpath("//meta[@property='og:url']/@content").get()
            or _js_string(html, "link") or url)
    parse_error = None
    if not body_nodes:
        parse_error = "页面中没有公众号正文（#js_content）"
    elif not text:
        parse_error = "公众号正文为空"
    return {
        "title": title.strip(),
        "text": text,
        "published_at": published,
        "author": author.strip(),
        "origin": account.strip(),
        "account": account.strip(),
        "canonical_url": canonicalize(link, url),
        "parse_error": parse_error,
    }
