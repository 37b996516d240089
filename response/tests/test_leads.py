"""One queue row per story: reposts wait behind the event's lead copy, and take over when it is reviewed."""
from __future__ import annotations

import pytest
from django.utils import timezone

from response.models import Event, Mention
from response.services import casework
from response.services.leads import claim_lead, hand_over_lead
from response.tests.factories import MentionFactory, SourceFactory, UserFactory


@pytest.fixture
def story(bureau):
    now = timezone.now()
    event = Event.objects.create(key="evt-tuoguan", title="社区矫正对象脱管后持刀伤人", first_seen=now, last_seen=now)
    copies = []
    for slug, urgency in (("mnrb", 80), ("fjnews", 78), ("wechat", 81)):
        m = MentionFactory(source=SourceFactory(slug=slug), event=event, flagged=True, urgency=urgency, level="II",
                           section=bureau["corrections"], title="龙海区一社区矫正对象脱管后持刀伤人致2人死亡")
        claim_lead(m)
        copies.append(m)
    return event, copies


def queue():
    return Mention.objects.filter(flagged=True, review="pending", event_lead=True)


def test_only_the_first_copy_of_a_story_leads(story):
    event, (first, second, third) = story
    assert list(queue()) == [first]
    assert Mention.objects.get(pk=second.pk).event_lead is False


def test_dismissing_the_lead_hands_the_story_to_the_most_urgent_copy(story):
    event, (first, second, third) = story
    duty = UserFactory(username="duty", roles=["值班员"])
    casework.dismiss_mention(first, duty, "与本局无关的转载")
    assert list(queue()) == [third]


def test_confirming_with_every_copy_reviewed_leaves_nothing_behind(story):
    event, copies = story
    duty = UserFactory(username="duty", roles=["值班员"])
    for m in copies:
        casework.confirm_mention(m, duty)
    assert not queue().exists()
    assert hand_over_lead(event.pk) is None


def test_unflagged_or_eventless_mentions_keep_their_own_row(bureau):
    lone = MentionFactory(flagged=True, urgency=30)
    assert claim_lead(lone) is True
    quiet = MentionFactory(flagged=False)
    assert claim_lead(quiet) is True


def test_the_queue_page_shows_the_story_once(story, client):
    from django.urls import reverse

    event, (first, second, third) = story
    client.force_login(UserFactory(username="duty", roles=["值班员"]))
    html = client.get(reverse("queue")).content.decode()
    assert reverse("mention", args=[first.pk]) in html
    assert reverse("mention", args=[second.pk]) not in html and reverse("mention", args=[third.pk]) not in html
