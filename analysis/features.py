"""The text features both linear models read: word n-grams of the segmented text, character
n-grams of the folded text and of its head. Inside ``shared_features()`` each text is folded and
segmented once, however many vectorizers (of however many models) read it.

The analyzers are module-level functions bound with ``functools.partial`` so fitted vectorizers
pickle; their import path (``analysis.modelstore.<name>``, re-exported there) is the interface.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from operator import add
from typing import Any

import numpy as np

from analysis.text import fold, tokenize, tokenize_folded


def _token_ngrams(tokens: list[str], low: int, high: int) -> list[str]:
    out = tokens if low == 1 else []
    for n in range(max(low, 2), high + 1):
        # zip + map keep the per-n-gram work in C; a Python loop here doubles the cost.
        out = out + list(map(" ".join, zip(*(tokens[i:] for i in range(n)))))
    return out


def word_ngrams(text: str, low: int = 1, high: int = 2) -> list[str]:
    """Tokens of ``text`` and their n-grams joined by a space (scikit-learn's naming)."""
    return _token_ngrams(tokenize(text), low, high)


_SPACES_RE = re.compile(r"\s\s+")


def _folded_char_ngrams(folded: str, low: int, high: int) -> list[str]:
    t = _SPACES_RE.sub(" ", folded)
    out: list[str] = []
    grams: list[str] = list(t)
    for n in range(1, high + 1):
        if n > 1:
            # Each n-gram is an (n-1)-gram plus the next character: one concatenation in C
            # per n-gram instead of a tuple and a join (20 % less for the whole list).
            grams = list(map(add, grams[:-1], t[n - 1 :]))
        if n >= low:
            out.extend(grams)
    return out


def char_ngrams(text: str, low: int = 1, high: int = 3) -> list[str]:
    """Character n-grams of the folded text, whitespace runs collapsed."""
    return _folded_char_ngrams(fold(text), low, high)


def head_char_ngrams(text: str, chars: int = 30, low: int = 1, high: int = 3) -> list[str]:
    """Character n-grams of the first ``chars`` characters only. Citizen messages arrive as
    title + body run together; the title (about the first 30 characters) names the matter, so
    a separate feature block lets the model weigh it apart from the body."""
    return char_ngrams(text[:chars], low, high)


# ---------------------------------------------------------------- shared text analysis
#
# The sentiment and the section model read the same lead, and each of their vectorizers used
# to fold, segment and count it again (per text: four folds, two segmentations, two identical
# character n-gram counts). Inside ``shared_features()`` a text is folded and segmented once
# and each distinct analyzer's counts are computed once, whichever model asks; the counts are
# exactly what the pickled analyzers return.


class _Analysed:
    """One text's folded form, tokens and n-gram counts per analyzer, computed on demand."""

    __slots__ = ("text", "_folded", "_tokens", "counts", "codes")

    def __init__(self, text: str, folded: str | None = None):
        self.text = text
        self._folded = folded
        self._tokens: list[str] | None = None
        self.counts: dict[tuple[Any, ...], Counter[str]] = {}
        self.codes: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray]] = {}

    @property
    def folded(self) -> str:
        if self._folded is None:
            self._folded = fold(self.text)
        return self._folded

    @property
    def tokens(self) -> list[str]:
        if self._tokens is None:
            # tokenize() minus its own fold: the same cut of the same folded string.
            self._tokens = tokenize_folded(self.folded)
        return self._tokens


def _shared_word_ngrams(doc: _Analysed, low: int = 1, high: int = 2) -> list[str]:
    return _token_ngrams(doc.tokens, low, high)


def _shared_char_ngrams(doc: _Analysed, low: int = 1, high: int = 3) -> list[str]:
    return _folded_char_ngrams(doc.folded, low, high)


def _shared_head_char_ngrams(doc: _Analysed, chars: int = 30, low: int = 1,
                             high: int = 3) -> list[str]:
    # fold maps character by character, keeping length: fold(text[:n]) == fold(text)[:n].
    return _folded_char_ngrams(doc.folded[:chars], low, high)


# The pickled analyzers (their import paths are the saved models' interface) and their
# equivalents over a shared analysis.
_SHARED_ANALYZERS = {
    word_ngrams: _shared_word_ngrams,
    char_ngrams: _shared_char_ngrams,
    head_char_ngrams: _shared_head_char_ngrams,
}
_shared: ContextVar[dict[str, _Analysed] | None] = ContextVar("shared_text_features", default=None)


@contextmanager
def shared_features() -> Iterator[None]:
    """Within the block, models reuse each text's folding, tokens and n-gram counts (a nested
    block shares the outer one). Results are identical with or without it; keep blocks to one
    batch, as they hold every text seen."""
    if _shared.get() is not None:
        yield
        return
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def _analysed(text: str) -> _Analysed:
    docs = _shared.get()
    if docs is None:
        return _Analysed(text)
    doc = docs.get(text)
    if doc is None:
        doc = docs[text] = _Analysed(text)
    return doc


def seed_folded(text: str, folded: str) -> None:
    """Tell the current ``shared_features()`` block that ``fold(text) == folded`` (a caller
    that folded a longer string already holds the fold of each of its prefixes)."""
    docs = _shared.get()
    if docs is not None and text not in docs:
        docs[text] = _Analysed(text, folded)


def folded_text(text: str) -> str:
    """``fold(text)``, computed once per ``shared_features()`` block."""
    return _analysed(text).folded

