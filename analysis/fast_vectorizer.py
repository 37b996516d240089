"""The fast path of ``TfidfVectorizer.transform``: counting with ``collections.Counter`` and
integer codes instead of scikit-learn's per-feature Python loop. It must equal scikit-learn's own
``transform`` bit for bit (analysis/tests/test_modelstore.py is the contract);
``YUQING_FAST_VECTORIZER=0`` in the environment falls back to scikit-learn's ``transform``.
"""
from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from functools import partial
from itertools import chain, repeat
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from analysis.features import (
    _SHARED_ANALYZERS,
    _SPACES_RE,
    _analysed,
    char_ngrams,
    head_char_ngrams,
    word_ngrams,
)


def _shared_counter(analyzer: Any) -> Callable[[str], Counter[str]] | None:
    """For a pickled ``partial(word_ngrams | char_ngrams | head_char_ngrams, **kw)``, a function
    text -> term counts reading the shared analysis; None for any other analyzer."""
    if not isinstance(analyzer, partial) or analyzer.args:
        return None
    fast = _SHARED_ANALYZERS.get(analyzer.func)
    if fast is None:
        return None
    kwargs = dict(analyzer.keywords)
    key = (analyzer.func.__name__, *sorted(kwargs.items()))

    def counts(text: str) -> Counter[str]:
        doc = _analysed(text)
        found = doc.counts.get(key)
        if found is None:
            found = doc.counts[key] = Counter(fast(doc, **kwargs))
        return found

    return counts


# ---------------------------------------------------------------- character n-grams as integers
#
# A 330-character lead has ~1,000 character 1-3-grams; as strings each one is built, hashed,
# counted in a Counter and looked up in two vocabularies of up to 80,000 terms (half the cost of
# both models). As integers (code points packed into one uint64) they are counted by one sort
# and looked up by one binary search per vocabulary, with the same counts and columns.
# Packing: 3-grams c1<<42|c2<<21|c3 (< 2**63); 2-grams TAG2|c1<<21|c2; 1-grams TAG1|c, where the
# tags set bit 63 (2-grams) or bits 63 and 62 (1-grams, whose code points stay below 2**21):
# no two n-grams share a code.
_TAG1 = np.uint64(3 << 62)
_TAG2 = np.uint64(1 << 63)
_CODE_VOCABS: WeakKeyDictionary[Any, tuple[dict[str, int], np.ndarray, np.ndarray]] = (
    WeakKeyDictionary()
)


def _code_of(term: str) -> int | None:
    n = len(term)
    if n == 1:
        return (3 << 62) | ord(term)
    if n == 2:
        return (1 << 63) | (ord(term[0]) << 21) | ord(term[1])
    if n == 3:
        return (ord(term[0]) << 42) | (ord(term[1]) << 21) | ord(term[2])
    return None  # an analyzer of at most 3 characters never produces it


