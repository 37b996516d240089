"""Thin tasks: ids in, idempotent, and nothing lost when a task dies."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from response.models import Case, Mention
from response.tests.factories import MentionFactory, SourceFactory
from workers.pipeline import analyse_mention, requeue_unanalysed


def test_a_mention_whose_task_was_lost_is_judged_by_the_sweep(bureau):
    source = SourceFactory(slug="fjnews", kind="rss", reach="provincial")
    lost = MentionFactory(source=source, fetched_at=timezone.now() - timedelta(hours=1),
                          title="网传某司法所工作人员暴力执法殴打当事人 视频引发关注",
                          text="一段网传视频显示，某镇司法所两名工作人员在调解现场将当事人推倒在地并用脚踢打。")
    fresh = MentionFactory(source=source, fetched_at=timezone.now())  # its task may still be in flight
    assert requeue_unanalysed.delay().get() == 1
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.analysed_at is not None and lost.flagged and fresh.analysed_at is None
    assert requeue_unanalysed.delay().get() == 0


def test_analysis_task_is_idempotent(bureau):
    mention = MentionFactory(source=SourceFactory(slug="mnrb", kind="rss"),
                             title="龙海区一社区矫正对象脱管后持刀伤人致2人死亡",
                             text="一名社区矫正对象脱管期间持刀伤人，造成2人死亡、3人受伤，嫌疑人已被控制。")
    first = analyse_mention.delay(mention.pk).get()
    judged_at = Mention.objects.get(pk=mention.pk).analysed_at
    again = analyse_mention.delay(mention.pk).get()
    assert first == again and Mention.objects.get(pk=mention.pk).analysed_at == judged_at
    assert Case.objects.filter(mentions=mention).count() == 1
