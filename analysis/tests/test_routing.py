"""Routing: human beats rules beats model; low-confidence model falls back to the office."""
from __future__ import annotations

from dataclasses import dataclass, field

from analysis.keywords import compile_plans
from analysis.routing import RoutingRule, route
from analysis.sections import load_section_model

RULES = [
    RoutingRule("律师投诉", "lawyers", keywords=("律师", "律所"), priority=10),
    RoutingRule("公证", "notary", keywords=("公证",), priority=20),
    RoutingRule("12345 社区矫正", "corrections", plans=("社区矫正",), source_kinds=("hotline",),
                priority=5),
    RoutingRule("芗城区留言板", "grassroots", sources=("xc-board",), places=("芗城区",), priority=50),
]
LAWYER = {"title": "投诉某律师事务所", "text": "某律所律师收了三万元代理费后一直不接电话，也不出庭。"}


@dataclass
class FakePrediction:
    label: str
    confidence: float
    terms: list = field(default_factory=list)


class FakeSectionModel:
    def __init__(self, label: str, confidence: float):
        self.pred = FakePrediction(label, confidence, [("调解", 0.8), ("纠纷", 0.5)])
        self.calls = 0

    def predict(self, texts):
        self.calls += 1
        return [self.pred for _ in texts]


def test_human_assignment_always_wins() -> None:
    d = route({**LAWYER, "assigned_section": "publicity"}, [], RULES, FakeSectionModel("office", 0.9))
    assert (d.section, d.via, d.confidence) == ("publicity", "human", 1.0)
    assert "人工指定" in d.reason


def test_rule_by_keyword_with_chinese_reason() -> None:
    model = FakeSectionModel("notary", 0.99)
    d = route(LAWYER, [], RULES, model)
    assert (d.section, d.via, d.rule) == ("lawyers", "rule", "律师投诉")
    assert "规则「律师投诉」" in d.reason and "“律师”" in d.reason
    assert model.calls == 0  # the model is consulted only when no rule decides


def test_priority_order_and_all_conditions() -> None:
    matcher = compile_plans({"社区矫正": "社区矫正 OR 矫正对象"})
    doc = {"title": "", "text": "社区矫正对象找律师咨询", "kind": "hotline"}
    d = route(doc, matcher.match(doc["text"]), RULES)
    assert d.section == "corrections"  # priority 5 beats the lawyer rule (10)
    d = route({**doc, "kind": "board"}, matcher.match(doc["text"]), RULES)
    assert d.section == "lawyers"      # source kind fails, so the next rule decides
    place = {"title": "", "text": "芗城区某村调解纠纷", "source": "xc-board"}
    assert route(place, [], RULES).section == "grassroots"
    assert route({**place, "source": "other"}, [], RULES).via == "fallback"


def test_model_then_low_confidence_fallback() -> None:
    doc = {"title": "", "text": "邻里之间因为宅基地纠纷吵了三年，村里调解没有结果。"}
    d = route(doc, [], RULES, FakeSectionModel("grassroots", 0.72))
    assert (d.section, d.via) == ("grassroots", "model")
    assert "调解" in d.reason and "0.72" in d.reason
    d = route(doc, [], RULES, FakeSectionModel("grassroots", 0.2), min_confidence=0.35)
    assert (d.section, d.via) == ("office", "fallback")
    assert "0.20" in d.reason and "低于 0.35" in d.reason
    assert route(doc, [], RULES).reason.startswith("无规则命中且未配置模型")


def test_rules_are_data() -> None:
    r = RoutingRule.from_dict({"name": "普法", "section": "publicity", "keywords": "普法",
                               "priority": "3"})
    assert r.keywords == ("普法",) and r.priority == 3
    assert route({"text": "开展普法宣传进社区活动"}, [], [r]).section == "publicity"


def test_shipped_section_model_routes_unruled_text() -> None:
    model = load_section_model()
    doc = {"title": "", "text": "我是社区矫正对象，想请假去外地看病，需要办理什么手续？"}
    d = route(doc, [], [], model)
    assert d.via in ("model", "fallback")
    assert d.section == "corrections" or d.via == "fallback"
    assert d.via == "model"


def test_one_pass_keyword_search_agrees_with_substring_search():
    from analysis.routing import RoutingRule, _present
    from analysis.text import fold

    rules = [RoutingRule(name="律师", section="lawyers", keywords=("律师", "律所", "")),
             RoutingRule(name="属地", section="grassroots", places=("龙海", "长泰区")),
             RoutingRule(name="重叠", section="notary", keywords=("公证处", "公证"))]
    text = fold("长泰区公证处门前，一名律师与当事人发生争执")
    present = _present(rules, text)
    for rule in rules:
        for needle in (*rule._folded_keywords, *rule._folded_places):
            assert (needle in present) == (needle in text), needle
