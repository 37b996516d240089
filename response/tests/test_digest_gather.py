"""The digest's figures for a seeded week: volume, sentiment, events, negatives, spikes, cases, sources."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from response import models as m
from response.roles import DUTY_OFFICER, LEADER, OFFICE
from response.services.digest import Week, gather, scope_for
from response.services.digest.text import one_line
from response.tests.factories import CaseFactory, MentionFactory, SourceFactory, UserFactory

SH = ZoneInfo("Asia/Shanghai")
WEEK = Week.parse("2026-W48")  # 11月23日 (Mon) — 11月29日 (Sun)
HOSTILE = "律师收费后多次错过举证期限<img src=x onerror=alert(1)>当事人投诉无门"


def at(day: int, hour: int = 9, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def seed_week(sections: dict[str, m.Section]) -> dict:
    """Two weeks of mentions, two events, five cases with met/missed clocks, a spike and a blind source."""
    lawyers, corrections = sections["lawyers"], sections["corrections"]
    people = SourceFactory(slug="people", name="人民网", reach=m.Reach.NATIONAL)
    paper = SourceFactory(slug="mnrb", name="闽南日报", reach=m.Reach.MUNICIPAL)
    board = SourceFactory(slug="board", name="市司法局领导信箱", kind=m.Source.Kind.BOARD, reach=m.Reach.COUNTY)
    SourceFactory(slug="zznews", name="漳州新闻网", blind_reason="连续 3 次采集失败：HTTP 403 Forbidden",
                  blind_since=at(25, 10))
    lawyer_event = m.Event.objects.create(key="evt-lawyer", title="市民投诉律师事务所收费后不作为",
                                          first_seen=at(23, 0), last_seen=at(24, 10), size=3)
    corr_event = m.Event.objects.create(key="evt-corr", title="网传社区矫正对象脱管 司法所回应",
                                        first_seen=at(25, 8), last_seen=at(25, 20), size=2)

    def mention(when, sentiment, section, *, source=paper, title=None, neg=0.0, event=None, **kw):
        kw.setdefault("matched_plans", ["本局名称"])
        return MentionFactory(
            source=source, published_at=when, fetched_at=when, sentiment=sentiment, section=section,
            sentiment_scores={"negative": neg, "neutral": 0.1, "positive": 0.05}, event=event,
            title=title or MentionFactory._meta.declarations["title"], **kw,
        )

    neg, neu, pos = m.Sentiment.NEGATIVE, m.Sentiment.NEUTRAL, m.Sentiment.POSITIVE
    # This week: 8 relevant mentions — 3 negative, 3 neutral, 2 positive.
    a1 = mention(at(23, 0), neg, lawyers, source=people, neg=0.93, event=lawyer_event,
                 title="人民网：市民投诉律师事务所收费3万元后不作为", urgency=70)
    mention(at(23, 15), neg, lawyers, neg=0.81, event=lawyer_event, title=HOSTILE)
    mention(at(24, 10), neu, lawyers, source=board, event=lawyer_event, title="关于某律师事务所收费问题的留言")
    b1 = mention(at(25, 8), neg, corrections, neg=0.88, event=corr_event, title="网传社区矫正对象脱管多日无人过问")
    mention(at(25, 20), neu, corrections, source=board, event=corr_event, title="司法所回应社区矫正对象脱管传闻")
    mention(at(26, 11), pos, sections["legal_aid"], title="法律援助中心服务获群众点赞")
    mention(at(27, 9), pos, sections["publicity"], title="普法宣传进社区活动受群众欢迎")
    MentionFactory(source=paper, published_at=None, fetched_at=at(29, 23, 30), sentiment=neu,
                   section=sections["grassroots"], matched_plans=["人民调解"], title="人民调解员化解邻里纠纷")
    # Not counted: dismissed by the duty officer, matched no plan, published after the week.
    mention(at(27, 10), neg, lawyers, title="已排除的误报：外地律师新闻", review=m.Mention.Review.DISMISSED, neg=0.99)
    mention(at(27, 11), neg, lawyers, title="与本局无关的新闻", matched_plans=[], neg=0.99)
    mention(at(30, 0, 30), neg, lawyers, title="下周一凌晨的新闻", neg=0.99)
    # Last week: 4 mentions, 2 negative (one a minute before this week began).
    mention(at(16), neg, lawyers, neg=0.7, title="上周负面一")
    mention(at(18), neu, corrections, title="上周中性一")
    mention(at(20), neu, sections["office"], title="上周中性二")
    mention(at(22, 23, 59), neg, corrections, neg=0.6, title="上周负面二")

    def clock(case, kind, due, stopped=None):
        return m.CaseClock.objects.create(case=case, clock=kind, started_at=case.opened_at, due_at=due,
                                          stopped_at=stopped)

    c1 = CaseFactory(section=lawyers, title="市民投诉律师事务所收费后不作为", event=lawyer_event,
                     opened_at=at(23, 10), responded_at=at(24, 9), state=m.Case.State.RESPONDED)
    c1.mentions.add(a1)
    clock(c1, m.Clock.RESPONSE, at(25, 10), at(24, 9))               # met
    clock(c1, m.Clock.CLOSURE, at(5, 10, month=12))                   # due next week
    c2 = CaseFactory(section=corrections, title="社区矫正对象脱管", event=corr_event, opened_at=at(25, 9))
    c2.mentions.add(b1)
    clock(c2, m.Clock.FIRST_STATEMENT, at(25, 14), at(25, 16))        # late
    clock(c2, m.Clock.RESPONSE, at(27, 9))                            # missed, overdue
    c3 = CaseFactory(section=sections["office"], title="领导信箱反映公证办理时间过长", opened_at=at(10),
                     responded_at=at(11), closed_at=at(26), state=m.Case.State.CLOSED)
    clock(c3, m.Clock.RESPONSE, at(12), at(11))                       # earlier week
    clock(c3, m.Clock.CLOSURE, at(24), at(26))                        # late
    c4 = CaseFactory(section=lawyers, title="已排除的案件", opened_at=at(24), state=m.Case.State.DISMISSED)
    clock(c4, m.Clock.RESPONSE, at(26))
    c5 = CaseFactory(section=corrections, title="社区矫正人员安置帮教诉求", opened_at=at(26))
    clock(c5, m.Clock.RESPONSE, at(28), at(1, 9, month=12))           # stopped only after the week: overdue
    m.SpikeAlert.objects.create(
        plan="社区矫正", hour=at(25, 8), observed=12, expected=1.5, p_value=0.0001,
        explanation="「社区矫正」每小时声量 12 条，远高于近期基线 1.5 条",
        top_events=[{"key": "evt-corr", "title": "网传社区矫正对象脱管 司法所回应", "count": 2},
                    {"key": "evt-notary", "title": "公证处窗口排长队引热议", "count": 1}],
    )
    leader = UserFactory(username="leader", email="leader@bureau.example.com", roles=[LEADER])
    office = UserFactory(username="office", email="Office@Bureau.example.com", roles=[OFFICE])
    UserFactory(username="office2", email="", roles=[OFFICE])
    UserFactory(username="duty", email="duty@bureau.example.com", roles=[DUTY_OFFICER])
    head = UserFactory(username="lawhead", email="lawhead@bureau.example.com")
    lawyers.head = head
    lawyers.save()
    corrections.email = "jiaozheng@bureau.example.com"
    corrections.save()
    return {"cases": [c1, c2, c3, c4, c5], "leader": leader, "office": office, "head": head}


@pytest.fixture
def seeded(bureau):
    return {"sections": bureau, **seed_week(bureau)}


def test_week_boundaries_and_title():
    assert WEEK.start == datetime(2026, 11, 23, tzinfo=SH)
    assert WEEK.end == datetime(2026, 11, 30, tzinfo=SH)
    assert WEEK.title == "2026年第48周（11月23日—11月29日）"
    assert WEEK.shifted(-1).label == "2026-W47"
    assert Week.parse("2026-W53").shifted(1).label == "2027-W01"
    assert Week.containing(datetime(2026, 11, 29, 16, 30, tzinfo=ZoneInfo("UTC"))).label == "2026-W49"
    with pytest.raises(ValueError):
        Week.parse("2025-W53")


def test_bureau_volume_and_sentiment(seeded):
    data = gather(WEEK, scope_for("bureau"))
    v, last = data.this_week, data.last_week
    assert (v.total, v.negative, v.neutral, v.positive) == (8, 3, 3, 2)
    assert (last.total, last.negative) == (4, 2)
    assert data.daily_this == [2, 1, 2, 1, 1, 0, 1]
    assert data.daily_negative == [2, 0, 1, 0, 0, 0, 0]
    assert data.daily_last == [1, 0, 1, 0, 1, 0, 1]


def test_events_ranked_by_reach_with_links(seeded):
    events = gather(WEEK, scope_for("bureau")).events
    assert [e.title for e in events] == ["市民投诉律师事务所收费后不作为", "网传社区矫正对象脱管 司法所回应"]
    top = events[0]
    assert (top.size, top.source_count, top.negative) == (3, 3, 2)
    assert "最高国家级" in top.summary and "首发：人民网" in top.summary
    assert top.link == f"http://127.0.0.1:8000/cases/{seeded['cases'][0].pk}/"


def test_most_negative_items_in_order(seeded):
    titles = [i.title for i in gather(WEEK, scope_for("bureau")).negatives]
    assert titles == ["人民网：市民投诉律师事务所收费3万元后不作为", "网传社区矫正对象脱管多日无人过问",
                      HOSTILE]


def test_case_figures_and_on_time_rates(seeded):
    cases = gather(WEEK, scope_for("bureau")).cases
    assert (cases.opened, cases.responded, cases.closed, cases.overdue_count) == (3, 1, 1, 2)
    rates = {r.clock: (r.met, r.due) for r in cases.rates}
    assert rates == {"first_statement": (0, 1), "response": (1, 3), "closure": (0, 1)}
    assert [o.title for o in cases.overdue] == ["社区矫正对象脱管", "社区矫正人员安置帮教诉求"]
    assert cases.overdue[0].overdue_hours == pytest.approx(3 * 24 - 9)


def test_blind_sources_and_spikes(seeded):
    data = gather(WEEK, scope_for("bureau"))
    assert [(s.name, s.new_this_week) for s in data.blind_sources] == [("漳州新闻网", True)]
    assert [s.causes for s in data.spikes] == [["网传社区矫正对象脱管 司法所回应（2条）", "公证处窗口排长队引热议（1条）"]]


def test_section_scope_keeps_to_its_own(seeded):
    law = gather(WEEK, scope_for("lawyers"))
    assert (law.this_week.total, law.this_week.negative, law.last_week.total) == (3, 2, 1)
    assert [e.title for e in law.events] == ["人民网：市民投诉律师事务所收费3万元后不作为"]
    assert (law.cases.opened, law.cases.overdue_count) == (1, 0)
    assert {r.clock: (r.met, r.due) for r in law.cases.rates}["response"] == (1, 1)
    assert law.spikes == [] and law.blind_sources == []
    corr = gather(WEEK, scope_for("corrections"))
    assert (corr.this_week.total, corr.cases.opened, corr.cases.overdue_count) == (2, 2, 2)
    assert [s.causes for s in corr.spikes] == [["网传社区矫正对象脱管 司法所回应（2条）"]]
    # The corrections digest names the event by its own first item.
    assert [e.title for e in corr.events] == ["网传社区矫正对象脱管多日无人过问"]


def test_empty_week(bureau):
    data = gather(Week.parse("2026-W10"), scope_for("bureau"))
    assert data.is_empty and not data.has_chart


def test_one_line_flattens_hostile_text():
    assert one_line("标题\u202e反转\n\n第二行\x00", 100) == "标题反转 第二行"
    assert one_line("长" * 70, 10) == "长" * 9 + "…"
