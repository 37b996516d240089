"""Urgency: parsing, reasons, levels and the ranking bar on held-out text."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sklearn.metrics import roc_auc_score

from analysis.urgency import (
    UrgencyConfig,
    UrgencyInput,
    extract_casualties,
    load_default,
    parse_cn_number,
    score_urgency,
)

# The urgency evaluation data and the hand-written sets the shipped model trains on
# (provenance: analysis/data/README.md).
URGENCY_DATA = Path(__file__).resolve().parents[1] / "data" / "urgency"


@pytest.fixture(scope="module")
def cfg() -> UrgencyConfig:
    return load_default()


def _score(cfg: UrgencyConfig, text: str, **kw) -> object:
    return score_urgency(UrgencyInput(text=text, **kw), cfg)


@pytest.mark.parametrize("token,value", [
    ("3", 3), ("三", 3), ("十二", 12), ("二十一", 21), ("一百三十八", 138), ("两", 2),
    ("数十", 20), ("2.3万", 23000), ("30余", 30), ("上千", 1000),
])
def test_parse_cn_number(token: str, value: int) -> None:
    assert parse_cn_number(token) == value


@pytest.mark.parametrize("text,kind,n", [
    ("火灾造成3人死亡、6人受伤", "deaths", 3),
    ("截至目前死亡人数升至12人", "deaths", 12),
    ("事故共造成5人受伤", "injured", 5),
    ("已造成二十一人死亡", "deaths", 21),
    ("造成2死9伤", "deaths", 2),
    ("造成2死9伤", "injured", 9),
    ("地震共造成数十人受伤", "injured", 20),
    ("井下作业人员14名矿工被困", "missing", 14),
    ("一名服刑人员在狱中死亡", "deaths", 1),
])
def test_extract_casualties(text: str, kind: str, n: int) -> None:
    assert extract_casualties(text)[kind] == n


def test_three_death_fire_reasons_and_level(cfg: UrgencyConfig) -> None:
    r = _score(cfg, "今日凌晨某市一居民楼发生火灾，事故造成3人死亡、6人受伤，起火原因正在调查。",
               reach="national")
    assert "突发事件：火灾（事故灾难）" in r.reasons
    assert "伤亡：死亡 3 人" in r.reasons
    assert "来源影响力：国家级" in r.reasons
    assert r.level in ("I", "II", "III")  # national grading: 3 deaths is at least 较大 (III)
    assert r.score >= 60


def test_death_toll_sets_national_level_floor(cfg: UrgencyConfig) -> None:
    assert _score(cfg, "客车侧翻事故已造成31人死亡").level == "I"
    assert _score(cfg, "客车侧翻事故已造成12人死亡").level in ("I", "II")


def test_angry_lawyer_fee_complaint_below_fire(cfg: UrgencyConfig) -> None:
    complaint = _score(
        cfg, "某律师事务所律师收费太黑了！代理一个简单的离婚案收了我三万元，什么事都没做，"
             "打电话也不接，简直是骗子，强烈要求司法局严肃处理！",
        sentiment_scores={"negative": 0.98, "neutral": 0.01, "positive": 0.01})
    fire = _score(cfg, "一居民楼发生火灾，造成3人死亡。",
                  sentiment_scores={"negative": 0.6, "neutral": 0.3, "positive": 0.1})
    assert complaint.score < fire.score
    assert complaint.level is None
    assert any(x.startswith("情感：负面") for x in complaint.reasons)


def test_prevention_talk_and_foreign_news_are_not_local_emergencies(cfg: UrgencyConfig) -> None:
    drill = _score(cfg, "市应急管理局组织开展消防安全宣传和火灾逃生演练，提升群众防范意识。")
    assert drill.score < 15 and drill.level is None
    abroad = _score(cfg, "美佐治亚州发生枪击事件 3人死亡\n美国当地时间23日，亚特兰大一购物中心附近"
                         "发生枪击事件，造成至少3人死亡。")
    assert abroad.score < 15
    assert any("境外事件" in x for x in abroad.reasons)


def test_violent_enforcement_and_spread(cfg: UrgencyConfig) -> None:
    r = _score(cfg, "网传视频显示，城管在执法过程中对摆摊老人拳打脚踢。",
               event_size=30, event_sources=12, growth_per_hour=12)
    assert any(x.startswith("暴力执法/殴打指控") for x in r.reasons)
    assert "传播：12 个网站转载（共 30 篇）" in r.reasons
    assert "传播：1 小时内新增 12 篇" in r.reasons
    assert r.level is not None


def test_config_is_data(cfg: UrgencyConfig) -> None:
    import yaml
    d = yaml.safe_load((Path(__file__).parents[1] / "config/urgency.yaml").read_text("utf-8"))
    d["levels"] = {"I": 99, "II": 98, "III": 97, "IV": 1}
    d["casualty_levels"] = {}
    strict = UrgencyConfig.from_dict(d)
    assert _score(strict, "居民楼发生火灾，造成3人死亡。").level == "IV"
    d["levels"]["V"] = 0
    with pytest.raises(ValueError):
        UrgencyConfig.from_dict(d)


def _auc(split: str, cfg: UrgencyConfig) -> float:
    with gzip.open(URGENCY_DATA / "urgency_eval.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(x) for x in fh]
    rows = [r for r in rows if r["split"] == split
            and r["group"] in ("emergency", "routine_news", "complaint")]
    y = [r["group"] == "emergency" for r in rows]
    s = [score_urgency(UrgencyInput(title=r["title"], text=r["text"]), cfg).score for r in rows]
    return float(roc_auc_score(y, s))


@pytest.mark.parametrize("split", ["test", "holdout"])
def test_ranking_auc_on_held_out_halves(split: str, cfg: UrgencyConfig) -> None:
    # Emergencies vs routine 新闻联播 news and citizen complaints; see docs/analysis.md.
    assert _auc(split, cfg) >= 0.98


def test_alternation_is_a_trie_matching_longest_terms() -> None:
    from analysis.urgency import _alternation
    p = _alternation(["火", "火灾", "聚集", "聚集性疫情", "H7N9"])
    assert p.findall("火灾后出现聚集性疫情，又见聚集与火，H7N9") == [
        "火灾", "聚集性疫情", "聚集", "火", "H7N9"]


@pytest.mark.parametrize("text,kind,n", [
    ("累计报告发病学生48例，均为轻症", "injured", 48),
    ("已有63名学生被送往医院", "injured", 63),
    ("已发现2名遇难者，另有3人失联", "deaths", 2),
])
def test_extract_casualties_more_wordings(text: str, kind: str, n: int) -> None:
    assert extract_casualties(text)[kind] == n


def test_drills_and_anniversaries_are_not_events(cfg: UrgencyConfig) -> None:
    drill = _score(cfg, "县人民医院开展群体性伤员救治应急演练。模拟高速公路发生多车相撞造成20余人受伤，"
                        "医院迅速启动预案，分批接收救治伤员。")
    assert drill.score < 15 and drill.level is None
    assert any(x.startswith("常规报道：演练") for x in drill.reasons)
    memorial = _score(cfg, "今天是特大地震十六周年纪念日，群众来到纪念馆敬献鲜花，缅怀在地震中遇难的同胞。")
    assert memorial.score < 15
    real = _score(cfg, "某县凌晨发生5.9级地震，已造成12人死亡、200余人受伤。")
    assert real.score >= 60 and real.level in ("I", "II")


def test_prevention_clause_does_not_silence_the_incident_clause(cfg: UrgencyConfig) -> None:
    r = _score(cfg, "两名学生到水库游泳，不幸溺水身亡，当地教育部门已组织开展防溺水专项整治。")
    assert any(x.startswith("突发事件：") for x in r.reasons)
    routine = _score(cfg, "省监狱管理局召开会议，要求严防罪犯脱逃、自杀、行凶等事件发生，确保监狱持续安全稳定。")
    # The classifier gives a prison-safety meeting a small probability (its words are
    # incident words); with the blend it stays unlevelled and far below the drowning.
    assert routine.level is None and routine.score < 20
    assert r.score - routine.score >= 30


def test_justice_incidents_and_nationals_abroad(cfg: UrgencyConfig) -> None:
    escape = _score(cfg, "省监狱管理局通报：某监狱一名罪犯于昨日凌晨利用外出劳动之机脱逃，监狱已会同公安机关全力追捕。")
    assert "突发事件：脱逃（司法行政安全事件）" in escape.reasons
    abroad = _score(cfg, "一辆载有我国游客的大巴在境外某国山区坠崖，目前已确认11名中国公民遇难，我驻当地使馆已启动应急机制。")
    assert abroad.level in ("I", "II") and not any("境外事件" in x for x in abroad.reasons)


def test_letters_and_anger_weigh_little(cfg: UrgencyConfig) -> None:
    letter = _score(cfg, "尊敬的市长：您好！小区物业乱收费，业主多次反映无果，请领导关注。",
                    sentiment_scores={"negative": 0.99})
    assert letter.score <= 4 and letter.level is None
    assert any(x.startswith("文体：致领导的来信") for x in letter.reasons)


def test_blind2_regression_floor(cfg: UrgencyConfig) -> None:
    # blind2 was measured once before and once after the generalisation work
    # (0.838 → 0.958, docs/analysis.md); it is no longer blind, this only
    # guards against regressions. Never tune on its items.
    lines = (URGENCY_DATA / "emergencies_blind2.txt").read_text("utf-8").splitlines()
    rows = [x.split("|", 2) for x in lines if x.strip() and not x.startswith("#")]
    y = [group == "emergency" for group, _, _ in rows]
    s = [score_urgency(UrgencyInput(text=text), cfg).score for _, _, text in rows]
    assert roc_auc_score(y, s) >= 0.95
