"""Fixtures shared by every test package."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

# Tests that need a real Redis use REDIS_TEST_URL (`make test` gives them a database of their own).
DEFAULT_REDIS_TEST_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture(scope="session")
def redis_test_url() -> str:
    """The real Redis for tests that need one: $REDIS_TEST_URL, else database 14 on localhost."""
    return os.environ.get("REDIS_TEST_URL", DEFAULT_REDIS_TEST_URL)


@pytest.fixture(autouse=True)
def _fresh_event_index(settings, monkeypatch):
    """Each test gets its own event index (ids restart with every test database)."""
    from response.services import judgement

    namespace = f"yuqing-test-{uuid.uuid4().hex[:12]}"
    settings.YUQING_EVENT_NAMESPACE = namespace
    monkeypatch.setenv("YUQING_EVENT_NAMESPACE", namespace)
    judgement.event_index.cache_clear()
    yield
    if judgement.event_index.cache_info().currsize:
        judgement.event_index().clear()
    judgement.event_index.cache_clear()


@pytest.fixture
def bureau(db):
    """The default Justice-Bureau configuration, loaded as `yuqing bureau load` would."""
    from response.roles import ensure_groups
    from response.services.bureau_config import load_bureau

    load_bureau()
    ensure_groups()
    from response.models import Section

    return {s.code: s for s in Section.objects.all()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalRedis:
    """A throw-away redis-server on a free loopback port, without persistence: a restart comes
    back empty, as a real Redis does after losing its memory."""

    def __init__(self, binary: str) -> None:
        self.binary, self.port = binary, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> LocalRedis:
        import redis

        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def restart_empty(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def local_redis() -> Iterator[LocalRedis]:
    """A redis-server of the test's own, to stop and restart empty (skipped without the binary)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server 未安装")
    server = LocalRedis(binary).start()
    yield server
    from response.services import judgement

    judgement.event_index.cache_clear()  # the shared fixture must not clear a stopped server's index
    server.stop()


@pytest.fixture
def migrate_to():
    """``migrate_to(name)`` takes the ``response`` app to migration ``name`` and returns the
    historical apps there (response/tests/migration_support.py). Afterwards the latest schema
    again: the tests after this one (and on PostgreSQL the real workers, which share the
    database) need every migration's columns."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def to(name: str):
        target = [("response", name)]
        executor = MigrationExecutor(connection)
        executor.migrate(target)
        return executor.loader.project_state(target).apps

    yield to
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
