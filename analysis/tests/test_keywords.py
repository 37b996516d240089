import time

import pytest

from analysis.keywords import KeywordSyntaxError, PlanHit, compile_plans, parse_expression

TEXT = "網友投訴：漳州市司法局對律師亂收費問題不作為，律師事務所至今未退費。"


def spans(hit: PlanHit, text: str = TEXT) -> list[tuple[str, str]]:
    return [(t.term, text[t.start : t.end]) for t in hit.terms]


def test_and_or_with_positions_in_the_original_text():
    [hit] = compile_plans({"投诉": "(司法局 OR 司法所) AND (投诉 OR 举报)"}).match(TEXT)
    assert hit.plan == "投诉"
    assert spans(hit) == [("投诉", "投訴"), ("司法局", "司法局")]


def test_implicit_and_by_whitespace():
    matcher = compile_plans({"p": "司法局 不作为"})
    assert matcher.match(TEXT)
    assert not matcher.match("司法局召开会议")


def test_not_excludes():
    matcher = compile_plans({"p": "司法局 NOT 招聘", "q": "司法局 AND NOT 不作为"})
    assert [h.plan for h in matcher.match(TEXT)] == ["p"]
    assert [h.plan for h in matcher.match(TEXT + "司法局招聘公告")] == []


def test_nesting_and_precedence():
    matcher = compile_plans({"p": "律师 AND (收费 OR (退费 NOT 已退费)) OR 公证处"})
    assert matcher.match(TEXT)
    assert matcher.match("公证处排队")
    assert not matcher.match("律师已退费")
    # NOT binds tighter than AND, AND tighter than OR
    assert not compile_plans({"p": "a b OR c NOT d"}).match("a d")
    assert compile_plans({"p": "a b OR c NOT d"}).match("a b d")


def test_near_within_distance_either_order():
    matcher = compile_plans({"near": "NEAR/2(律师, 收费)", "far": "NEAR/1(律师, 退费)"})
    hits = matcher.match(TEXT)
    assert [h.plan for h in hits] == ["near"]
    assert spans(hits[0]) == [("律师", "律師"), ("收费", "收費")]
    assert compile_plans({"p": "NEAR/0(收费, 律师)"}).match("收费律师")


def test_quoted_phrase_with_spaces_and_operator_words_case_insensitive():
    matcher = compile_plans({"p": '"Legal Aid" OR "NOT FOUND"'})
    text = "Free LEGAL AID clinic; page not found"
    [hit] = matcher.match(text)
    assert spans(hit, text) == [("Legal Aid", "LEGAL AID"), ("NOT FOUND", "not found")]


def test_full_width_operators_and_brackets():
    assert compile_plans({"p": "（司法局　ＯＲ 公证处）"}).match("公证处")


@pytest.mark.parametrize(
    ("expr", "position", "fragment"),
    [
        ("(司法局 OR 律师", 0, "缺少右括号"),
        ("司法局 OR", 6, "缺少关键词"),
        ("司法局 )", 4, "多余的右括号"),
        ("司法局 AND OR 投诉", 8, "OR"),
        ('律师 "乱收费', 3, "引号未闭合"),
        ("NEAR/x(a, b)", 0, "NEAR/数字"),
        ("NEAR/3(a b)", 9, "逗号"),
        ("NOT 招聘", 0, "NOT"),
        ("", 0, "为空"),
        ("()", 1, "括号内为空"),
    ],
)
def test_syntax_errors_point_at_the_column(expr, position, fragment):
    with pytest.raises(KeywordSyntaxError) as info:
        parse_expression(expr)
    assert info.value.position == position
    assert fragment in info.value.message
    assert f"第 {position + 1} 列" in str(info.value)


def test_compile_reports_the_plan_name():
    with pytest.raises(KeywordSyntaxError) as info:
        compile_plans({"好方案": "司法局", "坏方案": "(律师"})
    assert info.value.plan == "坏方案"
    assert "坏方案" in str(info.value)


def test_thousands_of_terms_in_one_automaton_are_cheap():
    plans = {f"plan{i}": f"(词{i}甲 OR 词{i}乙) NOT 词{i}丙" for i in range(2000)}
    plans["real"] = "司法局 AND 律师"
    started = time.perf_counter()
    matcher = compile_plans(plans)
    assert matcher.term_count == 6002
    doc = TEXT * 200 + "词7乙"
    hits = matcher.match(doc)
    elapsed = time.perf_counter() - started
    assert {h.plan for h in hits} == {"real", "plan7"}
    assert elapsed < 2.0


def test_no_plans_and_empty_text():
    assert compile_plans({}).match(TEXT) == []
    assert compile_plans({"p": "司法局"}).match("") == []
