"""Volume spikes per watch plan: this hour's mentions against the plan's own baseline.

Counts use collection time (fetched_at): an alert must fire while the story is spreading, and
publish times of items collected later would leave the current hour incomplete. One alert per
plan and hour (unique), so a re-run of the hourly task finds nothing new.
"""
from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from analysis.spikes import detect_spike
from response.models import Event, KeywordPlan, Mention, SpikeAlert
from response.services.health import duty_targets
from response.services.notify.base import Message
from response.services.notify.dispatch import enqueue

logger = logging.getLogger(__name__)

BASELINE_HOURS = 7 * 24


def _hour_floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def hourly_counts(start: datetime, hours: int) -> tuple[dict[str, list[int]], dict[str, Counter]]:
    """Per plan: counts for each hour from `start`; and for the last hour, mentions per event."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * hours)
    last_hour_events: dict[str, Counter] = defaultdict(Counter)
    rows = (Mention.objects.filter(fetched_at__gte=start, fetched_at__lt=start + timedelta(hours=hours))
            .exclude(matched_plans=[]).values_list("fetched_at", "matched_plans", "event_id"))
    for fetched_at, plans, event_id in rows.iterator(chunk_size=5000):
        index = int((fetched_at - start).total_seconds() // 3600)
        for plan in plans or []:
            counts[plan][index] += 1
            if index == hours - 1 and event_id:
                last_hour_events[plan][event_id] += 1
    return counts, last_hour_events


def check_spikes(now: datetime | None = None, *, baseline_hours: int = BASELINE_HOURS,
                 alpha: float = 0.001, min_count: int = 5) -> list[SpikeAlert]:
    """Test the last complete hour of every enabled plan; record and announce each spike once."""
    now = now or timezone.now()
    hour = _hour_floor(now) - timedelta(hours=1)
    start = hour - timedelta(hours=baseline_hours)
    counts, events = hourly_counts(start, baseline_hours + 1)
    created = []
    for plan in KeywordPlan.objects.filter(enabled=True).values_list("name", flat=True):
        series = counts.get(plan, [0] * (baseline_hours + 1))
        spike = detect_spike(series[:-1], series[-1], alpha=alpha, min_count=min_count)
        if spike is None:
            continue
        top = events.get(plan, Counter()).most_common(3)
        titles = dict(Event.objects.filter(pk__in=[pk for pk, _ in top]).values_list("pk", "title"))
        top_events = [{"key": Event.objects.get(pk=pk).key, "title": titles.get(pk, ""), "count": n} for pk, n in top]
        causes = "；".join(f"{e['title']}（{e['count']}条）" for e in top_events) or "无集中事件"
        try:
            with transaction.atomic():
                alert = SpikeAlert.objects.create(
                    plan=plan, hour=hour, observed=spike.observed, expected=spike.expected, p_value=spike.p_value,
                    explanation=f"{spike.explanation_zh} 主要来自：{causes}", top_events=top_events,
                )
        except IntegrityError:
            continue  # this plan's hour was already recorded by an earlier run
        created.append(alert)
        logger.warning("spike.detected plan=%s hour=%s observed=%s expected=%s", plan, hour, spike.observed,
                       spike.expected)
        enqueue(
            key=f"spike:{plan}:{hour.isoformat()}", kind="spike", targets=duty_targets(),
            message=Message(subject=f"声量突增：{plan}",
                            body=f"{timezone.localtime(hour):%m-%d %H:00} 起一小时：{alert.explanation}"),
            now=now,
        )
    return created
