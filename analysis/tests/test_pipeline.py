"""Analyzer: output shape, batching, reasons; with small fakes and with the shipped models."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from analysis.bureau import load_bureau_file
from analysis.events import EventIndex
from analysis.pipeline import Analyzer
from analysis.routing import RoutingRule
from analysis.urgency import load_default

KEYS = {"sentiment", "sentiment_scores", "sentiment_terms", "urgency", "level", "urgency_reasons",
        "section", "section_confidence", "section_via", "section_reason", "keywords", "reasons"}
FIRE = {"id": "n1", "title": "某市居民楼发生火灾", "reach": "municipal",
        "text": "今日凌晨某市一居民楼发生火灾，事故造成3人死亡、6人受伤，起火原因正在调查。"}
LAWYER = {"id": "c1", "title": "投诉律师乱收费",
          "text": "某律所律师收了我三万元代理费却一直不接电话，太黑了，强烈要求司法局严肃处理！"}
MEDIATION = {"id": "c2", "title": "", "text": "邻居占用宅基地，村委会调解三次都没有结果。"}


@dataclass
class FakeSentiment:
    label: str
    scores: dict
    terms: list = field(default_factory=list)


@dataclass
class FakeSection:
    label: str
    confidence: float
    terms: list = field(default_factory=list)


class FakeSentimentModel:
    calls: list

    def __init__(self):
        self.calls = []

    def predict(self, texts):
        self.calls.append(len(texts))
        out = []
        for t in texts:
            neg = 0.9 if ("太黑" in t or "死亡" in t) else 0.2
            out.append(FakeSentiment("negative" if neg > 0.5 else "neutral",
                                     {"negative": neg, "neutral": 1 - neg, "positive": 0.0},
                                     [("太黑", 0.7)] if "太黑" in t else []))
        return out


class FakeSectionModel:
    def __init__(self, confidence: float = 0.8):
        self.calls = []
        self.confidence = confidence

    def predict(self, texts):
        self.calls.append(len(texts))
        return [FakeSection("grassroots", self.confidence, [("调解", 0.9)]) for _ in texts]


def _fake(confidence: float = 0.8, **kw) -> Analyzer:
    rules = [RoutingRule("律师", "lawyers", keywords=("律师",), priority=10)]
    return Analyzer({"司法": "司法局 OR 律师", "火灾": "火灾 AND 死亡"}, rules,
                    FakeSentimentModel(), FakeSectionModel(confidence), load_default(), **kw)


def test_output_shape_and_reasons_with_fakes() -> None:
    a = _fake()
    r = a.analyze(LAWYER)
    assert set(r) >= KEYS and r["id"] == "c1"
    assert (r["section"], r["section_via"]) == ("lawyers", "rule")
    assert {"plan": "司法", "term": "律师", "field": "title", "start": 2, "end": 4} in r["keywords"]
    body_hit = next(k for k in r["keywords"] if k["field"] == "text" and k["term"] == "司法局")
    assert LAWYER["text"][body_hit["start"]:body_hit["end"]] == "司法局"
    assert "关键词：方案「司法」命中 “律师”、“司法局”" in r["reasons"]
    assert any(x.startswith("情感：负面") and "太黑" in x for x in r["reasons"])
    assert any(x.startswith("分办：规则「律师」") for x in r["reasons"])


def test_batch_vectorises_once_and_model_only_for_unruled_docs() -> None:
    a = _fake()
    out = a.analyze_many([FIRE, LAWYER, MEDIATION, {**MEDIATION, "id": "c3",
                                                     "assigned_section": "office"}])
    assert a.sentiment_model.calls == [4]
    assert a.section_model.calls == [2]          # FIRE and MEDIATION; rule and human skip it
    assert [o["section_via"] for o in out] == ["model", "rule", "model", "human"]
    assert out[0]["urgency"] > out[1]["urgency"]
    assert out[0]["level"] is not None and out[1]["level"] is None
    assert "紧急度：伤亡：死亡 3 人" in out[0]["reasons"]


def test_low_confidence_section_goes_to_office_and_events() -> None:
    a = _fake(confidence=0.1, events=EventIndex())
    r1, r2 = a.analyze_many([MEDIATION, {**MEDIATION, "id": "c9", "title": "转载"}])
    assert (r1["section"], r1["section_via"]) == ("office", "fallback")
    assert r1["event_key"] == r2["event_key"] == "c2"


def test_bad_document_raises_clearly() -> None:
    with pytest.raises(TypeError):
        _fake().analyze({"id": 1, "text": 42})


@pytest.fixture(scope="module")
def shipped() -> Analyzer:
    return Analyzer.default()


def test_shipped_models_end_to_end(shipped: Analyzer) -> None:
    fire, lawyer, mediation = shipped.analyze_many([FIRE, LAWYER, MEDIATION])
    assert lawyer["sentiment"] == "negative"
    assert lawyer["section"] == "lawyers" and lawyer["section_via"] == "rule"
    assert fire["urgency"] > lawyer["urgency"] and fire["level"] in ("I", "II", "III")
    assert mediation["section_via"] in ("model", "fallback")
    assert abs(sum(fire["sentiment_scores"].values()) - 1) < 0.01
    assert load_bureau_file().rules  # the default bureau's rules ship with the package
