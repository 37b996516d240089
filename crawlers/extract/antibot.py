"""Recognise pages that are not content: captchas, expired logins, "open in WeChat" walls.

Storing such a page as an article would be garbage; the crawl marks its source *blind*
instead, so the duty officer knows the channel is not being watched.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

# Phrase → the reason shown to users (Simplified Chinese).
_MARKERS: tuple[tuple[str, str], ...] = (
    ("环境异常", "访问环境异常，需要验证"),
    ("完成验证后即可继续访问", "访问环境异常，需要验证"),
    ("请输入验证码", "需要输入验证码"),
    ("验证码", "需要输入验证码"),
    ("安全验证", "需要安全验证"),
    ("登录过期", "登录已过期"),
    ("登录已过期", "登录已过期"),
    ("请登录后", "需要登录"),
    ("请在微信客户端打开", "要求在微信客户端打开"),
    ("访问过于频繁", "访问过于频繁，被限制"),
    ("操作频繁", "访问过于频繁，被限制"),
    ("该内容已被发布者删除", "内容已被删除"),
    ("此内容因违规无法查看", "内容因违规无法查看"),
    ("captcha", "需要输入验证码"),
)
_BLOCK_URL_RE = re.compile(r"weixin110\.qq\.com|/mp/wappoc_appmsgcaptcha|captcha|/verify", re.IGNORECASE)
# A real article has a body; a wall is short. Markers inside a long article ("短信验证码诈骗")
# must not blind the source.
_SHORT_PAGE = 600


_BLOCK_TAGS = ("p", "div", "br", "li", "tr", "td", "th", "dd", "dt", "h1", "h2", "h3", "h4", "h5",
               "h6", "section", "article", "header", "footer", "table", "ul", "ol", "span")


# Parts of a page that carry other articles' dates: sidebars, footers, related lists.
_ASIDE_CLASS_RE = re.compile(
    r"(?:^|[\s_-])(?:aside|side|sidebar|recommend|hot|rank|related|xgxw|xgwz|footer|foot)(?:$|[\s_-])",
    re.IGNORECASE,
)


def _drop_other_articles(tree: lxml_html.HtmlElement) -> None:
    """Remove what names other articles: sidebars and footers, list entries holding a
    headline-length link ("小编最近文章", 24小时热闻) and the text of every link
    ("查看旧版(2007年11月18号以前)"), so their dates cannot pass for this article's."""
    for node in tree.xpath("//aside|//nav|//footer|//*[@class or @id]"):
        aside = node.tag in ("aside", "nav", "footer") or _ASIDE_CLASS_RE.search(
            f"{node.get('class') or ''} {node.get('id') or ''}")
        if aside and node.getparent() is not None and node.tag not in ("html", "body"):
            node.drop_tree()
    for entry in tree.xpath("//li[.//a]"):
        if any(len(a.text_content().strip()) >= 6 for a in entry.iter("a")) and entry.getparent() is not None:
            entry.drop_tree()
    for link in tree.xpath("//a"):
        if link.getparent() is not None:
            link.drop_tree()


def visible_text(html: str, *, without_other_articles: bool = False) -> str:
    """Text a reader would see (scripts and styles removed), whitespace collapsed.

    ``without_other_articles`` also drops links, link lists, sidebars and footers: the text in
    which to look for this article's own dates.
    """
    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return ""
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    if without_other_articles:
        _drop_other_articles(tree)
    # Block elements end a phrase: without a break, "来源：新闻联播</div><p>俄罗斯…" reads as one
    # run of text and label regexes swallow the next paragraph.
    for block in tree.iter(*_BLOCK_TAGS):
        block.tail = "\n" + (block.tail or "")
    return re.sub(r"\s+", " ", tree.text_content()).strip()


def detect_block(html: str, url: str = "", *, content_selector_found: bool | None = None) -> str | None:
    """Return why ``html`` is a block/verification page, or None if it looks like content.

    ``content_selector_found`` lets a spider that knows the page structure (WeChat's
    ``#js_content``) say whether the content container exists; a page without it and with a
    marker is a wall whatever its length.
    """
    if url and _BLOCK_URL_RE.search(url):
        return "被重定向到验证页面"
    text = visible_text(html)
    title_match = re.search(r"<title[^>]*>(.*?)</title>", html, re.IGNORECASE | re.DOTALL)
    title = title_match.group(1) if title_match else ""
    short = len(text) < _SHORT_PAGE or content_selector_found is False
    for marker, reason in _MARKERS:
        if marker in title or (short and marker.lower() in text.lower()):
            return reason
    return None
