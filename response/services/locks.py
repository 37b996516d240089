"""A Redis lock so one periodic run at a time does the work (beat overlap, retries, two beats).

Correctness never rests on the lock alone: notification keys are unique in the database. The
lock only spares concurrent runs the wasted work and the duplicate audit rows. Without Redis
(embedded mode: one process) the lock is a no-op.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

logger = logging.getLogger(__name__)


@contextmanager
def run_lock(name: str, *, timeout: int = 600, blocking_timeout: float = 0) -> Iterator[bool]:
    """Yield True when this run holds the lock (or no Redis is configured), False when another has it."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        yield True
        return
    import redis

    prefix = getattr(settings, "YUQING_LOCK_PREFIX", "yuqing:lock:")
    client = redis.Redis.from_url(url)
    lock = client.lock(f"{prefix}{name}", timeout=timeout, blocking=blocking_timeout > 0,
                       blocking_timeout=blocking_timeout or None)
    got = lock.acquire()
    if not got:
        logger.info("lock.busy name=%s", name)
    try:
        yield bool(got)
    finally:
        if got:
            try:
                lock.release()
            except redis.exceptions.LockError:  # expired while we ran: the next run takes over
                logger.warning("lock.expired name=%s", name)
        client.close()
