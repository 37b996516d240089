"""Record notifications exactly once, defer them in quiet hours, send them with retries.

Exactly-once has two halves. Creation: each (event, recipient) has a unique key; a second run,
a retried task or a concurrent worker hits the unique constraint and creates nothing. Sending:
`deliver` claims a row with a conditional UPDATE (pending/failed → sending), so two workers
handed the same id cannot both send it.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from response.models import Case, CaseClock, Level, Notification
from response.services.business_rules import running_states

from .base import Message, Notifier, NotifyError, Target
from .email import EmailNotifier
from .robots import DingTalkRobot, FeishuRobot, WeComRobot

logger = logging.getLogger(__name__)

DELIVER_TASK = "yuqing.notify.deliver"
MAX_ATTEMPTS = 5
STALE_CLAIM = timedelta(minutes=10)  # a worker that died mid-send frees its claim after this
# A web request hands over after commit: connect once, briefly (an unreachable broker costs at
# most this, not Celery's retry loop).
HANDOVER_TRANSPORT = {"socket_connect_timeout": 1.0, "socket_timeout": 2.0}

NOTIFIERS: dict[str, Notifier] = {n.channel: n for n in (EmailNotifier(), WeComRobot(), DingTalkRobot(), FeishuRobot())}


def _quiet_window() -> tuple[int, int] | None:
    raw = str(getattr(settings, "YUQING_QUIET_HOURS", "22-7") or "").strip()
    if not raw:
        return None
    start, end = (int(x) for x in raw.split("-", 1))
    return start % 24, end % 24


def quiet_until(level: Level | None, now: datetime, *, next_due: datetime | None = None) -> datetime | None:
    """End of the current quiet period if `now` falls in one and the level allows deferral.

    Levels with quiet_hours_apply=False (I and II by default) are never deferred; a case
    without a level is treated as a low one. Deferral never pushes a notice past `next_due`
    (the case's next deadline): a 12345 urgent ticket due at 23:59:59 cannot wait until 07:00,
    so when the quiet period would end after it, the notice goes now.
    """
    until = _quiet_end(level, now)
    if until is not None and next_due is not None and next_due <= until:
        return None
    return until


def case_next_due(case: Case | None, now: datetime) -> datetime | None:
    """The case's next deadline still ahead: the earliest running clock (not met, not paused)
    due after `now`. A clock already overdue is left out — its notices keep to quiet hours, or
    every overdue case would wake people at midnight for the 催办 of the day after."""
    if case is None or case.pk is None or case.state not in running_states():
        return None
    return (CaseClock.objects.filter(case=case, stopped_at__isnull=True, paused_at__isnull=True, due_at__gt=now)
            .order_by("due_at").values_list("due_at", flat=True).first())


def _quiet_end(level: Level | None, now: datetime) -> datetime | None:
    window = _quiet_window()
    if window is None or (level is not None and not level.quiet_hours_apply):
        return None
    start, end = window
    local = timezone.localtime(now)
    hour = local.hour
    inside = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not inside:
        return None
    day = local.date() + timedelta(days=1) if (start > end and hour >= start) else local.date()
    return timezone.make_aware(datetime.combine(day, time(end)), timezone.get_current_timezone())


def _key(base: str, target: Target) -> str:
    who = hashlib.sha1(f"{target.channel}:{target.recipient}".encode()).hexdigest()[:16]
    return f"{base}:{target.channel}:{who}"[:200]


def enqueue(*, key: str, kind: str, targets: Iterable[Target], message: Message, case: Case | None = None,
            now: datetime | None = None) -> list[Notification]:
    """Create one notification per target unless its key exists; send after commit. Returns the new rows."""
    now = now or timezone.now()
    level = case.level if case else None
    defer = quiet_until(level, now)
    if defer is not None:  # only a deferral needs the case's next deadline
        defer = quiet_until(level, now, next_due=case_next_due(case, now))
    created: list[Notification] = []
    for target in targets:
        try:
            with transaction.atomic():
                row = Notification.objects.create(
                    key=_key(key, target), kind=kind, channel=target.channel, recipient=target.recipient,
                    subject=message.subject[:300], body=message.body, link=message.link[:1000],
                    case=case, not_before=defer,
                )
        except IntegrityError:
            continue  # already recorded by an earlier or concurrent run: exactly once
        created.append(row)
    if created:
        ids = [row.pk for row in created]
        transaction.on_commit(lambda: hand_over(ids))
        logger.info("notify.enqueued kind=%s key=%s count=%d deferred_until=%s", kind, key, len(ids), defer)
    return created


def hand_over(ids: list[int]) -> None:
    """Give ids to the delivery task; never raise into the caller and never wait on the broker.

    This runs after a web request's commit: Celery's default publish retries (and the result
    backend's reconnects) held a case confirmation for ~20 s per notification with Redis down,
    past gunicorn's timeout. So one connection, one connect attempt with a short timeout, no
    publish retry, no result subscription; on failure the rows stay pending and the periodic
    flush (`flush_due`, run by workers) sends them once the broker is back.
    """
    from celery import current_app

    if not ids:
        return
    try:
        if DELIVER_TASK not in current_app.tasks:
            current_app.loader.import_default_modules()
        task = current_app.tasks[DELIVER_TASK]
        if current_app.conf.task_always_eager:  # embedded mode: no broker, delivered in-process
            for pk in ids:
                _deliver_eagerly(task, pk)
            return
        with current_app.connection_for_write(transport_options=HANDOVER_TRANSPORT) as conn:
            conn.ensure_connection(max_retries=0)
            for pk in ids:
                task.apply_async((pk,), connection=conn, retry=False, ignore_result=True)
    except Exception as exc:  # broker down: the periodic flush picks the rows up later
        logger.warning("notify.handover_failed ids=%s error=%s: left pending for the flush", ids, exc)


def _deliver_eagerly(task, pk: int) -> None:
    try:
        task.delay(pk)
    except Exception:  # a failed send is on the row already; the flush retries it
        logger.exception("notify.handover_failed id=%s", pk)


def _claimable(now: datetime) -> Q:
    ready = Q(status__in=[Notification.Status.PENDING, Notification.Status.FAILED]) & (
        Q(not_before__isnull=True) | Q(not_before__lte=now)
    )
    stale = Q(status=Notification.Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
    return ready | stale


def deliver(notification_id: int, now: datetime | None = None) -> str:
    """Send one notification if it is due and nobody else has; returns its status afterwards."""
    now = now or timezone.now()
    claimed = Notification.objects.filter(_claimable(now), pk=notification_id).update(
        status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1,
    )
    row = Notification.objects.get(pk=notification_id)
    if not claimed:
        return row.status
    notifier = NOTIFIERS.get(row.channel)
    message = Message(subject=row.subject, body=row.body, link=row.link)
    try:
        if notifier is None:
            raise NotifyError(f"未知通知通道：{row.channel}")
        notifier.send(row.recipient, message)
    except Exception as exc:
        row.error = str(exc)[:2000]
        if row.attempts >= MAX_ATTEMPTS:
            row.status = Notification.Status.GAVE_UP
            logger.error("notify.gave_up id=%s channel=%s attempts=%d error=%s", row.pk, row.channel, row.attempts, exc)
        else:
            row.status = Notification.Status.FAILED
            row.not_before = now + timedelta(minutes=2 ** row.attempts)
            logger.warning("notify.failed id=%s channel=%s attempts=%d error=%s", row.pk, row.channel, row.attempts, exc)
        row.save(update_fields=["status", "error", "not_before"])
        return row.status
    row.status, row.sent_at, row.error = Notification.Status.SENT, timezone.now(), ""
    row.save(update_fields=["status", "sent_at", "error"])
    logger.info("notify.sent id=%s channel=%s kind=%s", row.pk, row.channel, row.kind)
    return row.status


def due_ids(now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(Notification.objects.filter(_claimable(now)).order_by("pk").values_list("pk", flat=True)[:500])


def flush_due(now: datetime | None = None) -> list[int]:
    """Hand over every notification that is due: deferred by quiet hours, or failed and backed off."""
    ids = due_ids(now)
    if ids:
        hand_over(ids)
    return ids
