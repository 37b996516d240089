"""A Redis cache that degrades to no cache: with Redis unreachable every read misses and every
write is dropped, so pages are computed each time instead of answering 500.

Only connection trouble is swallowed (a refused or timed-out connection); any other Redis error
is a bug and is raised. The outage is logged once, and for a few seconds afterwards Redis is not
tried at all, so a page with several cache calls does not pay several connect timeouts.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
RETRY_AFTER = 5.0  # seconds without trying Redis after a failed call


class DegradingRedisCache(RedisCache):
    """Django's RedisCache; an unreachable Redis behaves as an empty cache."""

    def __init__(self, server: str, params: dict[str, Any]):
        super().__init__(server, params)
        self._down_until = 0.0
        self._down = False

    def _call(self, fallback: Any, op: Callable[[], Any]) -> Any:
        if time.monotonic() < self._down_until:
            return fallback
        try:
            result = op()
        except UNREACHABLE as exc:
            self._down_until = time.monotonic() + RETRY_AFTER
            if not self._down:
                self._down = True
                logger.warning("cache.unreachable error=%s: serving without cache", exc)
            return fallback
        if self._down:
            self._down = False
            logger.warning("cache.reachable_again")
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._call(False, lambda: super(DegradingRedisCache, self).add(key, value, timeout, version))

    def get(self, key, default=None, version=None) -> Any:
        return self._call(default, lambda: super(DegradingRedisCache, self).get(key, default, version))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self._call(None, lambda: super(DegradingRedisCache, self).set(key, value, timeout, version))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._call(False, lambda: super(DegradingRedisCache, self).touch(key, timeout, version))

    def delete(self, key, version=None) -> bool:
        return self._call(False, lambda: super(DegradingRedisCache, self).delete(key, version))

    def get_many(self, keys, version=None) -> dict:
        return self._call({}, lambda: super(DegradingRedisCache, self).get_many(keys, version))

    def has_key(self, key, version=None) -> bool:
        return self._call(False, lambda: super(DegradingRedisCache, self).has_key(key, version))

    def incr(self, key, delta=1, version=None) -> int:
        missing = object()
        value = self._call(missing, lambda: super(DegradingRedisCache, self).incr(key, delta, version))
        if value is missing:  # as Django's API says for a key that is not in the cache
            raise ValueError(f"Key '{key}' not found (cache unreachable)")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        return self._call(list(data), lambda: super(DegradingRedisCache, self).set_many(data, timeout, version))

    def delete_many(self, keys, version=None) -> None:
        self._call(None, lambda: super(DegradingRedisCache, self).delete_many(keys, version))

    def clear(self) -> bool:
        return self._call(False, lambda: super(DegradingRedisCache, self).clear())
