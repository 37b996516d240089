"""A worker keeps its database connection between tasks (a new PostgreSQL backend per analysis
batch was a third of the cost of judging again), yet a connection the server dropped — a
restart, a failover, an administrator's pg_terminate_backend — is replaced before the next task
uses it: the task after the drop succeeds at once, without a failure or a retry."""
from __future__ import annotations

import pytest
from django.db import connection

from response.models import Mention
from response.tests.factories import MentionFactory, SourceFactory
from workers.tests.worker_support import NEEDS_SERVICES, celery_worker

pytestmark = NEEDS_SERVICES

TEXTS = [
    ("市民反映某律师事务所收费后不作为", "市民林女士反映，她委托某律师事务所代理民间借贷纠纷，支付律师费3万元后，承办律师多次错过举证期限。"),
    ("反映公证处办理继承公证时间过长", "来电人反映在某公证处办理继承公证已两个月仍未出证，工作人员要求补充材料前后不一。"),
]


def _other_backends() -> list[int]:
    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return [row[0] for row in cur.fetchall()]


@pytest.fixture
def worker(transactional_db):
    # One pool process: every task runs on the connection the test drops.
    with celery_worker(queues="default", name="reconnect", namespace="yuqing-test-reconnect", concurrency=1) as proc:
        yield proc


def test_the_worker_reuses_its_connection_and_replaces_a_dropped_one(bureau, worker):
    from workers.pipeline import analyse_batch

    source = SourceFactory(slug="mnrb", name="闽南日报", kind="rss")
    first, second, third = (MentionFactory(source=source, title=t + f"（{i}）", text=x)
                            for i, (t, x) in enumerate([*TEXTS, TEXTS[0]]))
    assert analyse_batch.delay([first.pk]).get(timeout=120)["judged"] == 1
    held = _other_backends()
    assert held, "the worker keeps a connection after its task"
    assert analyse_batch.delay([second.pk]).get(timeout=60)["judged"] == 1
    assert set(_other_backends()) & set(held), "the same connection serves the next task"

    with connection.cursor() as cur:  # the server drops every connection but the test's own
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    result = analyse_batch.delay([third.pk])
    # No retry: a retried task would wait its backoff (5 s and more) and report retries.
    assert result.get(timeout=20)["judged"] == 1 and result.state == "SUCCESS"
    assert Mention.objects.filter(pk__in=[first.pk, second.pk, third.pk], analysed_at__isnull=False).count() == 3
