"""A real Celery worker process for the tests that need one, sharing the test's PostgreSQL and
Redis: started, pinged until it answers, and stopped (killed if it will not stop)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery._state import _set_task_join_will_block
from django.db import connection

from config.celery_app import app

ROOT = Path(__file__).resolve().parents[2]

# The marks of every test that runs a real worker: it shares a real database server and broker with
# the test, so it runs only when the suite is pointed at both (`make test-services` / CI).
NEEDS_SERVICES = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL", "").startswith("postgres")),
        reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (make test-services)",
    ),
]


@contextmanager
def celery_worker(*, queues: str, name: str, namespace: str, concurrency: int = 2) -> Iterator[subprocess.Popen]:
    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    # The test's own event index: the worker must see the events this process assigned.
    env["YUQING_EVENT_NAMESPACE"] = namespace
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues, "-c", str(concurrency),
         "--pool", "prefork", "-n", f"{name}-{os.getpid()}@%h", "--without-gossip", "--without-mingle",
         "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    app.conf.task_always_eager = False
    # Eager tasks run from several threads in other tests can leave Celery's process-wide
    # "joining would block" flag set; these tests join results from the outside, as a client does.
    _set_task_join_will_block(False)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if app.control.ping(timeout=1.0):
                break
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")
        else:
            pytest.fail("celery worker did not start")
        yield proc
    finally:
        app.conf.task_always_eager = True
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
