"""Decode crawled bytes into text.

Chinese sites lie about their encoding in every possible way: a header says UTF-8 while
the page is GBK, a page declares GB2312 but uses GB18030-only characters, or nothing is
declared at all. We therefore treat every declaration as a *candidate* and keep the first
one that decodes cleanly. A declaration that decodes *nearly* cleanly (a damaged character on
a tiny page) is kept too, its broken bytes replaced and noted: detectors read short pages as
anything. Only then statistical detection, and finally the candidate with the fewest broken
characters, flagged as a guess (``Decoded.reliable``).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

# Declared names mapped to the superset codec that decodes everything the site meant.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "utf8": "utf-8",
}
# Single-byte declarations decode any byte string, so they cannot be "verified" by decoding;
# servers send them as a default far more often than pages really use them.
_WEAK = {"latin-1", "iso8859-1", "cp1252"}

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.IGNORECASE
)
_XML_DECL_RE = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_\-]+)""", re.IGNORECASE)
_HEADER_RE = re.compile(r"charset\s*=\s*[\"']?\s*([a-zA-Z0-9_\-]+)", re.IGNORECASE)


def normalize_encoding(name: str | None) -> str | None:
    """Return the Python codec to use for a declared charset name, or None if unknown."""
    if not name:
        return None
    key = name.strip().strip("\"'").lower()
    key = _SUPERSETS.get(key, key)
    try:
        codec = codecs.lookup(key).name
    except LookupError:
        return None
    # codecs.lookup canonicalises gbk to "gbk"; map again to the superset.
    return _SUPERSETS.get(codec, codec)


def header_charset(content_type: str | bytes | None) -> str | None:
    """Charset from a Content-Type header value, if any."""
    if not content_type:
        return None
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    match = _HEADER_RE.search(content_type)
    return match.group(1) if match else None


def meta_charset(body: bytes) -> str | None:
    """Charset declared inside the document (HTML meta or XML declaration)."""
    head = body[:4096]
    match = _META_RE.search(head) or _XML_DECL_RE.search(head)
    return match.group(1).decode("ascii", "ignore") if match else None


def _bom(body: bytes) -> str | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return None


_CJK_RE = re.compile(r"[\u3400-\u9fff]")


def _looks_simplified(text: str) -> bool:
    """True when nearly all CJK characters are in GB2312 (the common simplified set).

    Big5 bytes decoded as GB18030 often still "decode", but land on rare GBK-extension
    characters; real mainland text almost never does.
    """
    chars = _CJK_RE.findall(text)
    if not chars:
        return False
    common = 0
    for ch in chars:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common / len(chars) >= 0.9


def _detect(body: bytes) -> str | None:
    sample = body[:200_000]
    gb = sample.decode("gb18030", errors="replace")
    if gb.count("\ufffd") == 0 and _looks_simplified(gb):
        return "gb18030"
    # Restricting detection to the encodings Chinese sites use avoids absurd guesses
    # (cp1006, utf-16) on short or partly broken pages.
    best = charset_normalizer.from_bytes(
        sample, cp_isolation=["utf_8", "gb18030", "big5"]
    ).best()
    return normalize_encoding(best.encoding) if best else None


_ASCII = bytes(range(0x80))


def _errors(body: bytes, codec: str) -> int:
    return body.decode(codec, errors="replace").count("\ufffd")


def _nearly_clean(body: bytes, errors: int) -> bool:
    """A declaration worth keeping despite ``errors`` broken sequences.

    Very few errors (≤ 0.1 %, at least 2), or few overall (≤ 1 % of bytes, at least 3 on tiny
    pages) *and* few among the non-ASCII bytes: a GBK page mislabelled UTF-8 breaks at a
    quarter to most of its Chinese bytes, a UTF-8 page with a damaged character at one or two.
    """
    if errors <= max(2, len(body) // 1000):
        return True
    non_ascii = len(body.translate(None, _ASCII))
    return errors <= max(3, len(body) // 100) and errors * 10 <= non_ascii


@dataclass(frozen=True)
class Decoded:
    """Decoded page text; ``note`` says in Chinese what could not be decoded faithfully."""

    text: str
    codec: str
    note: str | None = None
    #: False when no encoding decoded the page cleanly and the codec is a best guess
    reliable: bool = True


def decode_page(
    body: bytes, content_type: str | bytes | None = None, override: str | None = None
) -> Decoded:
    """Decode ``body``.

    Order: explicit override (the source's configured encoding), BOM, HTTP header, in-document
    declaration, then UTF-8 and detection. The first candidate that decodes without a single
    error wins; then a declared encoding that decodes nearly cleanly (its broken bytes
    replaced and noted); otherwise the candidate with the fewest replacement characters,
    marked unreliable (never raises).
    """
    bom = _bom(body)
    if bom:
        text = body[len(codecs.BOM_UTF8) if bom == "utf-8" else 2 :].decode(bom, "replace")
        bad = text.count("\ufffd")
        return Decoded(text, bom, f"按 {bom}（字节顺序标记）解码，{bad} 处字节无法解码，已替换"
                       if bad else None)
    declared = [
        normalize_encoding(override),
        normalize_encoding(header_charset(content_type)),
        normalize_encoding(meta_charset(body)),
    ]
    strong = [c for c in declared if c and c not in _WEAK]
    weak = [c for c in declared if c and c in _WEAK]
    candidates: list[str] = []
    for codec in [*strong, "utf-8"]:
        if codec not in candidates:
            candidates.append(codec)
    errors = {codec: _errors(body, codec) for codec in candidates}
    for codec in candidates:
        if errors[codec] == 0:
            return Decoded(body.decode(codec), codec)
    # A declared encoding with a few broken bytes (truncated page, one bad character) is
    # still far more trustworthy than a guess: detectors read short pages as anything.
    for codec in strong:
        if _nearly_clean(body, errors[codec]):
            note = f"声明的编码 {codec} 有 {errors[codec]} 处字节无法解码，已替换"
            return Decoded(body.decode(codec, errors="replace"), codec, note)
    detected = _detect(body)
    for codec in [detected, *weak, "gb18030"]:
        if codec and codec not in candidates:
            candidates.append(codec)
    scored = [(errors[codec] if codec in errors else _errors(body, codec), i, codec)
              for i, codec in enumerate(candidates)]
    bad, _, codec = min(scored)
    text = body.decode(codec, errors="replace")
    if bad == 0:
        return Decoded(text, codec)
    return Decoded(text, codec, f"无法可靠识别编码：按 {codec} 解码，{bad} 处字节无法解码", False)


def decode_bytes(
    body: bytes, content_type: str | bytes | None = None, override: str | None = None
) -> tuple[str, str]:
    """``decode_page`` as ``(text, codec)``, for callers that need no note."""
    decoded = decode_page(body, content_type, override)
    return decoded.text, decoded.codec
