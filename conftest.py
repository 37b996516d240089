"""Fixtures shared by every test package."""
from __future__ import annotations

import pytest


@pytest.fixture
def bureau(db):
    """The default Justice-Bureau configuration, loaded as `yuqing bureau load` would."""
    from response.roles import ensure_groups
    from response.services.bureau_config import load_bureau

    load_bureau()
    ensure_groups()
    from response.models import Section

    return {s.code: s for s in Section.objects.all()}
