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


@dataclass(frozen=True)
class SectionPrediction:
    label: str
    confidence: float
    terms: list[tuple[str, float]] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)


def build_pipeline(n_rows: int, classifier: str = "svc") -> Pipeline:
    """Linear SVM calibrated by sigmoid (Platt) on internal folds; tiny data sets get logistic
    regression instead, as there are too few rows per class to calibrate on held-out folds."""
    min_df = 1 if n_rows < 2000 else 2
    # Word unigrams: bigrams added nothing on the Teddy messages (3-fold CV) but size. The
    # head block (character n-grams of the first 30 characters, where the title is) raised
    # 3-fold CV macro-F1 on the Teddy training part from 0.890 to 0.901 (docs/analysis.md).
    features = text_features(
        min_df=min_df, word_range=(1, 1), max_word_features=30000, max_char_features=50000,
        head_chars=HEAD_CHARS,
    )
    if classifier == "svc" and n_rows >= 400:
        # ensemble=False: one SVM fitted on all rows, calibrated on out-of-fold scores, so the
        # saved model holds one coefficient matrix instead of three.
        clf = CalibratedClassifierCV(
            LinearSVC(C=1.0, class_weight="balanced", random_state=0), method="sigmoid", cv=3, ensemble=False
        )
    else:
        clf = LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000)
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
