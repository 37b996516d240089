"""EventIndex.assign_many: the answers of assign one by one, with a fixed number of Redis calls."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from analysis.events import EventIndex

NEWS = Path(__file__).resolve().parents[2] / "response" / "demo" / "news_sample.jsonl.gz"


def stories() -> list[tuple[str, str]]:
    """Real news, every third story reposted by another site (prefix added, tail trimmed) in the
    same stream, some reposts in the same batch as their original and some in a later one."""
    with gzip.open(NEWS, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    docs = []
    for i, row in enumerate(rows):
        docs.append((str(i), f"{row['title']}\n{row['text']}"))
        if i % 3 == 0:
            docs.append((f"repost-{i}", f"转载自东南网：{row['title']}\n{row['text'][:-20]}"))
    return docs


def by_batches(index: EventIndex, docs: list[tuple[str, str]], size: int) -> list[str]:
    out: list[str] = []
    for start in range(0, len(docs), size):
        out += index.assign_many(docs[start:start + size])
    return out


def test_assign_many_matches_assign_one_by_one_in_memory():
    docs = stories()
    single = EventIndex()
    expected = [single.assign(d, t) for d, t in docs]
    assert by_batches(EventIndex(), docs, 7) == expected
    reposts = {d: e for (d, _), e in zip(docs, expected) if d.startswith("repost-")}
    assert reposts and all(event == d.removeprefix("repost-") for d, event in reposts.items())


def test_assign_many_is_idempotent_and_keeps_known_documents():
    docs = stories()
    index = EventIndex()
    first = index.assign_many(docs)
    assert index.assign_many(docs) == first
    assert index.assign_many([docs[0], docs[0]]) == [first[0], first[0]]
    assert index.assign_many([]) == []


@pytest.mark.redis
def test_assign_many_on_redis_matches_with_a_few_round_trips_per_batch(local_redis, monkeypatch):
    import redis.connection

    docs = stories()
    memory = EventIndex()
    expected = [memory.assign(d, t) for d, t in docs]
    sends = []
    real = redis.connection.Connection.send_packed_command

    def counted(self, command, check_health=True):
        sends.append(1)
        return real(self, command, check_health)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counted)
    one = EventIndex(local_redis.url, namespace="one-by-one")
    one.ensure_built()
    sends.clear()
    assert [one.assign(d, t) for d, t in docs] == expected
    sequential = len(sends)
    many = EventIndex(local_redis.url, namespace="batched")
    many.ensure_built()
    sends.clear()
    assert by_batches(many, docs, 25) == expected
    batched = len(sends)
    # Round trips to Redis: some twenty per document one by one, a fixed few per batch.
    assert batched * 5 < sequential, (batched, sequential)
    # A second index on the same Redis (another worker) sees the same events.
    assert EventIndex(local_redis.url, namespace="batched").assign_many(docs[:5]) == expected[:5]
