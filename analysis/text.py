"""Text normalisation and tokenisation shared by every analysis model.

Crawled Chinese text arrives full-width, partly traditional, sprinkled with HTML entities and
tag residue. ``normalize`` cleans it for storage and display; ``fold`` is the cheap,
length-preserving variant used before matching and tokenising, so that character offsets found
on folded text are valid offsets in the original string (keyword highlighting relies on this).

``tokenize`` cuts with rjieba (the Rust port of jieba, about 20x faster) with jieba's own
semantics: default dictionary, HMM off, plus the bureau's user dictionary
(``analysis/dicts/user_dict.txt``). Saved models pickle the import path
``analysis.text.tokenize``, so the names in this module are part of the model interface.
"""

from __future__ import annotations

import html
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import rjieba
import zhconv

logger = logging.getLogger(__name__)

DICT_DIR = Path(__file__).resolve().parent / "dicts"
USER_DICT_PATH = DICT_DIR / "user_dict.txt"
STOPWORDS_PATH = DICT_DIR / "stopwords.txt"

_TAG_RE = re.compile(r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]{0,500})?/?>", re.DOTALL)
_HSPACE_RE = re.compile(r"[^\S\n]+")
_NEWLINES_RE = re.compile(r"\s*\n\s*")
# A token made only of punctuation, symbols or spaces carries no content of its own.
_NON_CONTENT_RE = re.compile(r"^[\W_]+$")

_lock = threading.Lock()
_tokenizer: rjieba.Jieba | None = None


def _is_surrogate(cp: int) -> bool:
    return 0xD800 <= cp <= 0xDFFF


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """One-character-to-one-character map: NFKC width folding, traditional to simplified, lower
    case. Built once for the BMP (~30 ms) so ``str.translate`` does the work at C speed."""
    hans = {k: v for k, v in zhconv.zhconv.getdict("zh-hans").items() if len(k) == 1 and len(v) == 1}
    table: dict[int, str] = {}
    for cp in range(0x20, 0x10000):
        if _is_surrogate(cp):
            continue
        ch = chr(cp)
        out = unicodedata.normalize("NFKC", ch)
        if len(out) != 1:
            out = ch
        out = hans.get(out, out)
        low = out.lower()
        if len(low) == 1:
            out = low
        if unicodedata.category(out) in ("Cf", "Zs"):
            # Zero-width joiners, BOMs and exotic spaces become a plain space.
            out = " "
        if out != ch:
            table[cp] = out
    return table


@lru_cache(maxsize=1)
def _fold_lut() -> np.ndarray:
    """``_fold_table`` as a code-point array over the BMP (identity where nothing changes)."""
    lut = np.arange(0x10000, dtype=np.uint32)
    for cp, out in _fold_table().items():
        lut[cp] = ord(out)
    return lut


# Below this length str.translate is cheaper than the round trip through numpy.
_FOLD_NUMPY_FROM = 48


def fold(text: str) -> str:
    """Width-fold, simplify and lower-case ``text`` without changing its length.

    ``str.translate`` with a dict costs ~45 ns a character (a dict lookup per code point: 2 KB
    articles spent 13 % of the Analyzer's time here); long texts go through a numpy lookup
    table instead (~2.5 ns a character), with the identical result."""
    if len(text) < _FOLD_NUMPY_FROM:
        return text.translate(_fold_table())
    # surrogatepass: crawled text can hold lone surrogates; they pass through unchanged.
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    out = _fold_lut()[cps & 0xFFFF]
    if cps.max() > 0xFFFF:  # astral characters are not in the table: unchanged
        out = np.where(cps > 0xFFFF, cps, out)
    return out.tobytes().decode("utf-32-le", "surrogatepass")


def normalize(text: str) -> str:
    """Clean text for storage and analysis: entities decoded, tag residue removed, NFKC
    (full-width to half-width), traditional to simplified (mainland wording), whitespace collapsed
    (runs of spaces to one space, blank lines to one newline)."""
    if not text:
        return ""
    text = html.unescape(text)
    text = _TAG_RE.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    if not zhconv.issimp(text, full=True):
        text = zhconv.convert(text, "zh-cn")
    text = text.replace("\u200b", "").replace("\ufeff", "")
    text = _HSPACE_RE.sub(" ", text)
    text = _NEWLINES_RE.sub("\n", text)
    return text.strip()