def _char_codes(folded: str, low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct n-gram codes, their counts) of ``_folded_char_ngrams(folded, low, high)``."""
    t = _SPACES_RE.sub(" ", folded)
    cps = np.frombuffer(t.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    parts = []
    if low <= 1 <= high:
        parts.append(cps | _TAG1)
    if low <= 2 <= high:
        parts.append((cps[:-1] << np.uint64(21)) | cps[1:] | _TAG2)
    if low <= 3 <= high:
        parts.append((cps[:-2] << np.uint64(42)) | (cps[1:-1] << np.uint64(21)) | cps[2:])
    codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
    if codes.size == 0:
        return codes, np.zeros(0, dtype=np.int64)
    codes.sort()
    first = np.empty(codes.size, dtype=bool)
    first[0] = True
    np.not_equal(codes[1:], codes[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return codes[starts], np.diff(np.append(starts, codes.size))


def _char_spec(analyzer: Any) -> tuple[int, int, int | None] | None:
    """(low, high, head chars or None) for our character analyzers up to 3-grams, else None."""
    if not isinstance(analyzer, partial) or analyzer.args:
        return None
    kw = analyzer.keywords
    if analyzer.func is char_ngrams and set(kw) <= {"low", "high"}:
        spec = (kw.get("low", 1), kw.get("high", 3), None)
    elif analyzer.func is head_char_ngrams and set(kw) <= {"chars", "low", "high"}:
        spec = (kw.get("low", 1), kw.get("high", 3), kw.get("chars", 30))
    else:
        return None
    return spec if 1 <= spec[0] <= spec[1] <= 3 else None


def _vocab_codes(vectorizer: Any) -> tuple[np.ndarray, np.ndarray]:
    """The vectorizer's vocabulary as (sorted codes, their columns), built once per fitted
    vocabulary (kept beside the instance, not in it, so saved models do not change; a refit
    assigns a new ``vocabulary_`` and so rebuilds it)."""
    vocab = vectorizer.vocabulary_
    found = _CODE_VOCABS.get(vectorizer)
    if found is None or found[0] is not vocab:
        pairs = [(c, col) for term, col in vocab.items() if (c := _code_of(term)) is not None]
        codes = np.fromiter((c for c, _ in pairs), dtype=np.uint64, count=len(pairs))
        cols = np.fromiter((col for _, col in pairs), dtype=np.int64, count=len(pairs))
        order = np.argsort(codes, kind="stable")
        found = _CODE_VOCABS[vectorizer] = (vocab, codes[order], cols[order])
    return found[1], found[2]


def _word_spec(analyzer: Any) -> tuple[int, int] | None:
    """(low, high) for our word analyzer up to bigrams, else None."""
    if not isinstance(analyzer, partial) or analyzer.args or analyzer.func is not word_ngrams:
        return None
    kw = analyzer.keywords
    if not set(kw) <= {"low", "high"}:
        return None
    spec = (kw.get("low", 1), kw.get("high", 2))
    return spec if 1 <= spec[0] <= spec[1] <= 2 else None


_WORD_VOCABS: WeakKeyDictionary[Any, tuple[dict[str, int], tuple[Any, ...]]] = WeakKeyDictionary()


def _vocab_word_ids(vectorizer: Any) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    """The word vocabulary by token id: (token -> id for every token of a vocabulary term,
    unigram column by id or -1, sorted bigram keys id1 * tokens + id2, their columns). Terms
    that are no unigram or bigram of space-free tokens are left out: no space-free document
    produces them. Built once per fitted vocabulary, as ``_vocab_codes``."""
    vocab = vectorizer.vocabulary_
    found = _WORD_VOCABS.get(vectorizer)
    if found is None or found[0] is not vocab:
        tokmap: dict[str, int] = {}
        unigrams, bigrams = [], []
        for term, col in vocab.items():
            parts = term.split(" ")
            if not all(parts) or len(parts) > 2:
                continue
            ids = [tokmap.setdefault(p, len(tokmap)) for p in parts]
            (unigrams if len(ids) == 1 else bigrams).append((*ids, int(col)))
        uni_cols = np.full(len(tokmap), -1, dtype=np.int64)
        for tid, col in unigrams:
            uni_cols[tid] = col
        keys = np.asarray([a * len(tokmap) + b for a, b, _ in bigrams], dtype=np.int64)
        cols = np.asarray([c for _, _, c in bigrams], dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        found = _WORD_VOCABS[vectorizer] = (vocab, (tokmap, uni_cols, keys[order], cols[order]))
    return found[1]


def _shared_char_codes(text: str, spec: tuple[int, int, int | None]) -> tuple[np.ndarray, np.ndarray]:
    doc = _analysed(text)
    found = doc.codes.get(spec)
    if found is None:
        low, high, head = spec
        folded = doc.folded if head is None else doc.folded[:head]
        found = doc.codes[spec] = _char_codes(folded, low, high)
    return found


def fast_path_enabled() -> bool:
    """False when ``YUQING_FAST_VECTORIZER=0``: the escape hatch if a scikit-learn upgrade ever
    made the two paths differ before the contract test catches it."""
    return os.environ.get("YUQING_FAST_VECTORIZER", "1").strip() not in ("0", "false", "no", "off")


class FastTfidfVectorizer(TfidfVectorizer):
    """TfidfVectorizer whose ``transform`` counts with ``collections.Counter`` and looks terms
    up with ``map``: scikit-learn's per-feature Python loop was 60 % of the cost of scoring a
    2 KB article. Fitting is scikit-learn's own; the result equals its ``transform``
    (sublinear tf, idf, l2 norm; the public ``vocabulary_`` and ``idf_`` only). Our own
    analyzers read the shared analysis (``shared_features``) instead of re-folding the text."""

    def transform(self, raw_documents: Iterable[str]) -> sparse.csr_matrix:
        docs = list(raw_documents)
        if not fast_path_enabled():
            return super().transform(docs)
        spec = _char_spec(self.analyzer)
        words = _word_spec(self.analyzer)
        strings = all(isinstance(d, str) for d in docs)
        found = None
        if spec is not None and strings:
            found = self._code_columns(docs, spec)
        elif words is not None and strings:
            found = self._word_id_columns(docs, words)
        cols, tf, sizes = found if found is not None else self._term_columns(docs)
        # Rows are the documents in order, so the CSR arrays are built directly (a vocabulary
        # maps distinct terms to distinct columns: no duplicates for a COO pass to sum).
        indptr = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=indptr[1:])
        x = sparse.csr_matrix((tf, cols, indptr), shape=(len(sizes), len(self.vocabulary_)))
        x.sort_indices()
        if self.sublinear_tf:
            np.log(x.data, x.data)
            x.data += 1.0
        if self.use_idf:
            x.data *= self.idf_[x.indices]  # what x.multiply(idf_) computes, without copies
        if self.norm:
            x = normalize(x, norm=self.norm, copy=False)
        return x.astype(self.dtype)

    def _term_columns(self, docs: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(columns, counts, known terms per document) by counting term strings."""
        shared = _shared_counter(self.analyzer)
        analyze = self.build_analyzer()
        # One flat list of (term, count) for the whole batch and one numpy pass at the end:
        # numpy calls per document cost more than the counting when documents are sentences.
        terms: list[str] = []
        tfs: list[int] = []
        sizes: list[int] = []
        for doc in docs:
            if shared is not None and isinstance(doc, str):
                counts = shared(doc)
            else:
                counts = Counter(analyze(doc))
            terms.extend(counts)
            tfs.extend(counts.values())
            sizes.append(len(counts))
        vocab = self.vocabulary_
        idx = np.fromiter(map(vocab.get, terms, repeat(-1)), dtype=np.int64, count=len(terms))
        keep = idx >= 0
        rows = np.repeat(np.arange(len(sizes)), sizes)
        known = np.bincount(rows[keep], minlength=len(sizes))
        return idx[keep], np.asarray(tfs, dtype=np.float64)[keep], known

    def _word_id_columns(self, docs: list[str], spec: tuple[int, int]
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The same for word 1-2-grams, from token ids: each token is looked up once, bigrams
        are pairs of ids, and the whole batch is counted by one ``np.unique`` (building,
        hashing and counting every "a b" string was most of the cost of the word block).
        None when some token holds a space: "a b" + "c" and "a" + "b c" would then name the
        same bigram, and the strings decide."""
        tokens = [_analysed(d).tokens for d in docs]
        flat = list(chain.from_iterable(tokens))
        if " " in "".join(flat):
            return None
        tokmap, uni_cols, pair_keys, pair_cols = _vocab_word_ids(self)
        n_docs, width = len(docs), len(self.vocabulary_)
        lens = np.fromiter(map(len, tokens), dtype=np.int64, count=n_docs)
        ids = np.fromiter(map(tokmap.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        rows = np.repeat(np.arange(n_docs, dtype=np.int64), lens)
        low, high = spec
        keys = []  # row * width + column of every known n-gram, repeats kept
        if low <= 1:
            known = ids[ids >= 0]
            col = uni_cols[known]
            hit = col >= 0
            keys.append(rows[ids >= 0][hit] * width + col[hit])
        if high >= 2 and ids.size > 1 and pair_keys.size:
            # Bigrams: neighbouring tokens of one document, both known.
            ok = (rows[1:] == rows[:-1]) & (ids[1:] >= 0) & (ids[:-1] >= 0)
            pair = ids[:-1][ok] * len(tokmap) + ids[1:][ok]
            pos = np.searchsorted(pair_keys, pair)
            pos[pos == pair_keys.size] = 0
            hit = pair_keys[pos] == pair
            keys.append(rows[:-1][ok][hit] * width + pair_cols[pos[hit]])
        every = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
        # Sorted by row, then column: the CSR order (sort_indices has nothing left to do).
        found, counts = np.unique(every, return_counts=True)
        return (found % width, counts.astype(np.float64),
                np.bincount(found // width, minlength=n_docs))

    def _code_columns(self, docs: list[str], spec: tuple[int, int, int | None]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The same for character n-grams, counted and looked up as integer codes."""
        vcodes, vcols = _vocab_codes(self)
        found = [_shared_char_codes(doc, spec) for doc in docs]
        # One look-up for the whole batch: numpy calls per document cost more than the search.
        codes = np.concatenate([c for c, _ in found]) if found else np.zeros(0, dtype=np.uint64)
        if not codes.size or not vcodes.size:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64), np.zeros(len(docs), dtype=np.int64)
        counts = np.concatenate([n for _, n in found])
        rows = np.repeat(np.arange(len(docs)), [c.size for c, _ in found])
        pos = np.searchsorted(vcodes, codes)
        pos[pos == vcodes.size] = 0
        hit = vcodes[pos] == codes
        known = np.bincount(rows[hit], minlength=len(docs))
        return vcols[pos[hit]], counts[hit].astype(np.float64), known

