"""Places on word boundaries: a domestic emergency never reads as foreign (issue 13).

Each case pairs a domestic report whose wording used to hit a foreign name (by substring, or
by a foreign embassy, the UN or relief teams named in passing) with a real foreign report."""
from __future__ import annotations

import pytest

from analysis.places import Gazetteer, story_abroad
from analysis.urgency import UrgencyConfig, UrgencyInput, load_default, score_urgency


@pytest.fixture(scope="module")
def cfg() -> UrgencyConfig:
    return load_default()


def _foreign(result) -> bool:
    return any(r.startswith("境外事件") or "境外报道" in r for r in result.reasons)


def _score(cfg: UrgencyConfig, title: str, text: str):
    return score_urgency(UrgencyInput(title=title, text=text), cfg)


DOMESTIC = [
    ("山东威海海域发生4.6级地震",
     "据中国地震台网正式测定，今日凌晨3时12分在山东威海市海域发生4.6级地震，震源深度10公里。"
     "威海地震造成市区部分老旧房屋墙体开裂，2人受伤送医，当地已启动地震应急响应。"),
    ("江苏丹阳一化工厂发生爆炸",
     "记者从丹阳市应急管理局获悉，今天上午10时许，江苏丹阳一化工企业车间发生爆炸并引发火灾，"
     "事故已造成3人死亡、8人受伤，消防救援人员正在现场处置。"),
    ("昆明火车站发生严重暴力恐怖案件",
     "3月1日21时20分许，一伙暴徒在昆明火车站持刀砍杀无辜群众，已造成29人死亡、130余人受伤。"
     "联合国安理会发表新闻声明予以强烈谴责，美国驻华使馆也发表声明表示哀悼。"),
    ("",
     "联合国秘书长发言人表示，秘书长强烈谴责3月1日在昆明火车站发生的暴力恐怖袭击，"
     "该事件已造成29人死亡、130余人受伤。"),
    ("四川汶川发生8.0级地震",
     "5月12日14时28分，四川汶川发生8.0级强烈地震，造成大量房屋倒塌和人员伤亡，目前已确认死亡人数升至"
     "12000余人。来自日本、俄罗斯、韩国、新加坡的国际救援队已陆续抵达灾区参与搜救。"),
    ("",
     "日本、韩国等国向四川汶川地震灾区派出救援队。截至目前，地震已造成8万余人死亡和失踪，"
     "大批群众被困，救援工作仍在紧张进行。"),
    ("台湾花莲县海域发生6.9级地震",
     "今天上午，台湾花莲县海域发生6.9级地震，福建、广东东南沿海地区震感明显，花莲多处房屋倒塌，"
     "已造成5人死亡、数十人受伤。"),
]

FOREIGN = [
    ("海地发生7.2级强烈地震",
     "当地时间14日上午，加勒比岛国海地发生7.2级强烈地震，已造成300余人死亡、1800余人受伤，"
     "大量房屋倒塌。"),
    ("苏丹首都喀土穆爆发武装冲突",
     "苏丹首都喀土穆15日爆发武装冲突，据当地医生组织统计，冲突已造成至少56名平民死亡、"
     "数百人受伤。"),
    ("",
     "新华社北京3月5日电 美国加利福尼亚州一购物中心当地时间4日发生枪击事件，造成3人死亡、5人受伤。"),
    ("",
     "北京时间3月11日13时46分，日本东北部海域发生9.0级地震并引发海啸，已造成数千人死亡和失踪。"),
]


@pytest.mark.parametrize("title,text", DOMESTIC)
def test_domestic_emergency_is_never_foreign(cfg: UrgencyConfig, title: str, text: str) -> None:
    r = _score(cfg, title, text)
    assert not _foreign(r), r.reasons
    assert any(x.startswith("突发事件") for x in r.reasons)
    assert r.score >= 50 and r.level is not None


@pytest.mark.parametrize("title,text", FOREIGN)
def test_foreign_emergency_stays_low(cfg: UrgencyConfig, title: str, text: str) -> None:
    r = _score(cfg, title, text)
    assert _foreign(r), r.reasons
    assert r.score < 15


def test_foreign_reason_names_the_place(cfg: UrgencyConfig) -> None:
    r = _score(cfg, *FOREIGN[0])
    assert any("（海地）" in x for x in r.reasons)


@pytest.mark.parametrize("text,names", [
    ("威海地震造成2人受伤", ["威海"]),               # not 海地
    ("江苏丹阳一化工厂发生爆炸", ["江苏", "丹阳"]),     # not 苏丹
    ("福建东南沿海地区迎来强降雨", ["福建"]),           # not 海地
    ("湖南非常重视防汛工作", ["湖南"]),                # not 南非
    ("受冷空气影响我国中东部地区气温下降", []),          # not 中东
    ("2014年7月28日本人再次电话咨询", []),             # not 日本
    ("在印度尼西亚苏门答腊岛发生地震", ["印度尼西亚", "苏门答腊"]),   # the longer name
    ("内蒙古锡林郭勒盟遭遇暴雪", ["内蒙古", "锡林郭勒盟"]),          # not 蒙古
])
def test_names_on_word_boundaries(cfg: UrgencyConfig, text: str, names: list[str]) -> None:
    assert [p.name for p in cfg._compiled["places"].find(text)] == names


def test_passing_mentions_and_datelines(cfg: UrgencyConfig) -> None:
    places = cfg._compiled["places"].find("新华社北京3月5日电 美国驻华使馆发表声明，美国加州发生枪击")
    assert [(p.name, p.foreign, p.passing) for p in places] == [
        ("北京", False, True), ("美国", True, True), ("美国", True, False), ("加州", True, False)]


def test_bureau_places_extend_the_gazetteer() -> None:
    g = Gazetteer(domestic=["杨美村"], foreign=["美国"])
    assert story_abroad("杨美村发生山体滑坡，美国专家参与救援", g)[0] is False
    assert story_abroad("美国发生山体滑坡", g) == (True, "美国")
    # The UN alone, with no Chinese place named, is news from abroad.
    un = Gazetteer(domestic=["昆明"], foreign=[], actors=["联合国"])
    assert story_abroad("联合国机构称超4.7亿儿童受冲突影响", un) == (True, "联合国")
    assert story_abroad("联合国谴责昆明暴恐袭击", un)[0] is False
