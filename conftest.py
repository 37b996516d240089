"""Fixtures shared by every test package."""
from __future__ import annotations

import os
import uuid

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
