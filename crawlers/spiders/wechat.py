"""WeChat official accounts: a bridge feed (WeWe RSS, we-mp-rss, RSSHub) or article URLs.

Bridges usually carry the full text, so by default it is taken from the feed and WeChat
itself is not contacted; otherwise article pages on mp.weixin.qq.com are fetched and read
from their fixed structure. A verification/expired-login page blinds the source.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlers.extract.antibot import detect_block
from crawlers.extract.links import discover_links
from crawlers.extract.wechat import extract_wechat, is_wechat_article
from crawlers.spiders.base import SourceSpider
from crawlers.spiders.rss import FeedMixin, looks_like_feed

WECHAT_HOST = "mp.weixin.qq.com"


class WechatSpider(FeedMixin, SourceSpider):
    name = "wechat"
    kind = "wechat"
    extra_domains = (WECHAT_HOST,)
    prefer_feed_content_default = True

    def parse_start(self, response: Response) -> Iterator[Any]:
        if response.status == 304 or looks_like_feed(response.body):
            yield from self.parse_feed(response)
            return
        text, _ = self.decode(response)
        if is_wechat_article(text) or detect_block(text, response.url):
            self.not_modified(response)  # records validators for the page
            self.counts["pages"] -= 1  # parse_article counts it
            yield from self.parse_article(response)
            return
        # An HTML index page of a bridge: follow its links to articles.
        self.not_modified(response)
        for url in discover_links(text, response.url, allowed_hosts=self.allowed_hosts,
                                  selector=self.selectors.get("links")):
            if not self.is_seen(url) and self.can_request_article():
                yield self.article_request(url, self.parse_article)

    def block_reason(self, text: str, response: Response) -> str | None:
        return detect_block(text, response.url, content_selector_found=is_wechat_article(text))

    def extract(self, text: str, response: Response) -> dict[str, Any]:
        data = extract_wechat(text, response.url, selectors=self.selectors)
        if not data.get("origin"):
            data["origin"] = data["account"] = self.source.get("name", "")
        return self.merge_entry(data, response)
