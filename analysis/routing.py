"""Routing: which section owns a document.

Order of authority: a duty officer's assignment (``doc["assigned_section"]``)
always wins; then rules, as data, in priority order (smaller number first);
then the section model, trusted only above a minimum confidence; otherwise the
fallback owner (the office), with the reason spelled out in Chinese.

A rule matches when every condition it sets matches (conditions left empty are
ignored); within one condition any listed value is enough.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import ahocorasick

from analysis.text import fold

DEFAULT_MIN_CONFIDENCE = 0.35


@dataclass(frozen=True)
class RoutingRule:
    name: str
    section: str
    plans: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    source_kinds: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    priority: int = 100

    def __post_init__(self) -> None:
        # Folded once here, not on every document.
        object.__setattr__(self, "_folded_keywords", tuple(fold(k) for k in self.keywords))
        object.__setattr__(self, "_folded_places", tuple(fold(p) for p in self.places))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RoutingRule:
        def tup(key: str) -> tuple[str, ...]:
            v = d.get(key) or ()
            return (v,) if isinstance(v, str) else tuple(v)
        return cls(name=d["name"], section=d["section"], plans=tup("plans"),
                   keywords=tup("keywords"), source_kinds=tup("source_kinds"),
                   sources=tup("sources"), places=tup("places"),
                   priority=int(d.get("priority", 100)))

    def test(self, doc: dict[str, Any], plan_names: set[str], folded: str,
             present: set[str] | None = None) -> list[str] | None:
        """Chinese explanations of each matched condition, or None if the rule fails.

        ``present`` is the set of this rule set's folded keywords/places found in ``folded``
        (one Aho-Corasick pass for all rules, see :func:`route`); without it each is searched."""
        def found(needle: str) -> bool:
            return needle in present if present is not None else needle in folded

        why: list[str] = []
        if self.plans:
            hit = [p for p in self.plans if p in plan_names]
            if not hit:
                return None
            why.append("方案 " + "、".join(hit))
        if self.keywords:
            hit = [k for k, f in zip(self.keywords, self._folded_keywords) if found(f)]
            if not hit:
                return None
            why.append("关键词 " + "、".join(f"“{k}”" for k in hit))
        if self.source_kinds:
            kind = doc.get("source_kind") or doc.get("kind")
            if kind not in self.source_kinds:
                return None
            why.append(f"来源类型 {kind}")
        if self.sources:
            if doc.get("source") not in self.sources:
                return None
            why.append(f"来源 {doc.get('source')}")
        if self.places:
            place = doc.get("place") or ""
            hit = [p for p, f in zip(self.places, self._folded_places)
                   if p == place or found(f)]
            if not hit:
                return None
            why.append("地域 " + "、".join(hit))
        return why


@dataclass(frozen=True)
class RoutingDecision:
    section: str
    confidence: float
    via: str            # "human" | "rule" | "model" | "fallback"
    reason: str
    rule: str | None = None
    terms: list[tuple[str, float]] = field(default_factory=list)


@lru_cache(maxsize=32)
def _needle_automaton(needles: tuple[str, ...]) -> ahocorasick.Automaton | None:
    words = [n for n in needles if n]
    if not words:
        return None
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, word)
    automaton.make_automaton()
    return automaton


def _present(rules: Sequence[RoutingRule], folded: str) -> set[str]:
    """Every rule keyword/place that occurs in ``folded``, found in one pass over the text."""
    needles = tuple(sorted({n for r in rules for n in (*r._folded_keywords, *r._folded_places)}))
    automaton = _needle_automaton(needles)
    found = {word for _, word in automaton.iter(folded)} if automaton is not None else set()
    if "" in needles:
        found.add("")  # the empty string is in every text, as `"" in text` says
    return found


def _plan_names(plan_hits: Iterable[Any]) -> set[str]:
    return {h["plan"] if isinstance(h, dict) else h.plan for h in plan_hits or ()}


def _terms(pred: Any) -> list[tuple[str, float]]:
    return [(str(t[0]), float(t[1])) for t in (getattr(pred, "terms", None) or [])]


def route(doc: dict[str, Any], plan_hits: Iterable[Any], rules: Sequence[RoutingRule],
          model: Any = None, fallback: str = "office", *,
          min_confidence: float = DEFAULT_MIN_CONFIDENCE, prediction: Any = None,
          folded: str | None = None, section_names: Mapping[str, str] | None = None) -> RoutingDecision:
    """Decide the owning section. ``prediction`` is a precomputed model output
    (``SectionPrediction``) so batch callers can predict many texts at once; ``folded`` is
    ``fold(title + "\n" + text)`` when the caller already has it. ``section_names`` maps section codes
    to the names people read in the reasons (律师工作科, not lawyers)."""
    def named(code: str) -> str:
        return (section_names or {}).get(code, code)

    human = doc.get("assigned_section")
    if human:
        return RoutingDecision(human, 1.0, "human", f"值班员人工指定：{named(human)}")

    if folded is None and (rules or (prediction is None and model is not None)):
        folded = fold(f"{doc.get('title') or ''}\n{doc.get('text') or ''}")
    names = _plan_names(plan_hits)
    present = _present(rules, folded or "") if rules else set()
    for rule in sorted(rules, key=lambda r: (r.priority, r.name)):
        why = rule.test(doc, names, folded or "", present)
        if why is not None:
            detail = "，".join(why) if why else "无条件规则"
            return RoutingDecision(rule.section, 1.0, "rule",
                                   f"规则「{rule.name}」命中（{detail}）→ {named(rule.section)}", rule=rule.name)

    if prediction is None and model is not None:
        prediction = model.predict([folded or ""])[0]
    if prediction is not None:
        conf = float(prediction.confidence)
        terms = _terms(prediction)
        words = "、".join(t for t, _ in terms[:5])
        basis = f"，依据词：{words}" if words else ""
        if conf >= min_confidence:
            return RoutingDecision(prediction.label, conf, "model",
                                   f"无规则命中；模型判断为 {named(prediction.label)}（置信度 {conf:.2f}）{basis}",
                                   terms=terms)
        return RoutingDecision(fallback, conf, "fallback",
                               f"无规则命中；模型最可能为 {named(prediction.label)}，但置信度 {conf:.2f} "
                               f"低于 {min_confidence:.2f}，交由 {named(fallback)} 分办", terms=terms)
    return RoutingDecision(fallback, 0.0, "fallback", f"无规则命中且未配置模型，交由 {named(fallback)} 分办")
