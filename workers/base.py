"""One decorator for every yuqing task: explicit name, late acks, bounded retries with backoff, logging.

Tasks are ``shared_task``s: they bind to whichever Celery app the entry point made (config's, in the
worker and the web), so workers/ does not import config/.
"""
from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from typing import Any

from celery import Task, shared_task
from celery.signals import task_postrun, task_prerun
from django.db import InterfaceError as DbInterfaceError
from django.db import OperationalError as DbOperationalError
from django.db import close_old_connections
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("workers")

# What can succeed on a later try: the database or Redis away for a moment (a restart, a failover,
# a lock timeout), the broker unreachable, a network timeout. A missing row, a validation error or a
# bug fails the same way every time: retrying it only delays the failure report.
TRANSIENT = (DbOperationalError, DbInterfaceError, RedisConnectionError, RedisTimeoutError,
             BrokerOperationalError, TimeoutError, socket.timeout, ConnectionError)


def _close_unusable_connections(task: Task | None = None, **_: Any) -> None:
    # Connections outlive tasks (CELERY_DB_REUSE_MAX, CONN_MAX_AGE): as Django does around each
    # request, one left unusable by an error (the server restarted) or past its age is closed, so
    # the next task opens a fresh one instead of failing on it. Eager tasks run inside the caller's
    # request or test transaction, whose connection is not theirs to close.
    if task is not None and getattr(task.request, "is_eager", False):
        return
    close_old_connections()


task_prerun.connect(_close_unusable_connections, weak=False, dispatch_uid="yuqing-db-prerun")
task_postrun.connect(_close_unusable_connections, weak=False, dispatch_uid="yuqing-db-postrun")


class YuqingTask(Task):
    acks_late = True
    # Transient failures retry with backoff; a task that still fails (or fails for good) is logged
    # with its arguments so the duty officers' health view can report it.
    autoretry_for = TRANSIENT
    retry_backoff = 5
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 5

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        logger.error("task.failed name=%s id=%s args=%s error=%s", self.name, task_id, args, exc)

    def on_retry(self, exc, task_id, args, kwargs, einfo) -> None:
        logger.warning("task.retry name=%s id=%s args=%s error=%s", self.name, task_id, args, exc)


def yuqing_task(name: str, **options: Any) -> Callable:
    return shared_task(name=name, base=YuqingTask, **options)
