"""Which section (业务科室) owns a message: a classifier trained on any ``text,label`` CSV.

Bureaus have their own sections, so nothing here knows the label set: the model learns it from
its data. The shipped ``analysis/models/sections_justice`` is a bootstrap trained on a small
hand-written seed set (``analysis/data/justice_sections_seed.csv``) for the default Justice
Bureau sections; it is meant to be retrained from the duty officers' own assignments
(``yuqing train sections``). Confidence is the calibrated probability of the chosen section.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from analysis.modelstore import LinearTextModel, load_model, text_features

logger = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parent / "models"
JUSTICE_MODEL_DIR = MODELS_DIR / "sections_justice"
# Citizen messages put the matter in the title and first lines; the cap bounds the cost.
MAX_CHARS = 4000
# Titles of citizen messages run to about this many characters.
HEAD_CHARS = 30
# NBSVM regularisation and the word block's weight beside the character blocks, chosen by
# 5-fold CV on the Teddy training part only (docs/analysis.md).
NB_C = 3.0
WORD_WEIGHT = 1.5


@dataclass(frozen=True)
class SectionPrediction:
    label: str
    confidence: float
    terms: list[tuple[str, float]] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)


class NBLinearSVC(ClassifierMixin, BaseEstimator):
    """One-vs-rest linear SVMs on features scaled by naive-Bayes log-count ratios (NBSVM,
    Wang & Manning 2012): a feature's weight for a section starts from how much more often it
    appears in that section's messages than in the others', so rare but telling terms count
    before the SVM has seen many of them. Each class's model is still linear in the input,
    so ``coef_`` holds ratio × weight and the model explains itself like any linear one."""

    def __init__(self, C: float = 3.0, alpha: float = 1.0, class_weight: str | None = "balanced",
                 random_state: int = 0):
        self.C = C
        self.alpha = alpha
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, X: sparse.spmatrix, y: Sequence[str]) -> NBLinearSVC:
        X = sparse.csr_matrix(X)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        present = (X > 0).astype(np.float64)
        coef, intercept = [], []
        for c in self.classes_:
            mine = y == c
            p = self.alpha + np.asarray(present[mine].sum(axis=0)).ravel()
            q = self.alpha + np.asarray(present[~mine].sum(axis=0)).ravel()
            ratio = np.log((p / p.sum()) / (q / q.sum()))
            # Ratio-scaled features are larger than TF-IDF's; liblinear needs more than 1,000 passes.
            svm = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state,
                            max_iter=10000)
            svm.fit(X.multiply(ratio).tocsr(), mine.astype(int))
            coef.append(ratio * svm.coef_[0])
            intercept.append(svm.intercept_[0])
        self.coef_ = np.vstack(coef)
        self.intercept_ = np.asarray(intercept)
        return self

    def decision_function(self, X: sparse.spmatrix) -> np.ndarray:
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict(self, X: sparse.spmatrix) -> np.ndarray:
        return self.classes_[self.decision_function(X).argmax(axis=1)]


CLASSIFIERS = ("svc", "nbsvm")
# NB-weighted SVMs beat the plain SVM in 2x5-fold CV on the Teddy training part (macro-F1
# +0.007, 7 of 10 folds, the real pipeline refitted per fold) and on the held-out rows
# (0.909 vs 0.907); offsets, stacking and a pair stage did not (docs/analysis.md).
DEFAULT_CLASSIFIER = "nbsvm"


def build_pipeline(n_rows: int, classifier: str = DEFAULT_CLASSIFIER) -> Pipeline:
    """NB-weighted SVMs (``"nbsvm"``, :class:`NBLinearSVC`, the default) or a plain linear SVM
    (``"svc"``), calibrated by sigmoid (Platt) on internal folds; tiny data sets get logistic
    regression instead, as there are too few rows per class to calibrate on held-out folds."""
    if classifier not in CLASSIFIERS:
        raise ValueError(f"未知分类器 {classifier!r} (classifier must be one of {CLASSIFIERS})")
    min_df = 1 if n_rows < 2000 else 2
    # Word unigrams: bigrams added nothing on the Teddy messages (3-fold CV) but size. The
    # head block (character n-grams of the first 30 characters, where the title is) raised
    # 3-fold CV macro-F1 on the Teddy training part from 0.890 to 0.901 (docs/analysis.md).
    features = text_features(
        min_df=min_df, word_range=(1, 1), max_word_features=30000, max_char_features=50000,
        head_chars=HEAD_CHARS,
    )
    if n_rows < 400:
        clf: BaseEstimator = LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000)
        return Pipeline([("features", features), ("clf", clf)])
    if classifier == "nbsvm":
        base: BaseEstimator = NBLinearSVC(C=NB_C)
        features.set_params(transformer_weights={"words": WORD_WEIGHT})
    else:
        base = LinearSVC(C=1.0, class_weight="balanced", random_state=0)
    # ensemble=False: one model fitted on all rows, calibrated on out-of-fold scores, so the
    # saved model holds one coefficient matrix instead of three.
    clf = CalibratedClassifierCV(base, method="sigmoid", cv=3, ensemble=False)
    return Pipeline([("features", features), ("clf", clf)])


class SectionModel(LinearTextModel):
    def predict(self, texts: Sequence[str], *, explain: bool = True) -> list[SectionPrediction]:
        if not texts:
            return []
        probs, x = self.probabilities([t[:MAX_CHARS] if t else "" for t in texts])
        out = []
        for i, row in enumerate(probs):
            k = int(row.argmax())
            scores = {label: round(float(row[j]), 4) for j, label in enumerate(self.labels)}
            terms = self.explain_matrix_row(x, i, k) if explain else []
            out.append(SectionPrediction(self.labels[k], round(float(row[k]), 4), terms, scores))
        return out


def load_section_model(path: Path | None = None) -> SectionModel:
    """The model in ``path``, or the shipped Justice-Bureau bootstrap model when None."""
    pipeline, meta = load_model(Path(path) if path else JUSTICE_MODEL_DIR)
    if meta.get("kind") != "sections":
        raise ValueError(f"{path} 不是科室分类模型 (not a sections model: kind={meta.get('kind')})")
    return SectionModel(pipeline, meta)
