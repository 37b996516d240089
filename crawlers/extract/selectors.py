"""Apply a source's CSS/XPath selector overrides to a page."""

from __future__ import annotations

import re

from parsel import Selector


def is_xpath(expression: str) -> bool:
    """XPath expressions start with / or ( (``//div[@id='x']``, ``(//a)[1]``); the rest is CSS."""
    return expression.lstrip().startswith(("/", "(", "./"))


def select_all(sel: Selector, expression: str) -> list[Selector]:
    """Nodes matched by a CSS or XPath ``expression``."""
    return list(sel.xpath(expression) if is_xpath(expression) else sel.css(expression))


def node_text(node: Selector) -> str:
    """Readable text of one node: block elements become line breaks, whitespace collapsed."""
    root = node.root
    if isinstance(root, str):  # attribute or text() result
        return root.strip()
    text = "".join(node.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall())
    text = re.sub(r"[ \t\r\f\v\u3000\xa0]+", " ", text)
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def select_text(sel: Selector, expression: str | None) -> str | None:
    """Joined text of everything ``expression`` matches, or None when it matches nothing."""
    if not expression:
        return None
    nodes = select_all(sel, expression)
    if not nodes:
        return None
    return "\n".join(t for t in (node_text(n) for n in nodes) if t)
