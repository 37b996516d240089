"""The Analyzer: one document in, every machine judgement out, each explained.

fold → keywords → sentiment → urgency → section (human > rule > model >
office) → optional event key. ``analyze_many`` runs the two models once per
batch (vectorising many texts in one call is several times faster than one
call per text). The output dict is the one documented in docs/CONTRACTS.md and
written by ``yuqing analyze``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from analysis.bureau import BureauRules, load_bureau_file
from analysis.events import EventIndex
from analysis.keywords import compile_plans
from analysis.modelstore import seed_folded, shared_features
from analysis.routing import DEFAULT_MIN_CONFIDENCE, RoutingDecision, RoutingRule, route
from analysis.text import fold
from analysis.urgency import UrgencyConfig, UrgencyInput, score_urgency

# Crawled text is hostile input: bound the work any one document can cause.
MAX_TEXT_CHARS = 50_000
# The models read the title and the lead: news states its subject and tone up
# front, and citizen messages are mostly shorter than this. Model cost grows
# with length (every character n-gram is looked up), so this is the main lever
# on throughput; keywords, urgency and events still read the whole text.
MODEL_CHARS = 300
SENTIMENT_LABELS_ZH = {"negative": "负面", "neutral": "中性", "positive": "正面"}


def _doc_text(doc: Mapping[str, Any]) -> tuple[str, str]:
    title = doc.get("title") or ""
    text = doc.get("text") or doc.get("content") or ""
    if not isinstance(title, str) or not isinstance(text, str):
        raise TypeError("title 和 text 必须是字符串 (title and text must be strings)")
    # Not normalize(): keyword offsets must point into the text as stored. Matching
    # and the models fold width/script themselves (analysis.text.fold keeps length).
    return title[:1000], text[:MAX_TEXT_CHARS]


class Analyzer:
    def __init__(self, plans: Mapping[str, str], rules: Sequence[RoutingRule],
                 sentiment_model: Any, section_model: Any, urgency_config: UrgencyConfig,
                 section_min_confidence: float = DEFAULT_MIN_CONFIDENCE, *,
                 events: EventIndex | None = None, fallback: str = "office",
                 model_chars: int = MODEL_CHARS, section_names: Mapping[str, str] | None = None):
        self.matcher = compile_plans(dict(plans)) if plans else None
        self.rules = sorted(rules, key=lambda r: (r.priority, r.name))
        self.sentiment_model = sentiment_model
        self.section_model = section_model
        self.urgency_config = urgency_config
        self.section_min_confidence = section_min_confidence
        self.events = events
        self.fallback = fallback
        self.model_chars = model_chars
        self.section_names = dict(section_names or {})

    @classmethod
    def for_bureau(cls, rules: BureauRules, sentiment_model: Any, section_model: Any,
                   urgency_config: UrgencyConfig, *, events: EventIndex | None = None) -> Analyzer:
        """The analyzer for one bureau's rules: its plans, routing rules and levels (thresholds
        and casualty floors) over the urgency weights and lexicons of ``urgency_config``."""
        return cls(rules.plans, rules.rules, sentiment_model, section_model,
                   rules.urgency_config(urgency_config), events=events, fallback=rules.fallback,
                   section_names=rules.section_names)

    @classmethod
    def default(cls, bureau_file: str | Path | None = None,
                events: EventIndex | None = None) -> Analyzer:
        """Shipped sentiment and section models and urgency weights, with the bureau file's
        plans, routing rules and levels (the default Justice-Bureau file unless given)."""
        from analysis.sections import load_section_model
        from analysis.sentiment import load_sentiment_model
        return cls.for_bureau(load_bureau_file(bureau_file), load_sentiment_model(), load_section_model(),
                              UrgencyConfig.load_default(), events=events)

    def analyze(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        return self.analyze_many([doc])[0]

    def analyze_many(self, docs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        with shared_features():  # both models share each lead's folding, tokens and n-grams
            return self._analyze_many(docs)

    def _analyze_many(self, docs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        prepared = [_doc_text(d) for d in docs]
        joined = [f"{t}\n{x}" if t else x for t, x in prepared]
        # Folded once per document, for keywords, the models, routing rules and event
        # shingles: fold keeps length and maps character by character, so a lead's fold is
        # the prefix of the document's fold and keyword offsets stay valid.
        folded = [fold(j) for j in joined]
        leads = []
        for (t, _), j, f in zip(prepared, joined, folded):
            end = len(t) + 1 + self.model_chars
            leads.append(j[:end])
            seed_folded(leads[-1], f[:end])
        sentiments = self.sentiment_model.predict(leads) if leads else []

        hits = [self.matcher.match(f, folded=True) if self.matcher else [] for f in folded]
        # Rules first; the section model sees only the documents no human or rule decided.
        decisions: list[RoutingDecision | None] = []
        for doc, h, f in zip(docs, hits, folded):
            d = route(doc, h, self.rules, None, self.fallback,
                      min_confidence=self.section_min_confidence, folded=f, section_names=self.section_names)
            decisions.append(d if d.via in ("human", "rule") else None)
        todo = [i for i, d in enumerate(decisions) if d is None]
        if todo and self.section_model is not None:
            preds = self.section_model.predict([leads[i] for i in todo])
            for i, pred in zip(todo, preds):
                decisions[i] = route(docs[i], hits[i], (), None, self.fallback,
                                     min_confidence=self.section_min_confidence, prediction=pred,
                                     section_names=self.section_names)
        for i in todo:
            if decisions[i] is None:
                decisions[i] = route(docs[i], hits[i], (), None, self.fallback, section_names=self.section_names)

        return [self._result(doc, title, joined_text, hit, sent, dec, f)
                for doc, (title, _), joined_text, hit, sent, dec, f
                in zip(docs, prepared, joined, hits, sentiments, decisions, folded)]

    def _result(self, doc: Mapping[str, Any], title: str, joined: str, plan_hits: list,
                sentiment: Any, decision: RoutingDecision | None, folded: str) -> dict[str, Any]:
        assert decision is not None
        body_start = len(title) + 1 if title else 0
        keywords = []
        for hit in plan_hits:
            for t in hit.terms:
                in_title = t.start < body_start
                offset = 0 if in_title else body_start
                keywords.append({"plan": hit.plan, "term": t.term, "field": "title" if in_title else "text",
                                 "start": t.start - offset, "end": t.end - offset})
        urgency = score_urgency(UrgencyInput(
            title=title, text=joined[body_start:], sentiment_scores=sentiment.scores,
            reach=doc.get("reach") or None, event_size=int(doc.get("event_size") or 1),
            event_sources=int(doc.get("event_sources") or 0),
            growth_per_hour=float(doc.get("growth_per_hour") or 0.0)), self.urgency_config)

        reasons: list[str] = []
        for hit in plan_hits:
            terms = "、".join(dict.fromkeys(f"“{t.term}”" for t in hit.terms))
            reasons.append(f"关键词：方案「{hit.plan}」命中 {terms}")
        label_zh = SENTIMENT_LABELS_ZH.get(sentiment.label, sentiment.label)
        pushed = "、".join(t for t, w in (sentiment.terms or [])[:5] if w > 0)
        reasons.append(f"情感：{label_zh}（{sentiment.scores.get(sentiment.label, 0):.0%}）"
                       + (f"，主要依据：{pushed}" if pushed else ""))
        reasons += [f"紧急度：{r}" for r in urgency.reasons]
        reasons.append(f"分办：{decision.reason}")

        out: dict[str, Any] = {
            "sentiment": sentiment.label,
            "sentiment_scores": dict(sentiment.scores),
            "sentiment_terms": [[t, float(w)] for t, w in (sentiment.terms or [])],
            "urgency": urgency.score,
            "level": urgency.level,
            "urgency_reasons": urgency.reasons,
            "section": decision.section,
            "section_confidence": round(float(decision.confidence), 4),
            "section_via": decision.via,
            "section_reason": decision.reason,
            "keywords": keywords,
            "reasons": reasons,
        }
        if "id" in doc:
            out["id"] = doc["id"]
        if self.events is not None and doc.get("id") is not None:
            out["event_key"] = self.events.assign(str(doc["id"]), folded, folded=True)
        return out
