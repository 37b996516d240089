"""A local demo site on 127.0.0.1: a municipal portal, a provincial news feed, a WeChat RSS bridge and
the bureau's message board, built from shipped content so `yuqing demo` has something real to crawl.

Pages mirror the structures the crawlers meet in the wild (government CMS templates with navigation
and footer noise, RSS 2.0, WeChat article markup, a message-board list/detail pair).
"""
from __future__ import annotations

import gzip
import html
import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
CST = timezone(timedelta(hours=8))
PAGE_SIZE = 12


@dataclass
class Article:
    id: str
    title: str
    text: str
    published: datetime
    origin: str
    sites: tuple[str, ...]


@dataclass
class BoardMessage:
    id: str
    title: str
    author: str
    text: str
    asked: datetime
    reply: str
    replied: datetime | None


def load_content(now: datetime) -> tuple[list[Article], list[BoardMessage]]:
    data = yaml.safe_load((HERE / "bureau_items.yaml").read_text(encoding="utf-8"))
    articles = [
        Article(n["id"], n["title"], n["text"].strip(), now - timedelta(hours=n["hours_ago"]),
                n["origin"], tuple(n["sites"]))
        for n in data["news"]
    ]
    with gzip.open(HERE / "news_sample.jsonl.gz", "rt", encoding="utf-8") as fh:
        for index, line in enumerate(fh):
            row = json.loads(line)
            text = row["text"].replace("央视网消息\n（新闻联播）：", "").strip()
            sites = ("portal",) if index % 2 == 0 else ("rss",)
            articles.append(Article(f"news-{index:03d}", row["title"], text,
                                    now - timedelta(hours=60 + index * 7), "新闻联播", sites))
    board = [
        BoardMessage(b["id"], b["title"], b["author"], b["text"].strip(),
                     now - timedelta(hours=b["hours_ago"]), (b.get("reply") or "").strip(),
                     now - timedelta(hours=b["reply_hours_ago"]) if b.get("reply") else None)
        for b in data["board"]
    ]
    return sorted(articles, key=lambda a: a.published, reverse=True), board


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _paragraphs(text: str) -> str:
    return "\n".join(f"<p>{_e(p.strip())}</p>" for p in text.splitlines() if p.strip())


