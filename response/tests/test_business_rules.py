"""Business rules are configuration with today's values as defaults: a bureau whose 12345 export
says “加急” for urgent tickets, or whose leader wants to hear the last warning, changes a setting,
not the code; a typo stops with a Chinese message instead of silently moving deadlines."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from response import roles
from response.models import Channel, Clock, Notification, Source
from response.services import business_rules, escalation
from response.services.cases import channel_for
from response.services.deadlines import running_clocks
from response.tests.factories import MentionFactory, SourceFactory
from response.tests.mechanism import make_case, person

pytestmark = pytest.mark.django_db


def _ticket(category: str):
    source = SourceFactory(slug="hotline-12345", kind=Source.Kind.HOTLINE, name="12345 转办件")
    return MentionFactory(source=source, title="市民来电反映社区矫正对象夜间滋扰", extra={"category": category})


def test_hotline_words_are_configuration(settings) -> None:
    assert channel_for(_ticket("紧急件")) == Channel.HOTLINE_URGENT  # today's default
    assert channel_for(_ticket("加急")) == Channel.HOTLINE_COMPLAINT
    settings.YUQING_HOTLINE_CHANNEL_WORDS = {"hotline_urgent": ["加急", "紧急"], "hotline_enquiry": ["咨询"]}
    assert channel_for(_ticket("加急")) == Channel.HOTLINE_URGENT


def test_unknown_channel_in_the_setting_is_refused(settings) -> None:
    settings.YUQING_HOTLINE_CHANNEL_WORDS = {"hotline_urgnet": ["紧急"]}
    with pytest.raises(ImproperlyConfigured, match="未知渠道“hotline_urgnet”"):
        business_rules.hotline_channel_words()


def test_running_states_decide_which_clocks_are_checked(settings, bureau) -> None:
    case = make_case(bureau, level="III")
    assert case.clocks.filter(pk__in=running_clocks().values("pk")).exists()
    settings.YUQING_RUNNING_STATES = ["handling"]  # a bureau that starts clocks only once handled
    case.state = "triage"
    case.save(update_fields=["state"])
    assert not running_clocks().filter(case=case).exists()
    settings.YUQING_RUNNING_STATES = ["handling", "archived"]
    with pytest.raises(ImproperlyConfigured, match="archived"):
        running_clocks()


def test_who_hears_a_stage_is_configuration(settings, bureau) -> None:
    lawyers = bureau["lawyers"]
    lawyers.email = "lvshike@bureau.example.com"
    lawyers.head = person("head_lvshi", roles.SECTION_STAFF, section=lawyers)
    lawyers.save()
    leader = person("leader_wang", roles.LEADER)
    settings.YUQING_ESCALATION_AUDIENCE = {
        "warn": ["sections"], "last_warn": ["sections", "head", "leader"],
        "overdue": ["head", "sections", "office", "leader"], "reminder": ["sections"],
    }
    case = make_case(bureau, level="III")
    case.leader = leader
    case.save(update_fields=["leader"])
    clock = case.clocks.get(clock=Clock.RESPONSE)
    escalation.check_deadlines(now=clock.started_at + timedelta(hours=39))  # 81 %: the last warning
    heard = set(Notification.objects.filter(case=case, key__contains=":warn80:").values_list("recipient", flat=True))
    assert "leader_wang@bureau.example.com" in heard and "head_lvshi@bureau.example.com" in heard


def test_an_unknown_audience_is_refused(settings) -> None:
    settings.YUQING_ESCALATION_AUDIENCE = {"warn": ["sections"], "last_warn": ["boss"], "overdue": [], "reminder": []}
    with pytest.raises(ImproperlyConfigured, match="boss"):
        business_rules.escalation_audience("last_warn")