def read_user_dict(path: Path = USER_DICT_PATH) -> list[tuple[str, int | None]]:
    """(word, frequency or None) pairs from a jieba-format user dictionary."""
    words: list[tuple[str, int | None]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        words.append((fold(parts[0]), freq))
    return words


def user_word_frequencies(words: Iterable[tuple[str, int | None]]) -> list[tuple[str, int]]:
    """Resolve missing frequencies the way jieba's ``add_word`` does (``suggest_freq``), in order,
    so that jieba and rjieba can be loaded with identical numbers."""
    probe = rjieba.Jieba()
    out = []
    for word, freq in words:
        resolved = freq if freq is not None else probe.suggest_freq(word)
        probe.add_word(word, resolved, None)
        out.append((word, resolved))
    return out


def _get_tokenizer() -> rjieba.Jieba:
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                # A private instance so that other code adding words to rjieba's global default
                # cannot change how our saved models see text.
                jb = rjieba.Jieba()
                for word, freq in user_word_frequencies(read_user_dict()):
                    jb.add_word(word, freq, None)
                _tokenizer = jb
    return _tokenizer


def add_words(words: Iterable[str]) -> None:
    """Add words (e.g. a bureau's own place names) to the shared tokenizer at run time."""
    jb = _get_tokenizer()
    with _lock:
        for word in words:
            w = fold(word.strip())
            if w:
                jb.add_word(w, jb.suggest_freq(w), None)


def tokenize(text: str) -> list[str]:
    """Words of ``text`` (folded), whitespace dropped, punctuation kept."""
    return tokenize_folded(fold(text)) if text else []


def tokenize_folded(folded: str) -> list[str]:
    """``tokenize`` of a text whose ``fold`` the caller already holds."""
    if not folded:
        return []
    return [t for t in _get_tokenizer().cut(folded, hmm=False) if not t.isspace()]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    lines = STOPWORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(fold(w.strip()) for w in lines if w.strip() and not w.startswith("#"))


def is_content_token(token: str) -> bool:
    return bool(token) and token not in stopwords() and not _NON_CONTENT_RE.match(token)


def content_tokens(text: str) -> list[str]:
    """Tokens that carry meaning: stop words and punctuation removed."""
    return [t for t in tokenize(text) if is_content_token(t)]


def _trie_pattern(terms: set[str]) -> str:
    """A regex of the terms as a character trie ("火(?:灾|情)" rather than "火灾|火情"):
    Python's re tries each alternative in turn, so a flat list of ~300 words
    costs far more per character than the trie. Longer continuations come first
    so "聚集性疫情" wins over "聚集" at the same position."""
    children: dict[str, set[str]] = {}
    ends_here = False
    for t in terms:
        if t:
            children.setdefault(t[0], set()).add(t[1:])
        else:
            ends_here = True
    branches = [re.escape(ch) + _trie_pattern(rest) for ch, rest in sorted(children.items())]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 and not ends_here else "(?:" + "|".join(branches) + ")"
    return body + "?" if ends_here else body


def trie_regex(terms: Iterable[str]) -> re.Pattern[str]:
    """One compiled regex matching any of ``terms`` (longest first at a position); matches
    nothing when there are none."""
    unique = {t for t in terms if t}
    return re.compile(_trie_pattern(unique) if unique else r"(?!x)x")


def code_points(text: str) -> np.ndarray:
    """``text``'s code points with astral ones as 0, for lookup tables over the BMP (as
    numpy's index type: ``take`` would convert them on every look-up)."""
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if cps.size and cps.max() > 0xFFFF:
        cps = np.where(cps > 0xFFFF, np.uint32(0), cps)
    return cps.astype(np.intp)


class PairIndex:
    """Where terms of two characters or more may begin in a text: the positions at which the
    first two characters of some term occur, found for the whole text in one numpy pass.

    Python's ``re`` tries a trie regex's first-character branches one by one at every
    position whose character begins some term (~16 ns a character for the ~240 event
    words; far more for thousands of place names); here each position costs two table
    look-ups and a flag, and only the few marked positions are matched. Memory: two
    128 KB character tables and a flag per (first, second) character pair (~600 KB for the
    place gazetteers, a few KB for word lists)."""

    def __init__(self, terms: Iterable[str], groups: Mapping[str, int] | None = None):
        """``groups``: a bit (1 to 128) per term, for telling term lists apart in ``marks``;
        all terms are group 1 without it."""
        terms = list(terms)
        if not self.accepts(terms):
            raise ValueError("PairIndex terms need two characters or more, in the BMP, no NUL")
        # Row and column 0 are characters that begin no term / follow no term's first one.
        firsts = sorted({t[0] for t in terms})
        seconds = sorted({t[1] for t in terms})
        self.firsts = np.zeros(0x10000, dtype=np.uint16)
        self.seconds = np.zeros(0x10000, dtype=np.uint16)
        self.firsts[[ord(c) for c in firsts]] = np.arange(1, len(firsts) + 1)
        self.seconds[[ord(c) for c in seconds]] = np.arange(1, len(seconds) + 1)
        self.width = len(seconds) + 1
        size = (len(firsts) + 1) * self.width
        self.dtype = np.int32 if size < 2**31 else np.int64
        self.flags = np.zeros(size, dtype=np.uint8)
        pairs = (self.firsts[[ord(t[0]) for t in terms]].astype(np.int64) * self.width
                 + self.seconds[[ord(t[1]) for t in terms]])
        np.bitwise_or.at(self.flags, pairs,
                         np.array([groups[t] for t in terms] if groups else 1, dtype=np.uint8))

    @staticmethod
    def accepts(terms: Iterable[str]) -> bool:
        """Whether every term can be indexed (else match the terms some other way)."""
        return all(len(t) >= 2 and max(t) <= "\uffff" and "\x00" not in t for t in terms)

    def marks(self, codes: np.ndarray) -> np.ndarray:
        """Per position of ``code_points(text)`` (but the last), the groups of the terms whose
        first two characters occur there (0: none)."""
        if codes.size < 2:
            return np.zeros(0, dtype=np.uint8)
        pair = self.firsts.take(codes[:-1]).astype(self.dtype)
        pair *= self.width
        pair += self.seconds.take(codes[1:])
        return self.flags.take(pair)

    def begins(self, codes: np.ndarray) -> list[int]:
        """Positions of ``code_points(text)`` where some term's first two characters occur."""
        return self.marks(codes).nonzero()[0].tolist()

    def finditer(self, pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
        """``pattern.finditer(text)`` for a pattern that matches only this index's terms
        (a ``trie_regex`` of them): every match begins at a marked position, so matching
        there, left to right and past each match's end, finds the same matches."""
        pos = 0
        for i in self.begins(code_points(text)):
            if i >= pos:
                m = pattern.match(text, i)
                if m:
                    yield m
                    pos = m.end()
