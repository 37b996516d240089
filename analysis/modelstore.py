"""Saved text models: a directory with ``model.joblib`` and ``meta.json``, and the linear
word+character TF-IDF classifier that both the sentiment and the section models are.

``meta.json`` records what a model is and where it came from (kind, labels, sha256 and row
count of every training file, library versions, creation time, held-out metrics), following
scikit-learn's model-persistence advice. Loading a model saved with another scikit-learn or
numpy version warns: pickles are only guaranteed to work with the versions that wrote them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import partial
from importlib import metadata
from itertools import repeat
from operator import add
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import joblib
import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import normalize

from analysis.text import fold, is_content_token, tokenize, tokenize_folded

logger = logging.getLogger(__name__)

MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
# Libraries whose version changes can break or silently change an unpickled model.
CHECKED_LIBRARIES = ("scikit-learn", "numpy", "scipy")


class ModelVersionWarning(UserWarning):
    """The model was saved with different library versions than the running ones."""


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("scikit-learn", "numpy", "scipy", "joblib", "jieba", "rjieba"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def provenance(paths: Iterable[Path], rows: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """One entry per training file: name, sha256, bytes and rows used."""
    out = []
    for p in paths:
        p = Path(p)
        out.append(
            {
                "file": p.name,
                "sha256": file_sha256(p),
                "bytes": p.stat().st_size,
                "rows": (rows or {}).get(p.name),
            }
        )
    return out


def save_model(
    estimator: Any,
    out: Path,
    *,
    kind: str,
    labels: Sequence[str],
    data: list[dict[str, Any]],
    metrics: dict[str, Any],
    params: dict[str, Any] | None = None,
) -> Path:
    """Write ``estimator`` and its metadata to the directory ``out``; returns ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _shrink(estimator)
    joblib.dump(estimator, out / MODEL_FILE, compress=("xz", 6))
    meta = {
        "kind": kind,
        "labels": list(labels),
        "data": data,
        "params": params or {},
        "metrics": metrics,
        "versions": library_versions(),
        "tokenizer": f"{tokenize.__module__}.{tokenize.__name__}",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (out / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", "utf-8")
    logger.info("model.saved", extra={"kind": kind, "path": str(out)})
    return out


def load_model(path: Path) -> tuple[Any, dict[str, Any]]:
    """(estimator, meta) from a model directory; warns on library version mismatch."""
    path = Path(path)
    meta = json.loads((path / META_FILE).read_text("utf-8"))
    check_versions(meta, str(path))
    estimator = joblib.load(path / MODEL_FILE)
    return estimator, meta


def check_versions(meta: dict[str, Any], where: str = "") -> list[str]:
    """Warn (``warnings`` and the log) about every checked library whose version differs."""
    saved = meta.get("versions", {})
    running = library_versions()
    problems = [
        f"{lib} {saved.get(lib)} -> {running.get(lib)}"
        for lib in CHECKED_LIBRARIES
        if saved.get(lib) and saved.get(lib) != running.get(lib)
    ]
    if problems:
        message = (
            f"模型 {where} 保存时的库版本与当前不同，预测可能出错或不准，请重新训练 "
            f"(model saved with other library versions, retrain it): {'; '.join(problems)}"
        )
        warnings.warn(message, ModelVersionWarning, stacklevel=3)
        logger.warning("model.version_mismatch", extra={"path": where, "problems": problems})
    return problems


# ---------------------------------------------------------------- the linear text model


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


def _shared_char_codes(text: str, spec: tuple[int, int, int | None]) -> tuple[np.ndarray, np.ndarray]:
    doc = _analysed(text)
    found = doc.codes.get(spec)
    if found is None:
        low, high, head = spec
        folded = doc.folded if head is None else doc.folded[:head]
        found = doc.codes[spec] = _char_codes(folded, low, high)
    return found


class FastTfidfVectorizer(TfidfVectorizer):
    """TfidfVectorizer whose ``transform`` counts with ``collections.Counter`` and looks terms
    up with ``map``: scikit-learn's per-feature Python loop was 60 % of the cost of scoring a
    2 KB article. Fitting is scikit-learn's own; the result equals its ``transform``
    (sublinear tf, idf, l2 norm; the public ``vocabulary_`` and ``idf_`` only). Our own
    analyzers read the shared analysis (``shared_features``) instead of re-folding the text."""

    def transform(self, raw_documents: Iterable[str]) -> sparse.csr_matrix:
        docs = list(raw_documents)
        spec = _char_spec(self.analyzer)
        if spec is not None and all(isinstance(d, str) for d in docs):
            cols, tf, sizes = self._code_columns(docs, spec)
        else:
            cols, tf, sizes = self._term_columns(docs)
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

    def _code_columns(self, docs: list[str], spec: tuple[int, int, int | None]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The same for character n-grams, counted and looked up as integer codes."""
        vcodes, vcols = _vocab_codes(self)
        cols, tfs = [], []
        known = np.zeros(len(docs), dtype=np.int64)
        for i, doc in enumerate(docs):
            codes, counts = _shared_char_codes(doc, spec)
            if not codes.size or not vcodes.size:
                continue
            pos = np.searchsorted(vcodes, codes)
            pos[pos == vcodes.size] = 0
            hit = vcodes[pos] == codes
            cols.append(vcols[pos[hit]])
            tfs.append(counts[hit])
            known[i] = len(cols[-1])
        if not cols:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64), known
        return np.concatenate(cols), np.concatenate(tfs).astype(np.float64), known


def text_features(
    *,
    word_range: tuple[int, int] = (1, 2),
    char_range: tuple[int, int] = (1, 3),
    min_df: int = 2,
    max_word_features: int | None = 60000,
    max_char_features: int | None = 80000,
    head_chars: int = 0,
) -> FeatureUnion:
    """Words from :func:`analysis.text.tokenize` plus character n-grams of the folded text.

    Characters catch what the segmenter splits badly (new words, names, slang); words catch
    negation bigrams like 不 满意. The analyzers are module-level functions bound with
    ``functools.partial`` so the fitted vectorizers pickle (their import path is the interface).
    """
    words = FastTfidfVectorizer(
        analyzer=partial(word_ngrams, low=word_range[0], high=word_range[1]),
        min_df=min_df,
        max_features=max_word_features,
        sublinear_tf=True,
        dtype=np.float32,
    )
    chars = FastTfidfVectorizer(
        analyzer=partial(char_ngrams, low=char_range[0], high=char_range[1]),
        min_df=min_df,
        max_features=max_char_features,
        sublinear_tf=True,
        dtype=np.float32,
    )
    parts = [("words", words), ("chars", chars)]
    if head_chars:
        head = FastTfidfVectorizer(
            analyzer=partial(
                head_char_ngrams, chars=head_chars, low=char_range[0], high=char_range[1]
            ),
            min_df=min_df,
            sublinear_tf=True,
            dtype=np.float32,
        )
        parts.append(("head", head))
    return FeatureUnion(parts)


def _shrink(estimator: Any) -> None:
    """Drop what prediction does not need: vectorizers keep every pruned term in
    ``stop_words_`` (scikit-learn documents it as safe to delete), often megabytes."""
    if isinstance(estimator, Pipeline):
        for _, step in estimator.steps:
            _shrink(step)
    elif isinstance(estimator, FeatureUnion):
        for _, part in estimator.transformer_list:
            _shrink(part)
    elif isinstance(estimator, TfidfVectorizer) and hasattr(estimator, "stop_words_"):
        del estimator.stop_words_
    elif hasattr(estimator, "calibrated_classifiers_"):
        for calibrated in estimator.calibrated_classifiers_:
            _shrink(calibrated.estimator)
    elif hasattr(estimator, "coef_") and estimator.coef_.dtype == np.float64:
        # float32 weights halve the file; predictions agree to ~1e-7 in probability.
        estimator.coef_ = estimator.coef_.astype(np.float32)
        estimator.intercept_ = np.asarray(estimator.intercept_, dtype=np.float32)


class LinearTextModel:
    """A fitted ``Pipeline([("features", FeatureUnion), ("clf", linear classifier)])`` with
    probabilities and per-text explanations (the features that pushed the chosen class)."""

    def __init__(self, pipeline: Pipeline, meta: dict[str, Any] | None = None):
        self.pipeline = pipeline
        self.meta = meta or {}
        features: FeatureUnion = pipeline.named_steps["features"]
        self.features = features
        self.labels: list[str] = [str(c) for c in pipeline.classes_]
        names = features.get_feature_names_out()
        self._names = np.asarray([n.split("__", 1)[1] for n in names], dtype=object)
        # Features worth showing a person: words and multi-character strings with content.
        self._shown = np.asarray(
            [_readable(n.split("__", 1)[1], not n.startswith("words__")) for n in names],
            dtype=bool,
        )
        coef = self._coefficients(pipeline.named_steps["clf"])
        if coef.shape[0] == 1:  # binary: one row for classes_[1]
            coef = np.vstack([-coef[0], coef[0]])
        # Relative to the mean over classes, so a weight says "towards this class vs the rest".
        self._coef = (coef - coef.mean(axis=0, keepdims=True)).astype(np.float32)

    @staticmethod
    def _coefficients(clf: Any) -> np.ndarray:
        if hasattr(clf, "coef_"):
            return np.asarray(clf.coef_, dtype=np.float64)
        # CalibratedClassifierCV: average the calibrated folds' linear models.
        return np.mean([c.estimator.coef_ for c in clf.calibrated_classifiers_], axis=0)

    def probabilities(self, texts: Sequence[str]) -> tuple[np.ndarray, sparse.csr_matrix]:
        with shared_features():  # the word and char vectorizers fold each text once
            x = self.features.transform(list(texts))
        return self.pipeline.named_steps["clf"].predict_proba(x), sparse.csr_matrix(x)

    def explain_row(self, x_row: sparse.csr_matrix, label_index: int, top: int = 8) -> list[tuple[str, float]]:
        """Top features by |contribution| to ``label_index``; word and char features with the
        same surface string are merged so the explanation reads as words."""
        return self.explain_features(x_row.indices, x_row.data, label_index, top)

    def explain_matrix_row(self, x: sparse.csr_matrix, i: int, label_index: int,
                           top: int = 8) -> list[tuple[str, float]]:
        """``explain_row(x[i], ...)`` without building the row matrix (scipy's row indexing
        cost more than the explanation itself)."""
        start, end = x.indptr[i], x.indptr[i + 1]
        return self.explain_features(x.indices[start:end], x.data[start:end], label_index, top)

    def explain_features(self, indices: np.ndarray, data: np.ndarray, label_index: int,
                         top: int = 8) -> list[tuple[str, float]]:
        """``explain_row`` over one row's feature indices and values."""
        mask = self._shown[indices]
        idx = indices[mask]
        if idx.size == 0:
            return []
        contrib = data[mask] * self._coef[label_index, idx]
        if contrib.size > 8 * top:
            # Only the strongest candidates can make the list; merging is a Python loop.
            keep = np.argpartition(-np.abs(contrib), 8 * top)[: 8 * top]
            idx, contrib = idx[keep], contrib[keep]
        merged: dict[str, float] = {}
        for name, value in zip(self._names[idx], contrib, strict=True):
            name = name.strip()
            if name:
                merged[name] = merged.get(name, 0.0) + float(value)
        chosen: list[tuple[str, float]] = []
        for term, w in sorted(merged.items(), key=lambda kv: -abs(kv[1])):
            # A character n-gram inside a term already shown ("矫" in "社区矫正") adds nothing.
            if w == 0.0 or any(term in kept for kept, _ in chosen):
                continue
            chosen.append((term, round(w, 4)))
            if len(chosen) == top:
                break
        return chosen


def _readable(name: str, from_chars: bool) -> bool:
    parts = name.split()
    if not parts or (from_chars and (len(name.strip()) < 2 or _NON_WORD_RE.search(name))):
        return False  # character n-grams across punctuation ("故,") explain nothing
    return (
        all(not _PUNCT_RE.match(p) for p in parts)
        and any(is_content_token(p) and _TRIVIAL_RE.sub("", p) for p in parts)
    )


_PUNCT_RE = re.compile(r"^[\W_]+$")
# Numbers, dates and their units say nothing about why a text was judged so ("5", "12月", "日").
_TRIVIAL_RE = re.compile(r"[\d\W_年月日号时分秒]")
_NON_WORD_RE = re.compile(r"[\W_]")
