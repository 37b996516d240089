"""Build fake Scrapy responses from saved pages (tests/files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse

FILES = Path(__file__).parent / "files"


def file_response(name: str, url: str, *, content_type: str | None = None,
                  meta: dict[str, Any] | None = None, status: int = 200) -> HtmlResponse:
    """A response whose body is the saved file's raw bytes (encoding untouched)."""
    headers = {"Content-Type": content_type} if content_type else {}
    cls = TextResponse if name.endswith(".xml") else HtmlResponse
    return cls(url=url, body=(FILES / name).read_bytes(), headers=headers, status=status,
               request=Request(url, meta=meta or {}))
