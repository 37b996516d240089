"""The learned half of urgency: a small "emergency vs not" text classifier.

The lexicon scorer (``analysis.urgency``) misses what it has no word for: eyewitness posts
("房子塌了", "着火了") and routine news *about* incidents (statistics, relief work,
forecasts). A linear model over words and character 1–2-grams of the title and the first
400 characters learns the register of an incident report instead. ``score_urgency`` mixes
its probability with the lexicon score (weights in ``analysis/config/urgency.yaml``).

Training data (all in this repository, so one command rebuilds the shipped model)::

    .venv/bin/python -m analysis.urgency_model --out analysis/models/urgency

- positives: the hand-written emergency reports in ``analysis/data/urgency`` (emergencies.txt,
  emergencies_holdout.txt and the emergency lines of blind sets 2-5; provenance in
  ``analysis/data/README.md``; tests read their own fixtures, so editing a test never changes
  the product);
- negatives: routine 新闻联播 transcripts (the dev split of ``urgency_eval.jsonl.gz``, labelled
  by title when it was built, plus ``analysis/data/xinwenlianbo_sample300.jsonl.gz`` minus the
  titles listed in ``_NOT_ROUTINE``), Teddy Cup citizen messages and the routine/complaint lines
  of blind sets 2-5. Items of the test and holdout splits of ``urgency_eval.jsonl.gz`` are never
  trained on. Every hand-written file is one fold of the leave-one-file-out CV that picks the
  blend weight and whose per-file AUCs ``meta.json`` records.

Prediction does not go through scikit-learn: a logistic regression over l2-normalised TF-IDF
blocks is a sum of per-term weights, so the fitted pipeline is flattened once at load (idf and
idf × weight per term; the character vocabulary as sorted integer n-gram codes) and one text
costs one sort of its character codes (modelstore's integer n-gram codes), one binary search,
one token look-up pass and a few dot products.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

from analysis.fast_vectorizer import _char_codes, _char_spec, _vocab_codes
from analysis.features import _Analysed, _token_ngrams, word_ngrams
from analysis.modelstore import load_model, provenance, save_model, text_features

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
DEFAULT_MODEL_DIR = HERE / "models" / "urgency"
DATA = HERE / "data"
URGENCY_DATA = DATA / "urgency"
LEAD_CHARS = 400
LABELS = ("other", "emergency")
SEED = 20240601

# Indices into xinwenlianbo_sample300.jsonl.gz whose titles are not routine domestic news:
# foreign wars/disasters (condolence messages included) and domestic disaster or epidemic
# reports. Labelled by reading the titles, like the builder of urgency_eval.jsonl.gz; they
# are neither class, so they are left out rather than taught as "not an emergency".
_NOT_ROUTINE = frozenset({
    2, 7, 12, 13, 23, 24, 26, 33, 45, 56, 57, 66, 72, 74, 76, 86, 88, 92, 100, 108, 132, 139,
    141, 142, 144, 148, 163, 164, 185, 188, 190, 194, 196, 202, 205, 206, 207, 220, 223, 225,
    232, 234, 237, 246, 269, 277, 278, 291,
})


def model_text(title: str, text: str) -> str:
    """What the classifier reads: the title and the first ``LEAD_CHARS`` characters."""
    return f"{title}\n{text[:LEAD_CHARS]}" if title else text[:LEAD_CHARS]


# --------------------------------------------------------------------------- training data

@dataclass(frozen=True)
class Example:
    text: str
    label: int          # 1 emergency, 0 other
    source: str         # file it came from (for per-source CV figures)


def _fixture_lines(name: str | Path) -> list[tuple[str, str]]:
    """(group, text) of a hand-written file (a name in ``analysis/data/urgency`` or a path):
    ``kind|text`` files are all emergencies, ``group|kind|text`` files carry their group."""
    out = []
    for line in (URGENCY_DATA / name).read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("|", 2)
        if len(parts) == 3 and parts[0] in ("emergency", "routine", "complaint"):
            out.append((parts[0], parts[2]))
        else:
            out.append(("emergency", line.split("|", 1)[1]))
    return out


# Hand-written files, each its own CV fold. Blind sets 4 and 5 were measured blind once each
# (0.944, 0.937) and then became training rows: their routine news about past and forecast
# incidents is what the classifier lacked (leave-one-file-out AUC 0.974 / 0.973 at the shipped
# weight, docs/analysis.md).
POSITIVE_FIXTURES = ("emergencies.txt", "emergencies_holdout.txt",
                     "emergencies_blind2.txt", "emergencies_blind3.txt",
                     "emergencies_blind4.txt", "emergencies_blind5.txt")


def training_examples() -> tuple[list[Example], list[Path]]:
    """All training examples and the files they came from (for provenance)."""
    examples: list[Example] = []
    for name in POSITIVE_FIXTURES:
        for group, text in _fixture_lines(name):
            examples.append(Example(text, int(group == "emergency"), name))
    with gzip.open(URGENCY_DATA / "urgency_eval.jsonl.gz", "rt", encoding="utf-8") as fh:
        evalrows = [json.loads(line) for line in fh]
    # The test/holdout news and messages stay unseen, so those splits remain a check.
    unseen = {r["text"] for r in evalrows if r["split"] != "dev"}
    unseen_titles = {r["title"] for r in evalrows if r["split"] != "dev" and r["title"]}
    dev_titles = set()
    for r in evalrows:
        if r["split"] == "dev" and r["group"] == "routine_news":
            examples.append(Example(model_text(r["title"], r["text"]), 0, "urgency_eval.jsonl.gz"))
            dev_titles.add(r["title"])
    with gzip.open(DATA / "xinwenlianbo_sample300.jsonl.gz", "rt", encoding="utf-8") as fh:
        news = [json.loads(line) for line in fh]
    for i, row in enumerate(news):
        if i in _NOT_ROUTINE or row["title"] in unseen_titles or row["title"] in dev_titles:
            continue
        examples.append(Example(model_text(row["title"], row["text"]), 0,
                                "xinwenlianbo_sample300.jsonl.gz"))
    with gzip.open(DATA / "teddy2020_messages.csv.gz", "rb") as fh:
        msgs = list(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8")))
    for row in msgs:
        if row["text"][:3000] not in unseen:
            examples.append(Example(model_text("", row["text"]), 0, "teddy2020_messages.csv.gz"))
    files = [URGENCY_DATA / n for n in POSITIVE_FIXTURES] + [
        URGENCY_DATA / "urgency_eval.jsonl.gz", DATA / "xinwenlianbo_sample300.jsonl.gz",
        DATA / "teddy2020_messages.csv.gz"]
    return examples, files


def build_pipeline(c: float = 4.0, char_range: tuple[int, int] = (1, 2)) -> Pipeline:
    features = text_features(word_range=(1, 1), char_range=char_range, min_df=2,
                             max_word_features=15000, max_char_features=30000)
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
    return Pipeline([("features", features), ("clf", clf)])


def folds_of(examples: Sequence[Example]) -> np.ndarray:
    """Fold number of every example: each hand-written fixture file is one fold of its own
    (leave-one-file-out: a held-out file is new wording by a new writing session, like a
    blind set), and the real news and messages are spread over the folds at random."""
    rng = np.random.RandomState(SEED)
    return np.asarray([POSITIVE_FIXTURES.index(e.source) if e.source in POSITIVE_FIXTURES
                       else rng.randint(len(POSITIVE_FIXTURES)) for e in examples])


def out_of_fold(examples: Sequence[Example], c: float = 4.0) -> np.ndarray:
    """P(emergency) of every example from a model that did not see its fold."""
    texts = np.asarray([e.text for e in examples], dtype=object)
    y = np.asarray([e.label for e in examples])
    fold = folds_of(examples)
    probs = np.zeros(len(examples))
    for k in np.unique(fold):
        test = fold == k
        model = build_pipeline(c).fit(list(texts[~test]), y[~test])
        probs[test] = model.predict_proba(list(texts[test]))[:, 1]
    return probs


def lexicon_scores(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray]:
    """Lexicon scores, and which texts ``score_urgency`` would not show the classifier
    (framed as a drill/commemoration, or entirely about foreign places)."""
    from analysis.urgency import UrgencyInput, lexicon_score, load_default
    cfg = load_default()
    readings = [lexicon_score(UrgencyInput(text=e.text), cfg) for e in examples]
    return (np.asarray([r.score for r in readings]),
            np.asarray([bool(r.frame) or not r.domestic.strip() for r in readings]))


def blend(lexicon: np.ndarray, prob: np.ndarray, model_weight: float) -> np.ndarray:
    """The mix ``score_urgency`` uses: (1 − w)·lexicon + w·100·P(emergency)."""
    return (1.0 - model_weight) * lexicon + model_weight * 100.0 * prob


def choose_blend(examples: Sequence[Example], prob: np.ndarray,
                 lexicon: np.ndarray) -> dict[str, Any]:
    """Out-of-fold ROC-AUC for model weights 0, 0.05, …, 1. The criterion is the mean AUC
    of the held-out fixture files that hold both classes (blind2, blind3): hand-written
    routine news and complaints against emergencies, the comparison a blind set makes.
    The pooled AUC is dominated by real citizen messages, which both scorers find easy."""
    y = np.asarray([e.label for e in examples])
    sources = np.asarray([e.source for e in examples])
    mixed = [f for f in POSITIVE_FIXTURES if len(set(y[sources == f])) == 2]
    grid: dict[float, dict[str, float]] = {}
    for w in np.arange(0.0, 1.0001, 0.05):
        s = blend(lexicon, prob, w)
        row = {f: float(roc_auc_score(y[sources == f], s[sources == f])) for f in mixed}
        row["mean_held_out_files"] = float(np.mean([row[f] for f in mixed]))
        row["pooled"] = float(roc_auc_score(y, s))
        grid[round(float(w), 2)] = {k: round(v, 4) for k, v in row.items()}
    # Ties (to 3 decimals) go to the smaller weight: the lexicon explains itself.
    best = max(grid, key=lambda w: (round(grid[w]["mean_held_out_files"], 3), -w))
    return {"auc_by_model_weight": grid, "best_model_weight": best}


def train(out: Path, c: float = 4.0) -> dict[str, Any]:
    examples, files = training_examples()
    y = np.asarray([e.label for e in examples])
    t0 = time.perf_counter()
    prob = out_of_fold(examples, c)
    cv_seconds = time.perf_counter() - t0
    lexicon, unread = lexicon_scores(examples)
    prob = np.where(unread, 0.0, prob)
    per_source = {}
    for src in sorted({e.source for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.source == src]
        per_source[src] = {"n": len(idx), "positives": int(y[idx].sum()),
                           "mean_p": round(float(prob[idx].mean()), 4)}
    choice = choose_blend(examples, prob, lexicon)
    metrics = {
        "cv": (f"leave-one-hand-written-file-out ({len(POSITIVE_FIXTURES)} folds), real news/"
               "messages spread at random"),
        "cv_seed": SEED,
        "cv_auc_model": round(float(roc_auc_score(y, prob)), 4),
        "cv_auc_lexicon": round(float(roc_auc_score(y, lexicon)), 4),
        "cv_accuracy_at_0.5": round(float(((prob >= 0.5) == y).mean()), 4),
        "cv_per_source": per_source,
        **choice,
    }
    t0 = time.perf_counter()
    model = build_pipeline(c).fit([e.text for e in examples], y)
    metrics["train_seconds"] = round(time.perf_counter() - t0, 2)
    metrics["cv_seconds"] = round(cv_seconds, 2)
    rows = Counter(e.source for e in examples)
    save_model(model, out, kind="urgency", labels=LABELS,
               data=provenance(files, {f.name: rows.get(f.name) for f in files}),
               metrics=metrics,
               params={"C": c, "class_weight": "balanced", "lead_chars": LEAD_CHARS,
                       "features": "words 1 (15k) + chars 1-2 (30k), min_df 2, sublinear tf",
                       "rows": len(examples), "positives": int(y.sum()),
                       "data_dirs": ["analysis/data/urgency", "analysis/data"]})
    return metrics


# --------------------------------------------------------------------------- prediction

class _Block(NamedTuple):
    """One TF-IDF block flattened for prediction. ``kind`` says how a text's terms are found:
    "chars" (integer n-gram codes, ``keys`` sorted codes), "words" (token n-grams looked up in
    ``vocab``) or "terms" (any other analyzer, counted as strings). ``iw`` is idf × weight and
    ``idf`` the idf, both by ``keys`` position (chars) or column (words, terms)."""
    kind: str
    spec: tuple[int, ...]
    analyze: Callable[[str], list[str]]
    vocab: dict[str, int]
    keys: np.ndarray
    idf: np.ndarray
    iw: np.ndarray


def _flatten(vec: Any, weight: np.ndarray) -> _Block:
    idf = np.asarray(vec.idf_, dtype=np.float64)
    vocab = dict(vec.vocabulary_)
    analyze = vec.build_analyzer()
    spec = _char_spec(vec.analyzer)
    if spec is not None and spec[2] is None:
        codes, cols = _vocab_codes(vec)
        return _Block("chars", spec[:2], analyze, vocab, codes, idf[cols], idf[cols] * weight[cols])
    a = vec.analyzer
    if isinstance(a, partial) and a.func is word_ngrams and not a.args and set(a.keywords) <= {
            "low", "high"}:
        spec = (a.keywords.get("low", 1), a.keywords.get("high", 2))
        return _Block("words", spec, analyze, vocab, np.zeros(0), idf, idf * weight)
    return _Block("terms", (), analyze, vocab, np.zeros(0), idf, idf * weight)


class UrgencyClassifier:
    """P(emergency) of one text from a fitted pipeline, without scikit-learn per call.

    A logistic regression over l2-normalised sublinear TF-IDF blocks: per block, with
    v = (1 + log tf) · idf over the text's known terms, the logit gains (v · weight) / ‖v‖.
    Character n-grams are counted as packed integer codes from the text's fold
    (``analysis.modelstore``: one sort, one binary search against the vocabulary's sorted
    codes) and words from its tokens; idf × weight is precomputed per term. This equals the
    string-counting formulation to ~1e-15 in the logit (summation order only) at about a
    third of its cost."""

    def __init__(self, pipeline: Pipeline, meta: dict[str, Any] | None = None):
        self.meta = meta or {}
        clf = pipeline.named_steps["clf"]
        coef = np.asarray(clf.coef_, dtype=np.float64)[0]
        self.intercept = float(np.asarray(clf.intercept_)[0])
        self.blocks: list[_Block] = []
        offset = 0
        for _, vec in pipeline.named_steps["features"].transformer_list:
            n = len(vec.vocabulary_)
            self.blocks.append(_flatten(vec, coef[offset:offset + n]))
            offset += n

    def logit(self, text: str) -> float:
        # A private analysis, not the shared one: no other model reads this exact string (the
        # sentiment lead is 300 characters, this one 400), and registering it would hold every
        # text's codes and tokens for the whole batch (test_batch's flat-memory check).
        doc = _Analysed(text)
        z = self.intercept
        for b in self.blocks:
            if b.kind == "chars":
                found = doc.codes.get(b.spec)
                if found is None:
                    found = doc.codes[b.spec] = _char_codes(doc.folded, *b.spec)
                codes, counts = found
                if not codes.size or not b.keys.size:
                    continue
                pos = np.searchsorted(b.keys, codes)
                pos[pos == b.keys.size] = 0
                hit = b.keys[pos] == codes
                if not hit.any():
                    continue
                pos, tf = pos[hit], counts[hit]
            else:
                if b.kind == "words":
                    terms = _token_ngrams(doc.tokens, *b.spec)
                else:
                    terms = b.analyze(text)
                # Distinct terms have distinct columns: counting columns counts terms.
                idx = np.fromiter(map(b.vocab.get, terms, repeat(-1)), dtype=np.int64,
                                  count=len(terms))
                idx = idx[idx >= 0]
                if not idx.size:
                    continue
                pos, tf = np.unique(idx, return_counts=True)
            sub = 1.0 + np.log(tf)
            v = sub * b.idf[pos]
            # sublinear tf × idf, l2-normalised per block, as TfidfVectorizer computes it.
            z += float(sub @ b.iw[pos]) / math.sqrt(float(v @ v))
        return z

    def probability(self, title: str, text: str) -> float:
        z = self.logit(model_text(title, text))
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


@lru_cache(maxsize=4)
def load_urgency_model(path: str | None = None) -> UrgencyClassifier:
    """The classifier at ``path`` (the shipped one when None), loaded once per process."""
    pipeline, meta = load_model(Path(path) if path else DEFAULT_MODEL_DIR)
    return UrgencyClassifier(pipeline, meta)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="train the urgency text classifier")
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR)
    ap.add_argument("--C", type=float, default=4.0)
    args = ap.parse_args(argv)
    random.seed(SEED)
    metrics = train(args.out, args.C)
    print(json.dumps(metrics, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
