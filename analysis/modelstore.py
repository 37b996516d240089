"""Saved text models and the linear word+character TF-IDF classifier that both the sentiment and
the section models are.

Three neighbours hold the rest and are re-exported here, because the shipped pickles name
``analysis.modelstore.<name>`` (their import path is the interface): saving and loading with
provenance (``analysis.model_files``), the feature definitions (``analysis.features``) and the fast
vectorizer path (``analysis.fast_vectorizer``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.pipeline import FeatureUnion, Pipeline

from analysis.fast_vectorizer import FastTfidfVectorizer
from analysis.features import (  # noqa: F401  (pickles and callers name them here)
    _analysed,
    char_ngrams,
    folded_text,
    head_char_ngrams,
    seed_folded,
    shared_features,
    word_ngrams,
)
from analysis.model_files import (  # noqa: F401
    CHECKED_LIBRARIES,
    META_FILE,
    MODEL_FILE,
    ModelVersionWarning,
    _shrink,
    check_versions,
    file_sha256,
    library_versions,
    load_model,
    provenance,
    save_model,
)
from analysis.text import is_content_token

logger = logging.getLogger(__name__)

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
