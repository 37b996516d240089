"""Crawled text is hostile: flatten it to one short, printable line before it goes anywhere near a mail."""
from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def one_line(value: object, limit: int) -> str:
    """Collapse whitespace, drop control/format characters (bidi overrides, zero-width), cap with an ellipsis."""
    text = "" if value is None else str(value)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\t\n\r ")
    text = _SPACE.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "…"
    return text