GOV_HEAD = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head><body>
<div class="header"><div class="logo">漳州市司法局</div><ul class="nav"><li><a href="/portal/">首页</a></li>
<li><a href="/portal/">工作动态</a></li><li><a href="/board/">领导信箱</a></li><li><a href="/portal/">政府信息公开</a></li>
<li><a href="/portal/">办事服务</a></li></ul></div>"""
GOV_FOOT = """<div class="footer"><p>主办：漳州市司法局　地址：漳州市芗城区胜利西路　邮编：363000</p>
<p>闽ICP备00000000号　闽公网安备 35060202000000号　网站标识码：3506000000</p><p>扫一扫在手机打开当前页</p></div></body></html>"""


def portal_list(articles: list[Article], page: int) -> str:
    items = [a for a in articles if "portal" in a.sites]
    chunk = items[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    rows = "\n".join(
        f'<li><a href="/portal/art/{a.id}.html" target="_blank">{_e(a.title)}</a><span class="date">{a.published:%Y-%m-%d}</span></li>'
        for a in chunk
    )
    pager = ""
    if (page + 1) * PAGE_SIZE < len(items):
        pager = f'<a href="/portal/index_{page + 1}.html">下一页</a>'
    return (GOV_HEAD.format(title="工作动态_漳州市司法局")
            + f'<div class="main"><div class="position">当前位置：首页 &gt; 工作动态</div><ul class="list">{rows}</ul>'
            + f'<div class="page">{pager}</div></div>' + GOV_FOOT)


def portal_article(a: Article) -> str:
    return (GOV_HEAD.format(title=f"{_e(a.title)}_漳州市司法局")
            + '<div class="main"><div class="position">当前位置：首页 &gt; 工作动态 &gt; 正文</div>'
            + f'<h1 class="title">{_e(a.title)}</h1>'
            + f'<div class="info">发布时间：{a.published:%Y-%m-%d %H:%M}　来源：{_e(a.origin)}　【字体：大 中 小】</div>'
            + f'<div class="content" id="zoom">{_paragraphs(a.text)}</div>'
            + '<div class="share">分享到：微信 微博</div><div class="related">【打印本页】【关闭窗口】</div></div>'
            + GOV_FOOT)


def rss_feed(articles: list[Article], base: str, site: str, title: str, path: str) -> str:
    items = []
    for a in [a for a in articles if site in a.sites][:30]:
        link = f"{base}/{path}/{a.id}" + (".html" if site == "rss" else "")
        items.append(
            f"<item><title>{_e(a.title)}</title><link>{link}</link><guid>{link}</guid>"
            f"<pubDate>{format_datetime(a.published)}</pubDate><description>{_e(a.text[:120])}</description></item>"
        )
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{_e(title)}</title><link>{base}/</link><description>{_e(title)}</description>"
            + "".join(items) + "</channel></rss>")


def news_article(a: Article) -> str:
    return ('<!doctype html><html><head><meta charset="utf-8">'
            f'<title>{_e(a.title)} - 东南新闻网</title></head><body><div id="top">东南新闻网 | 首页 | 福建 | 国内 | 评论</div>'
            f'<div class="article"><h1>{_e(a.title)}</h1><div class="source">{a.published:%Y年%m月%d日 %H:%M}　来源：{_e(a.origin)}</div>'
            f'<div class="article-content">{_paragraphs(a.text)}</div><div class="editor">责任编辑：陈明</div></div>'
            '<div id="footer">版权所有 东南新闻网 未经授权禁止转载</div></body></html>')


def wechat_article(a: Article) -> str:
    ts = int(a.published.timestamp())
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><meta property="og:title" content="'
            f'{_e(a.title)}"><title>{_e(a.title)}</title></head><body id="activity-detail" class="zh_CN">'
            '<div class="rich_media"><div class="rich_media_inner"><div id="page-content">'
            f'<h1 class="rich_media_title" id="activity-name">{_e(a.title)}</h1>'
            '<div id="meta_content" class="rich_media_meta_list">'
            f'<span class="rich_media_meta rich_media_meta_nickname" id="profileBt"><a id="js_name">{_e(a.origin)}</a></span>'
            '<em id="publish_time" class="rich_media_meta rich_media_meta_text"></em></div>'
            f'<div class="rich_media_content" id="js_content" style="visibility: hidden;">{_paragraphs(a.text)}</div>'
            '<div id="js_pc_qr_code">微信扫一扫关注该公众号</div></div></div></div>'
            f'<script type="text/javascript">var ct = "{ts}"; var nickname = "{_e(a.origin)}";</script></body></html>')


def board_list(board: list[BoardMessage]) -> str:
    rows = "\n".join(
        f'<tr><td><a href="/board/msg/{m.id}.html">{_e(m.title)}</a></td><td>{_e(m.author)}</td>'
        f'<td>{m.asked:%Y-%m-%d}</td><td>{"已回复" if m.reply else "待回复"}</td></tr>'
        for m in board
    )
    return (GOV_HEAD.format(title="领导信箱_漳州市司法局")
            + '<div class="main"><h2>领导信箱</h2><table class="board"><tr><th>主题</th><th>留言人</th><th>留言时间</th><th>状态</th></tr>'
            + rows + "</table></div>" + GOV_FOOT)


def board_detail(m: BoardMessage) -> str:
    rows = [("留言标题", m.title), ("留言人", m.author), ("留言时间", f"{m.asked:%Y-%m-%d %H:%M}"),
            ("留言内容", m.text)]
    if m.reply and m.replied:
        rows += [("回复单位", "漳州市司法局"), ("回复时间", f"{m.replied:%Y-%m-%d %H:%M}"), ("回复内容", m.reply)]
    else:
        rows += [("办理状态", "办理中")]
    table = "".join(f"<tr><th>{label}</th><td>{_e(value)}</td></tr>" for label, value in rows)
    return (GOV_HEAD.format(title=f"{_e(m.title)}_领导信箱")
            + f'<div class="main message"><h1 class="title">{_e(m.title)}</h1><table class="letter">{table}</table></div>'
            + GOV_FOOT)


class DemoSite:
    """Serves the demo pages on 127.0.0.1 in a daemon thread."""

    def __init__(self, now: datetime | None = None, port: int = 0) -> None:
        self.now = (now or datetime.now(CST)).astimezone(CST).replace(second=0, microsecond=0)
        self.articles, self.board = load_content(self.now)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> DemoSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def render(self, path: str) -> tuple[int, str, str]:
        by_id = {a.id: a for a in self.articles}
        board = {m.id: m for m in self.board}
        xml, page = "application/xml; charset=utf-8", "text/html; charset=utf-8"
        if path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", "User-agent: *\nDisallow: /private/\n"
        if path in ("/portal/", "/portal/index.html"):
            return 200, page, portal_list(self.articles, 0)
        if path.startswith("/portal/index_") and path.endswith(".html"):
            number = path.removeprefix("/portal/index_").removesuffix(".html")
            if number.isdigit():
                return 200, page, portal_list(self.articles, int(number))
        if path == "/rss/feed.xml":
            return 200, xml, rss_feed(self.articles, self.base_url, "rss", "东南新闻网 福建频道", "rss/art")
        if path == "/wechat/feed.xml":
            return 200, xml, rss_feed(self.articles, self.base_url, "wechat", "公众号聚合（RSS 桥）", "wechat/s")
        if path == "/board/":
            return 200, page, board_list(self.board)
        for prefix, suffix, lookup, render in (
            ("/portal/art/", ".html", by_id, portal_article),
            ("/rss/art/", ".html", by_id, news_article),
            ("/wechat/s/", "", by_id, wechat_article),
            ("/board/msg/", ".html", board, board_detail),
        ):
            if path.startswith(prefix) and path.endswith(suffix):
                key = path.removeprefix(prefix).removesuffix(suffix) if suffix else path.removeprefix(prefix)
                if key in lookup:
                    return 200, page, render(lookup[key])
        return 404, page, "<h1>404 页面不存在</h1>"

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, ctype, body = site.render(self.path.split("?")[0])
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        return Handler
