"""Tests of a data migration: the schema at an old migration (the ``migrate_to`` fixture in the
root conftest), rows written with its historical models — no signals, as for rows stored before
the change — then the migration under test."""
from __future__ import annotations


def old_source(apps):
    """A source row written with the historical models ``apps``."""
    return apps.get_model("response", "Source").objects.create(slug="old", name="旧来源", kind="rss",
                                                               url="http://127.0.0.1:9/feed.xml")
