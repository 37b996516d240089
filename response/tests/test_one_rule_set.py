"""One source of truth for the judgement's rules: the level on the case is the level the analyzer
reports (casualty floors included), `yuqing analyze` judges like the database it would load into,
routing reasons name sections, and an admin edit reaches the next judgement without a restart."""
from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from analysis.bureau import load_bureau_file
from response.models import ConfigVersion, Level, Mention, RoutingRule, Section
from response.services import analyzer_config, judgement
from response.tests.factories import MentionFactory, SourceFactory

pytestmark = pytest.mark.django_db

# Calm wording, large toll: the score alone stays below level I, the national grading puts it there.
DISASTER = {
    "title": "市应急管理局通报去年一起煤矿事故调查结论",
    "text": "调查报告显示，去年11月该煤矿发生透水事故，造成35人死亡。事故调查组已提出处理意见，"
            "有关部门将依法依规追究责任单位和人员的责任。",
}


@pytest.fixture(autouse=True)
def _fresh_analyzer():
    analyzer_config.reset_cache()
    yield
    analyzer_config.reset_cache()


def test_case_level_is_the_analyzers_level_with_its_casualty_floor(bureau) -> None:
    mention = MentionFactory(source=SourceFactory(), **DISASTER)
    judged = judgement.analyse_mention(mention.pk)
    result = analyzer_config.current_analyzer().analyze({**DISASTER, "id": mention.pk})
    assert result["level"] == "I"
    assert result["urgency"] < Level.objects.get(code="I").min_urgency  # the floor, not the score
    assert judged.level == "I"


def test_floors_come_from_the_level_table(bureau) -> None:
    Level.objects.filter(code="I").update(min_deaths=None, min_missing=None)
    Level.objects.filter(code="I").first().save()  # an admin save bumps the stamp
    result = analyzer_config.current_analyzer().analyze(DISASTER)
    assert result["level"] == "II"  # 35 deaths now only reaches the level II floor (10)


def test_admin_edit_moves_the_stamp_and_the_next_judgement_sees_it(bureau) -> None:
    before = analyzer_config.config_version()
    first = analyzer_config.current_analyzer()
    assert analyzer_config.current_analyzer() is first  # cached while nothing changed
    rule = RoutingRule.objects.get(name="律师事项")
    rule.keywords = "律师,律所,法律顾问"
    rule.save()
    assert analyzer_config.config_version() > before
    assert analyzer_config.current_analyzer() is not first
    assert ConfigVersion.objects.get(name=analyzer_config.STAMP).version == analyzer_config.config_version()


def test_analyze_command_judges_like_the_database(bureau, tmp_path) -> None:
    docs = [DISASTER, {"title": "市民反映某律所收费不透明", "text": "律师收取费用后未开具发票，希望律师工作科调查。"}]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs), encoding="utf-8")
    out_db = tmp_path / "db.jsonl"
    call_command("analyze", "--input", str(src), "--output", str(out_db))
    file_results = [analyzer_config.standalone_analyzer(bureau_file=_default_file()).analyze(d) for d in docs]
    db_results = [json.loads(x) for x in out_db.read_text(encoding="utf-8").splitlines()]
    for got, want in zip(db_results, file_results, strict=True):
        for key in ("level", "urgency", "section", "section_via", "keywords"):
            assert got[key] == want[key], key
    assert db_results[0]["level"] == "I"
    assert db_results[1]["section"] == "lawyers" and db_results[1]["section_via"] == "rule"


def _default_file():
    from analysis.bureau import default_bureau_path

    return default_bureau_path()


def test_routing_reasons_name_the_section(bureau) -> None:
    mention = MentionFactory(source=SourceFactory())
    judged = judgement.analyse_mention(mention.pk)
    assert judged.section.code == "lawyers"
    assert "→ 律师工作科" in judged.section_reason
    assert "→ lawyers" not in judged.section_reason


def test_rules_from_the_file_and_the_database_are_the_same(bureau) -> None:
    from_db = analyzer_config.rules_from_db()
    from_file = load_bureau_file()
    assert from_db.plans == from_file.plans
    assert sorted(from_db.rules, key=lambda r: r.name) == sorted(from_file.rules, key=lambda r: r.name)
    assert from_db.levels == from_file.levels
    assert from_db.section_names == from_file.section_names
    assert from_db.fallback == from_file.fallback == Section.fallback().code


def test_places_condition_of_a_rule_is_kept_by_the_file_loader(tmp_path) -> None:
    path = tmp_path / "bureau.yaml"
    path.write_text(
        "sections: [{code: office, name: 办公室, fallback: true}, {code: grassroots, name: 基层工作科}]\n"
        "plans: [{name: 调解, expression: '调解'}]\n"
        "routing_rules: [{name: 芗城调解, section: grassroots, plans: [调解], places: [芗城区], source_kinds: [board]}]\n"
        "levels: [{code: I, order: 1, min_urgency: 85, min_deaths: 30}]\n", encoding="utf-8")
    rules = load_bureau_file(path)
    (rule,) = rules.rules
    assert rule.places == ("芗城区",) and rule.source_kinds == ("board",)
    assert rules.levels[0].floors == {"deaths": 30}
    assert Mention.objects.count() == 0
