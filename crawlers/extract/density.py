"""A second body extractor for pages trafilatura reads wrongly: the block holding the page's
sentences.

2005-era table layouts, a header include that closes ``</html>`` before the article, a notice
whose only paragraph sits among navigation: trafilatura returns the tabs and info bar, the
header's menu, or nothing. Sentences are what navigation never has, so every element is scored
by the characters of its sentence-like text (a run with Chinese punctuation, outside links) and
the deepest element holding most of the page's sentences is the body.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

_SENTENCE_RE = re.compile(r"[，。！？；：、,;!?]")
_CONTAINERS = {"div", "td", "article", "section", "main", "table", "tbody", "tr", "font", "center",
               "span", "founder-content", "body"}
_BLOCKS = {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section",
           "article", "table", "ul", "ol", "dd", "dt", "blockquote", "center"}
_SHARE = 0.7  # the body holds at least this share of the page's sentence text
_MIN_PIECE = 8


def _own_pieces(node: lxml_html.HtmlElement) -> list[str]:
    pieces = [node.text or ""]
    pieces += [child.tail or "" for child in node]
    return [p.strip() for p in pieces if p and p.strip()]


def _lines(node: lxml_html.HtmlElement) -> str:
    """The node's text with a line break at every block element and ``<br>``."""
    for block in node.iter():
        if isinstance(block.tag, str) and block.tag in _BLOCKS:
            block.tail = "\n" + (block.tail or "")
            if block.tag == "br":
                continue
            block.text = "\n" + (block.text or "")
    text = re.sub(r"[ \t\r\f\v\u3000\xa0]+", " ", node.text_content())
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def densest_text(html: str) -> str:
    """The text of the deepest element that holds most of the page's sentences ('' if none)."""
    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return ""
    for bad in tree.xpath("//script|//style|//noscript|//select|//textarea|//head"):
        bad.drop_tree()
    score: dict[lxml_html.HtmlElement, int] = {}
    for node in tree.iter():
        if not isinstance(node.tag, str) or node.tag == "a" or any(
                a.tag == "a" for a in node.iterancestors()):
            continue
        weight = sum(len(p) for p in _own_pieces(node)
                     if len(p) >= _MIN_PIECE and _SENTENCE_RE.search(p))
        if not weight:
            continue
        for holder in (node, *node.iterancestors()):
            score[holder] = score.get(holder, 0) + weight
    if not score:
        return ""
    total = max(score.values())
    best, best_depth = None, -1
    for node, value in score.items():
        if node.tag in _CONTAINERS and value >= _SHARE * total:
            depth = sum(1 for _ in node.iterancestors())
            if depth > best_depth:
                best, best_depth = node, depth
    return _lines(best) if best is not None else ""
