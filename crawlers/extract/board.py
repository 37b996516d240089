"""Government message board / leader mailbox detail pages (留言板、领导信箱).

Boards differ in markup but all label their fields in Chinese: a ``<th>留言内容</th><td>…``
table, ``<dt>答复时间</dt><dd>…``, or ``答复单位：…`` inline. We look the labels up instead
of relying on one template; selectors override any field.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from parsel import Selector

from crawlers.extract.article import clean_title
from crawlers.extract.dates import parse_datetime, to_iso
from crawlers.extract.selectors import node_text, select_text

LABELS: dict[str, tuple[str, ...]] = {
    "title": ("留言标题", "信件标题", "来信标题", "标题", "主题"),
    "message": ("留言内容", "来信内容", "信件内容", "咨询内容", "诉求内容", "问题描述", "内容"),
    "asked_at": ("留言时间", "来信时间", "写信时间", "提交时间", "发布时间", "留言日期", "来信日期"),
    "author": ("留言人", "来信人", "写信人", "网友", "咨询人"),
    "category": ("留言类型", "信件类型", "来信类型", "类型", "分类"),
    "status": ("办理状态", "处理状态", "状态"),
    "reply": ("回复内容", "答复内容", "办理结果", "回复意见", "答复意见", "处理结果", "回复"),
    "reply_at": ("回复时间", "答复时间", "办理时间", "办结时间", "回复日期", "答复日期"),
    "replier": ("回复单位", "答复单位", "办理单位", "回复部门", "答复部门", "承办单位"),
}
_LABEL_NODES = ("//body//*[self::th or self::td or self::dt or self::dd or self::span or "
                "self::strong or self::b or self::label or self::em or self::div or self::p "
                "or self::li][not(ancestor::script)]")
_SPACE_RE = re.compile(r"[\s\u3000\xa0]+")


def _squash(text: str) -> str:
    return _SPACE_RE.sub("", text)


def _label_nodes(sel: Selector) -> list[tuple[Selector, str]]:
    # Computed once per page: label look-ups scan every candidate node for every label.
    nodes = []
    for node in sel.xpath(_LABEL_NODES):
        text = "".join(node.xpath(".//text()").getall())
        if len(text) < 4000:
            nodes.append((node, _squash(text)))
    # Innermost elements first: "<p><span>答复单位：X</span><span>答复时间：Y</span></p>" must
    # give X, not the whole paragraph.
    nodes.sort(key=lambda pair: bool(pair[0].xpath("*")))
    return nodes


def label_value(
    sel: Selector, labels: tuple[str, ...], nodes: list[tuple[Selector, str]] | None = None
) -> str | None:
    """Text of the field labelled by one of ``labels`` (first label wins)."""
    nodes = nodes if nodes is not None else _label_nodes(sel)
    for label in labels:
        for node, own in nodes:
            if own.rstrip(":：") == label:
                # Label and value in sibling cells: <th>label</th><td>value</td>.
                for xpath in ("following-sibling::*[1]", "../following-sibling::*[1]"):
                    sibling = node.xpath(xpath)
                    if sibling and (value := node_text(sibling[0])):
                        return value
            elif own.startswith((label + "：", label + ":")) and len(node.xpath("*")) <= 3:
                text = node_text(node)
                value = re.split(r"[:：]", text, maxsplit=1)[1].strip()
                if value:
                    return value
    return None


def extract_board(
    html: str, url: str, *, selectors: dict[str, str] | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Extract a message and its reply. Keys: ``title, text, published_at, author, origin,
    canonical_url, parse_error, extra`` with ``extra = {reply, reply_at, replier, status,
    category}`` (reply fields empty/None when the message is not answered yet).
    """
    selectors = selectors or {}
    sel = Selector(text=html)
    nodes = _label_nodes(sel)
    values: dict[str, str | None] = {}
    for field, labels in LABELS.items():
        values[field] = select_text(sel, selectors.get(field)) or label_value(sel, labels, nodes)
    heading = sel.xpath("normalize-space((//h1|//h2|//h3)[1])").get() or None
    title = values["title"] or clean_title(sel.xpath("//title/text()").get() or "",
                                           heading=heading) or heading or ""
    message = values["message"] or ""
    reply_at = parse_datetime(values["reply_at"], now=now)
    parse_error = None if message else "未找到留言内容"
    return {
        "title": title.strip(),
        "text": message,
        "published_at": parse_datetime(values["asked_at"], now=now),
        "author": (values["author"] or "").strip(),
        "origin": "",
        "parse_error": parse_error,
        "extra": {
            "reply": values["reply"] or "",
            "reply_at": to_iso(reply_at),
            "replier": values["replier"] or "",
            "status": values["status"] or "",
            "category": values["category"] or "",
        },
    }
