"""One decorator for every yuqing task: explicit name, late acks, bounded retries with backoff, logging."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import Task

from config.celery_app import app

logger = logging.getLogger("workers")


class YuqingTask(Task):
    acks_late = True
    # Transient failures (database lock, Redis hiccup, a flaky site) retry with backoff; a task that
    # still fails is logged with its arguments so the duty officers' health view can report it.
    autoretry_for = (Exception,)
    retry_backoff = 5
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 5

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        logger.error("task.failed name=%s id=%s args=%s error=%s", self.name, task_id, args, exc)

    def on_retry(self, exc, task_id, args, kwargs, einfo) -> None:
        logger.warning("task.retry name=%s id=%s args=%s error=%s", self.name, task_id, args, exc)


def yuqing_task(name: str, **options: Any) -> Callable:
    return app.task(name=name, base=YuqingTask, **options)
