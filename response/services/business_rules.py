"""Business rules that are configuration, not code (settings with today's values as defaults):
which 12345 category words mean which deadline channel, in which case states clocks run, and who
hears each escalation stage. Read here, checked here, so a typo in a bureau's environment stops the
process with a Chinese message instead of silently changing deadlines."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from response.models import Case, Channel

AUDIENCES = ("sections", "head", "office", "leader")
STAGES = ("warn", "last_warn", "overdue", "reminder")


def hotline_channel_words() -> list[tuple[tuple[str, ...], str]]:
    """(words, channel) in the configured order; the first matching word wins."""
    out = []
    for channel, words in dict(settings.YUQING_HOTLINE_CHANNEL_WORDS).items():
        if channel not in Channel.values:
            raise ImproperlyConfigured(f"YUQING_HOTLINE_CHANNEL_WORDS：未知渠道“{channel}”，可用：{'、'.join(Channel.values)}")
        out.append((tuple(str(w) for w in words if str(w).strip()), channel))
    return out


def running_states() -> tuple[str, ...]:
    states = tuple(settings.YUQING_RUNNING_STATES)
    unknown = [s for s in states if s not in Case.State.values]
    if unknown or not states:
        raise ImproperlyConfigured(f"YUQING_RUNNING_STATES：无效的案件状态 {unknown or '（为空）'}，可用：{'、'.join(Case.State.values)}")
    return states


def escalation_audience(stage: str) -> tuple[str, ...]:
    table = dict(settings.YUQING_ESCALATION_AUDIENCE)
    missing = [s for s in STAGES if s not in table]
    if missing:
        raise ImproperlyConfigured(f"YUQING_ESCALATION_AUDIENCE：缺少阶段 {'、'.join(missing)}")
    audience = tuple(table[stage])
    unknown = [a for a in audience if a not in AUDIENCES]
    if unknown:
        raise ImproperlyConfigured(f"YUQING_ESCALATION_AUDIENCE：阶段“{stage}”的对象 {unknown} 无效，可用：{'、'.join(AUDIENCES)}")
    return audience
