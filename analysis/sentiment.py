"""Three-class sentiment (negative / neutral / positive) with calibrated probabilities.

The shipped model (``analysis/models/sentiment``) is multinomial logistic regression over word
and character TF-IDF (:func:`analysis.modelstore.text_features`), trained by
``python -m analysis.training sentiment`` on Weibo posts (SMP2020-EWECT) plus down-weighted
review corpora; figures are in ``docs/analysis.md``. Logistic regression's own probabilities
are well calibrated for this kind of model, so ``scores`` are used as they are.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from analysis.modelstore import LinearTextModel, load_model, text_features

logger = logging.getLogger(__name__)

LABELS = ("negative", "neutral", "positive")
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "models" / "sentiment"
# Long articles are judged on their first 1,000 characters (title and lead carry the tone of a
# news story); it keeps a 2 KB article well under the cost of jieba.lcut on it (docs/analysis.md).
MAX_CHARS = 1000

_LABEL_ALIASES = {
    "negative": "negative", "neg": "negative", "负面": "negative", "0": "negative",
    "neutral": "neutral", "neu": "neutral", "中性": "neutral",
    "positive": "positive", "pos": "positive", "正面": "positive", "1": "positive",
}


def canonical_label(label: str) -> str | None:
    """Map a data set's label spelling to negative/neutral/positive (None = not usable)."""
    return _LABEL_ALIASES.get(str(label).strip().lower())


@dataclass(frozen=True)
class SentimentResult:
    label: str
    scores: dict[str, float]
    terms: list[tuple[str, float]] = field(default_factory=list)


def build_pipeline(c: float = 2.0) -> Pipeline:
    return Pipeline(
        [
            ("features", text_features()),
            ("clf", LogisticRegression(C=c, class_weight="balanced", max_iter=2000)),
        ]
    )


class SentimentModel(LinearTextModel):
    def predict(self, texts: Sequence[str], *, explain: bool = True) -> list[SentimentResult]:
        if not texts:
            return []
        probs, x = self.probabilities([t[:MAX_CHARS] if t else "" for t in texts])
        out = []
        for i, row in enumerate(probs):
            k = int(row.argmax())
            scores = {label: round(float(row[j]), 4) for j, label in enumerate(self.labels)}
            for label in LABELS:  # a model trained without neutral still reports all three
                scores.setdefault(label, 0.0)
            terms = self.explain_row(x[i], k) if explain else []
            out.append(SentimentResult(self.labels[k], scores, terms))
        return out


def load_sentiment_model(path: Path | None = None) -> SentimentModel:
    """The model in ``path``, or the shipped default when ``path`` is None."""
    pipeline, meta = load_model(Path(path) if path else DEFAULT_MODEL_DIR)
    if meta.get("kind") != "sentiment":
        raise ValueError(f"{path} 不是情感模型 (not a sentiment model: kind={meta.get('kind')})")
    return SentimentModel(pipeline, meta)
