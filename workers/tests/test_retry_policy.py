"""Retries only for what can succeed later: a database or broker outage is retried, a missing row
or a bug fails at once (and is reported), so a broken mention does not hold a worker for minutes."""
from __future__ import annotations

import pytest
from celery.exceptions import Retry
from django.db import OperationalError

from response.models import Mention
from workers.base import TRANSIENT, yuqing_task

calls: dict[str, int] = {}


@yuqing_task("yuqing.test.flaky_database", retry_backoff=False, max_retries=3)
def flaky_database(key: str) -> str:
    calls[key] = calls.get(key, 0) + 1
    raise OperationalError("server closed the connection unexpectedly")


@yuqing_task("yuqing.test.missing_row", retry_backoff=False, max_retries=3)
def missing_row(key: str) -> str:
    calls[key] = calls.get(key, 0) + 1
    raise Mention.DoesNotExist("条目不存在")


@yuqing_task("yuqing.test.bug", retry_backoff=False, max_retries=3)
def bug(key: str) -> str:
    calls[key] = calls.get(key, 0) + 1
    return {}["missing"]


def test_a_database_outage_is_scheduled_for_a_retry() -> None:
    # Eager mode (the test settings) surfaces the scheduled retry as celery's Retry.
    with pytest.raises(Retry):
        flaky_database.apply(args=("db",), throw=False)


@pytest.mark.parametrize("task, key, error", [(missing_row, "row", Mention.DoesNotExist), (bug, "bug", KeyError)])
def test_a_missing_row_or_a_bug_fails_at_once(task, key, error) -> None:
    result = task.apply(args=(key,), throw=False)
    assert result.state == "FAILURE" and isinstance(result.result, error)
    assert calls[key] == 1


def test_transient_errors_are_not_programming_errors() -> None:
    assert not any(issubclass(e, (LookupError, ValueError, TypeError)) for e in TRANSIENT)
