"""URL canonicalisation so the same article is stored once.

Rules: lower-case scheme and host, drop default ports and fragments, drop tracking
parameters, sort the query. WeChat article URLs keep only the parameters that identify
the article (``__biz, mid, idx, sn``), because share links carry a dozen session ones.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_", "spm", "share", "wx_", "ref_", "hmsr", "hmpl", "hmcu", "hmkw")
_TRACKING = {
    "from", "isappinstalled", "scene", "srcid", "fbclid", "gclid", "mc_cid", "mc_eid", "_ga",
    "clicktime", "enterid", "sessionid", "subscene", "ascene", "pass_ticket", "exportkey",
    "chksm", "mpshare",
}
_WECHAT_KEYS = ("__biz", "mid", "idx", "sn")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonicalize(url: str, base: str | None = None) -> str:
    """Return the canonical form of ``url`` (resolved against ``base`` when relative)."""
    url = (url or "").strip()
    if base:
        url = urljoin(base, url)
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
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def host_of(url: str) -> str:
    """Lower-case host name of ``url`` ('' when there is none)."""
    return (urlsplit(url).hostname or "").lower()
