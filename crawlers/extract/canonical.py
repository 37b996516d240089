"""URL canonicalisation so the same article is stored once.

Rules: lower-case scheme and host, drop default ports and fragments, drop tracking
parameters, sort the query; percent-encoding and query order are w3lib's
``canonicalize_url`` (Scrapy's own), so a URL Scrapy dedupes and one we store agree. A link
written without its scheme (``//www.sohu.com/a/1`` or ``www.sohu.com/a/1`` in ``og:url``) is
absolute, not a path relative to the page. WeChat article URLs keep only the parameters that identify
the article (``__biz, mid, idx, sn``), because share links carry a dozen session ones.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

_TRACKING_PREFIXES = ("utm_", "spm", "share", "wx_", "ref_", "hmsr", "hmpl", "hmcu", "hmkw")
_TRACKING = {
    "from", "isappinstalled", "scene", "srcid", "fbclid", "gclid", "mc_cid", "mc_eid", "_ga",
    "clicktime", "enterid", "sessionid", "subscene", "ascene", "pass_ticket", "exportkey",
    "chksm", "mpshare",
}
_WECHAT_KEYS = ("__biz", "mid", "idx", "sn")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# "www.sohu.com/a/123": a host name (www., or labels ending in a TLD sites use) then a path.
# "news.html" or "content_12.htm" are relative file names, not hosts.
_BARE_HOST_RE = re.compile(
    r"^(?:www\.[a-z0-9-]+(?:\.[a-z0-9-]+)+"
    r"|(?:[a-z0-9-]+\.)+(?:com|cn|net|org|gov|edu|info|cc|tv|top|xyz|io|me|hk|tw|mo|biz|site"
    r"|online|ltd|wang|vip|shop|club|news|mil))(?::\d+)?(?:[/?#]|$)",
    re.IGNORECASE,
)


def canonicalize(url: str, base: str | None = None) -> str:
    """Return the canonical form of ``url`` (resolved against ``base`` when relative)."""
    url = (url or "").strip()
    if _BARE_HOST_RE.match(url):
        url = "//" + url
    if url.startswith("//") and not base:
        url = "https:" + url
    if base:
        url = urljoin(base, safe_url_string(url))
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:  # malformed port: keep the URL recognisable rather than crash
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    path = parts.path or "/"
    query = parse_qsl(parts.query, keep_blank_values=True)
    if host == "mp.weixin.qq.com" and path.rstrip("/") == "/s":
        query = [(k, v) for k, v in query if k in _WECHAT_KEYS]
        path, scheme, netloc = "/s", "https", host  # pages embed http links to https articles
    else:
        query = [
            (k, v) for k, v in query
            if k.lower() not in _TRACKING and not k.lower().startswith(_TRACKING_PREFIXES)
        ]
    return canonicalize_url(urlunsplit((scheme, netloc, path, urlencode(query), "")))


def host_of(url: str) -> str:
    """Lower-case host name of ``url`` ('' when there is none)."""
    return (urlsplit(url).hostname or "").lower()


_SECOND_LEVEL = {"com", "net", "org", "gov", "edu", "ac", "mil"}


def site_of(url: str) -> str:
    """The registrable domain of ``url``'s host (``m.sohu.com`` → ``sohu.com``, ``a.b.gov.cn`` →
    ``b.gov.cn``): a mobile or www twin of a page is the same site, another domain is not."""
    host = host_of(url)
    if re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host):  # an address is its own site
        return host
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    return ".".join(labels[-keep:])
