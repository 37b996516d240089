"""Build fake Scrapy responses from saved pages (tests/files)."""

from __future__ import annotations

import json
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


CAPTURED = FILES / "captured"


def captured_response(path: Path | str, *, meta: dict[str, Any] | None = None) -> HtmlResponse:
    """The response a spider would have seen for a page saved by ``yuqing sources capture``.

    ``path`` is the saved body or its ``.headers.json``; a bare name is looked up in
    ``tests/files/captured``. URL (after redirects), status and headers come from the JSON.
    """
    path = Path(path)
    if not path.is_absolute() and not path.exists():
        path = CAPTURED / path
    record_path = path if path.name.endswith(".headers.json") else path.with_suffix(".headers.json")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    body = (record_path.parent / record["body_file"]).read_bytes()
    url = record.get("final_url") or record["url"]
    cls = TextResponse if record["body_file"].endswith(".xml") else HtmlResponse
    return cls(url=url, body=body, headers=record.get("headers") or {},
               status=int(record.get("status") or 200), request=Request(url, meta=meta or {}))
