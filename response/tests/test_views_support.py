"""Data for the web-UI tests (no tests here): people in each role and flagged mentions with real keyword offsets."""
from __future__ import annotations

import gzip
from datetime import timedelta

import pytest
from django.utils import timezone

from response import models as m
from response import roles
from response.tests.factories import MentionFactory, SourceFactory, UserFactory

PASSWORD = "pass-1234"


@pytest.fixture(autouse=True)
def fresh_dashboard_cache():
    """The dashboard figures are cached for a minute: each test starts (and leaves) without them.
    Import this into a test module to make it autouse there; only our own key is deleted."""
    from response.services import dashboard

    dashboard.forget_cached()
    yield
    dashboard.forget_cached()


def keyword_hits(title: str, text: str, plan: str, *terms: str) -> list[dict]:
    """Offsets of every occurrence of `terms` in title + "\\n" + text, as the judgement stores them."""
    full = f"{title}\n{text}"
    hits = []
    for term in terms:
        start = full.find(term)
        while start >= 0:
            hits.append({"plan": plan, "term": term, "start": start, "end": start + len(term)})
            start = full.find(term, start + 1)
    return hits


def people(sections: dict) -> dict:
    """One user per role; section staff belong to 律师工作科 or 公证工作科."""
    users = {
        "duty": UserFactory(username="duty", first_name="值班员小陈", roles=[roles.DUTY_OFFICER]),
        "office": UserFactory(username="office", first_name="办公室张主任", roles=[roles.OFFICE]),
        "leader": UserFactory(username="leader", first_name="分管领导", roles=[roles.LEADER]),
        "lawyer_staff": UserFactory(username="lawyer_staff", first_name="律师科王科员", roles=[roles.SECTION_STAFF]),
        "notary_staff": UserFactory(username="notary_staff", first_name="公证科李科员", roles=[roles.SECTION_STAFF]),
    }
    sections["lawyers"].members.add(users["lawyer_staff"])
    sections["notary"].members.add(users["notary_staff"])
    return users


LAWYER_TITLE = "市民投诉某律师事务所收费后不作为 律师工作科介入调查"
LAWYER_TEXT = ("市民林女士反映，她委托某律师事务所代理民间借贷纠纷，支付律师费3万元后，承办律师多次错过举证期限。"
               "\n她已向市司法局投诉，要求退还律师费。")


def flagged_mention(sections: dict, *, title: str = LAWYER_TITLE, text: str = LAWYER_TEXT, urgency: int = 72,
                    level: str = "II", section: str = "lawyers", source=None, event=None, age_minutes: int = 5,
                    plan: str = "律师公证", terms: tuple[str, ...] = ("律师事务所", "律师"), **extra) -> m.Mention:
    now = timezone.now()
    fields = dict(
        title=title, text=text, source=source or SourceFactory(slug="mnrb", name="闽南日报"),
        fetched_at=now - timedelta(minutes=age_minutes), published_at=now - timedelta(minutes=age_minutes + 30),
        analysed_at=now, sentiment="negative",
        sentiment_scores={"negative": 0.91, "neutral": 0.06, "positive": 0.03},
        sentiment_terms=[["投诉", 0.8], ["不作为", 0.6]], urgency=urgency, level=level,
        urgency_reasons=["负面情感概率 0.91", "事件已被 3 个网站转载"], section=sections[section],
        section_confidence=1.0, section_via="rule", section_reason="分办规则“律师事项”命中关键词“律师”",
        keywords=keyword_hits(title, text, plan, *terms), matched_plans=[plan], flagged=True, event=event,
        raw_gz=gzip.compress(f"<html><body><h1>{title}</h1><p>{text}</p></body></html>".encode()),
        encoding="utf-8",
    )
    fields.update(extra)
    return MentionFactory(**fields)


def event_with_copies(sections: dict, n: int = 3) -> tuple[m.Event, list[m.Mention]]:
    now = timezone.now()
    event = m.Event.objects.create(key="evt-lawyer", title=LAWYER_TITLE, first_seen=now, last_seen=now,
                                   size=n, source_count=n, max_urgency=72, level="II")
    names = ["闽南日报", "东南网", "漳州新闻网", "台海网", "新浪福建"]
    copies = [
        flagged_mention(sections, source=SourceFactory(slug=f"site-{i}", name=names[i % len(names)]), event=event,
                        age_minutes=5 + i)
        for i in range(n)
    ]
    return event, copies
