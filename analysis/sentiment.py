"""Three-class sentiment (negative / neutral / positive) with calibrated probabilities.

The shipped model (``analysis/models/sentiment``) is multinomial logistic regression over word
and character TF-IDF (:func:`analysis.modelstore.text_features`), trained by
``python -m analysis.training sentiment`` on Weibo posts (SMP2020-EWECT) plus down-weighted
review corpora; figures are in ``docs/analysis.md``. Logistic regression's own probabilities
are well calibrated for this kind of model, so ``scores`` are used as they are.

Two additions make it read news (docs/analysis.md, "Sentiment on news"):

- **News cues** (``analysis/data/sentiment_news_lexicon.tsv``): a Weibo model reads a calm
  report of deaths, violence or misconduct as neutral; each cue found in a sentence adds its
  weight to that class's log-odds (capped), and is named in ``terms``.
- **Long texts by sentence**: a text longer than ``SHORT_CHARS`` is split into sentences, all
  sentences of a batch are scored in one call, and the document's probabilities are the
  length-weighted mean (the first sentence, usually the title or lead, counts double). A share
  of strongly negative sentences lifts the negative class: one report of a stabbing in an
  otherwise factual article makes the article negative for a public-opinion desk.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import ahocorasick
import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from analysis.modelstore import (
    LinearTextModel,
    folded_text,
    load_model,
    shared_features,
    text_features,
)
from analysis.text import fold

logger = logging.getLogger(__name__)

LABELS = ("negative", "neutral", "positive")
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "models" / "sentiment"
LEXICON_PATH = Path(__file__).resolve().parent / "data" / "sentiment_news_lexicon.tsv"
# Texts up to this length are scored whole, as the model was trained (Weibo posts average 42
# characters) and as the Analyzer passes a title + 300-character lead: reading those by chunks
# cost 0.3 ms a document in bench.run (full analysis 1.80x -> 1.52x jieba). Longer texts are
# read chunk by chunk.
SHORT_CHARS = 400
# The model reads a long text up to here (title, lead and the first paragraphs carry the tone of
# a news story); scoring costs grow with length, and this keeps a 2 KB article well under the
# cost of jieba.lcut on it (docs/analysis.md, bench.run).
MAX_CHARS = 1000
# Beyond that, up to TAIL_CHARS, sentences are only scanned for news cues (an automaton pass,
# ~20x cheaper than the model): a stabbing reported in the fifth paragraph still counts. A tail
# sentence whose negative cues reach TAIL_STRONG counts as a strongly negative sentence.
TAIL_CHARS = 20000
TAIL_STRONG = 2.0
# Sentences after the first are packed into chunks of about a Weibo post's length: the model
# knows that size best, and fewer, longer units cost less to score than many short ones.
CHUNK_CHARS = 100
# A sentence is "strongly negative" from this probability on; the negative class of the
# document is then raised to at least LIFT_BASE + the weight share of such sentences, so
# one clearly reported harm makes the text negative for a public-opinion desk.
STRONG_NEGATIVE = 0.7
LIFT_BASE = 0.5
# At most this much log-odds from news cues per sentence and class, so cues tip calm reports
# without overriding what the words around them say.
CUE_CAP = 3.0

_SENTENCE_RE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*")

_LABEL_ALIASES = {
    "negative": "negative", "neg": "negative", "负面": "negative", "消极": "negative", "0": "negative",
    "neutral": "neutral", "neu": "neutral", "中性": "neutral", "中立": "neutral",
    "positive": "positive", "pos": "positive", "正面": "positive", "积极": "positive", "1": "positive",
    # Emotion-labelled Weibo sets (SMP2020-EWECT, NLPCC): the six basic emotions on the polarity scale.
    # Surprise can go either way, so it is left out rather than guessed.
    "angry": "negative", "anger": "negative", "sad": "negative", "sadness": "negative", "fear": "negative",
    "disgust": "negative", "愤怒": "negative", "悲伤": "negative", "恐惧": "negative", "厌恶": "negative",
    "happy": "positive", "happiness": "positive", "joy": "positive", "like": "positive",
    "高兴": "positive", "喜悦": "positive", "喜好": "positive",
    "none": "neutral", "无情绪": "neutral",
}
# Three-class sets written as numbers: -1/0/1 and 0/1/2 both put neutral in the middle.
_NUMERIC_SCALES = (
    ({"-1", "0", "1"}, {"-1": "negative", "0": "neutral", "1": "positive"}),
    ({"0", "1", "2"}, {"0": "negative", "1": "neutral", "2": "positive"}),
)


def canonical_label(label: str, scale: dict[str, str] | None = None) -> str | None:
    """Map a data set's label spelling to negative/neutral/positive (None = not usable).

    ``scale`` is a file's numeric scale from :func:`numeric_scale`; without it "0"/"1" read as the
    binary review sets write them (negative/positive)."""
    key = str(label).strip().lower()
    if scale and key in scale:
        return scale[key]
    return _LABEL_ALIASES.get(key)


def numeric_scale(labels: set[str]) -> dict[str, str] | None:
    """A three-class numeric scale, when a file's labels show one (a "-1" or a "2" beside 0 and 1)."""
    found = {str(x).strip() for x in labels}
    for values, scale in _NUMERIC_SCALES:
        if found <= values and len(found & values) == 3:
            return scale
    return None


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


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (ending punctuation kept), blank ones dropped."""
    return [s for s in (m.group().strip() for m in _SENTENCE_RE.finditer(text)) if s]


def sentence_chunks(text: str) -> list[str]:
    """The first sentence (a title or lead) alone, then the following sentences packed into
    chunks of at least ``CHUNK_CHARS`` characters."""
    sentences = split_sentences(text)
    if len(sentences) <= 1:
        return [text]
    chunks, current = [sentences[0]], ""
    for sentence in sentences[1:]:
        current += sentence
        if len(current) >= CHUNK_CHARS:
            chunks.append(current)
            current = ""
    if current:
        chunks.append(current)
    return chunks


@lru_cache(maxsize=1)
def news_cues() -> tuple[ahocorasick.Automaton | None, dict[str, tuple[str, float]]]:
    """The cue automaton (over folded text) and term -> (label, weight)."""
    cues: dict[str, tuple[str, float]] = {}
    if LEXICON_PATH.exists():
        for line in LEXICON_PATH.read_text("utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            term, label, weight = line.split("\t")
            cues[fold(term)] = (label, float(weight))
    if not cues:
        return None, cues
    automaton = ahocorasick.Automaton()
    for term in cues:
        automaton.add_word(term, term)
    automaton.make_automaton()
    return automaton, cues


def cue_hits(text: str, *, folded: bool = False) -> list[str]:
    """News cues in ``text``, longest match only where cues overlap (暴力执法 over 暴力).
    ``folded=True`` when ``text`` is already ``fold``-ed (saves a pass)."""
    automaton, _ = news_cues()
    if automaton is None:
        return []
    spans = sorted(
        ((end - len(term) + 1, end, term)
         for end, term in automaton.iter(text if folded else fold(text))),
        key=lambda s: (s[0], -len(s[2])),
    )
    out, reach = [], -1
    for start, end, term in spans:
        if start > reach:
            out.append(term)
            reach = end
    return out


class SentimentModel(LinearTextModel):
    def predict(self, texts: Sequence[str], *, explain: bool = True) -> list[SentimentResult]:
        if not texts:
            return []
        # One fold per unit for the model's features and the cue scan alike.
        with shared_features():
            return self._predict(texts, explain)

    def _predict(self, texts: Sequence[str], explain: bool) -> list[SentimentResult]:
        # Every unit (a short text, or one sentence of a long one) goes through one batched
        # transform; owner[i] is the text unit i belongs to, weight[i] its share of the vote.
        units, owner, weight, tails = [], [], [], []
        for n, full in enumerate(texts):
            full = full or ""
            text = full[:MAX_CHARS]
            parts = sentence_chunks(text) if len(text) > SHORT_CHARS else [text]
            if len(full) > MAX_CHARS:
                tails.append(self._tail(full[MAX_CHARS:TAIL_CHARS]))
            elif len(parts) == 1:
                tails.append(self._strong_sentences(text))
            else:
                tails.append(None)
            for j, part in enumerate(parts):
                units.append(part)
                owner.append(n)
                weight.append(max(len(part), 1) * (2.0 if j == 0 and len(parts) > 1 else 1.0))
        probs, x = self.probabilities(units)
        cue_terms = [cue_hits(folded_text(u), folded=True) for u in units]
        probs = self._apply_cues(probs, cue_terms)
        # Units of one text are consecutive: bounds[n]:bounds[n + 1] are text n's rows.
        bounds = np.searchsorted(np.asarray(owner), np.arange(len(texts) + 1))
        weight_arr = np.asarray(weight)
        neg = self.labels.index("negative") if "negative" in self.labels else None
        out = []
        for n in range(len(texts)):
            rows = np.arange(bounds[n], bounds[n + 1])
            w = weight_arr[rows] / weight_arr[rows].sum()
            p = w @ probs[rows]
            tail_len, tail_strong, tail_terms = tails[n] or (0, 0, [])
            if tail_len < 0:  # strongly negative sentences inside a text read whole
                tail_len, tail_terms = 0, []
            if neg is not None and (len(rows) > 1 or tail_strong):
                # Shares of the whole text read: the model's units plus the cue-scanned tail.
                read = weight_arr[rows].sum() + tail_len
                strong = (weight_arr[rows][probs[rows, neg] >= STRONG_NEGATIVE].sum() + tail_strong) / read
                if strong > 0 and p[neg] < LIFT_BASE + strong:
                    target = min(LIFT_BASE + strong, 0.95)
                    rest = 1.0 - p[neg]
                    p = p * ((1.0 - target) / rest if rest > 0 else 0.0)
                    p[neg] = target
            k = int(p.argmax())
            scores = {label: round(float(p[j]), 4) for j, label in enumerate(self.labels)}
            for label in LABELS:  # a model trained without neutral still reports all three
                scores.setdefault(label, 0.0)
            terms = (
                self._explain(x, rows, w, k, [cue_terms[i] for i in rows], tail_terms, tail_len)
                if explain
                else []
            )
            out.append(SentimentResult(self.labels[k], scores, terms))
        return out

    def _strong_sentences(self, text: str) -> tuple[int, int, list[str]] | None:
        """A text read whole (a title + lead) that reports a harm in one of several sentences:
        (-1, characters of its strongly negative sentences, []), so the negative lift treats
        it as a long text's strongly negative unit. "龙海区一社区矫正对象脱管后持刀伤人致2人死亡
        市司法局连夜回应\n记者从市司法局获悉……" is a negative 舆情 even when the rest of the
        lead reads like a calm official response. Single sentences (most Weibo posts) are left
        to the model and the capped cues."""
        _, cues = news_cues()
        if not cues or len(split_sentences(text)) < 2:
            return None
        strong = self._tail(text)[1]
        return (-1, strong, []) if strong else None

    def _tail(self, tail: str) -> tuple[int, int, list[str]]:
        """(characters, characters in strongly negative sentences, their cues) of a tail."""
        _, cues = news_cues()
        strong, found = 0, []
        for sentence in split_sentences(tail):
            hits = [t for t in cue_hits(sentence) if cues[t][0] == "negative"]
            if hits and min(sum(cues[t][1] for t in hits), CUE_CAP) >= TAIL_STRONG:
                strong += len(sentence)
                found.extend(hits)
        return len(tail), strong, found

    def _apply_cues(self, probs: np.ndarray, cue_terms: list[list[str]]) -> np.ndarray:
        _, cues = news_cues()
        if not cues or not any(cue_terms):
            return probs
        boost = np.zeros_like(probs)
        index = {label: j for j, label in enumerate(self.labels)}
        for i, terms in enumerate(cue_terms):
            for term in terms:
                label, w = cues[term]
                if label in index:
                    boost[i, index[label]] += w
        np.minimum(boost, CUE_CAP, out=boost)
        logits = np.log(np.clip(probs, 1e-9, 1.0)) + boost
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def _explain(self, x: sparse.csr_matrix, rows: np.ndarray, w: np.ndarray, k: int,
                 cue_terms: list[list[str]], tail_terms: Sequence[str] = (),
                 tail_len: int = 0) -> list[tuple[str, float]]:
        if len(rows) == 1:
            terms = dict(self.explain_matrix_row(x, int(rows[0]), k, top=8))
        else:
            block = x[rows[0] : rows[-1] + 1]
            terms = dict(self.explain_row(sparse.csr_matrix(w.reshape(1, -1)) @ block, k, top=8))
        _, cues = news_cues()
        label = self.labels[k]
        for j, found in enumerate(cue_terms):
            for term in found:
                cue_label, cue_w = cues[term]
                # A cue pushes its own class up and, relative to it, the others down.
                signed = cue_w if cue_label == label else -cue_w / 2
                terms[term] = round(terms.get(term, 0.0) + signed * float(w[j]), 4)
        if tail_terms and label == "negative":
            # Cues from the unread tail that lifted the negative class, weighted by its share.
            share = tail_len / (tail_len + MAX_CHARS)
            for term in tail_terms:
                terms[term] = round(terms.get(term, 0.0) + cues[term][1] * share, 4)
        ranked = sorted(terms.items(), key=lambda kv: -abs(kv[1]))
        return [(t, v) for t, v in ranked if v != 0.0][:8]


def load_sentiment_model(path: Path | None = None) -> SentimentModel:
    """The model in ``path``, or the shipped default when ``path`` is None."""
    pipeline, meta = load_model(Path(path) if path else DEFAULT_MODEL_DIR)
    if meta.get("kind") != "sentiment":
        raise ValueError(f"{path} 不是情感模型 (not a sentiment model: kind={meta.get('kind')})")
    return SentimentModel(pipeline, meta)
