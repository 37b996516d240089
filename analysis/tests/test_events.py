"""Events: syndicated reposts merge, distinct stories do not, Redis shares state."""
from __future__ import annotations

import gzip
import json
import threading
import uuid
from pathlib import Path

import numpy as np
import pytest
import redis

from analysis.events import EventIndex, shingles

FIXTURES = Path(__file__).parent / "fixtures"


def _news() -> list[dict]:
    with gzip.open(FIXTURES / "urgency_eval.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(x) for x in fh]
    return [r for r in rows if r["group"] == "routine_news" and 400 < len(r["text"]) < 1500]


def _reposts(title: str, text: str) -> list[str]:
    paras = [p for p in text.split("\n") if p.strip()]
    body = "\n".join(paras)
    trimmed = "\n".join(paras[:-1]) if len(paras) > 3 else body[: int(len(body) * 0.85)]
    return [
        f"转载｜{title}\n来源：央视网 2023-09-24 10:32 责任编辑：王敏\n{body}",
        f"【编者按】今日新闻联播播出以下报道，本站全文转载，供读者参考。\n{trimmed}",
        f"{title}（图）\n{body.replace('，', ',').replace('。', '. ')}\n（原标题：{title}）",
    ]


def test_shingles_ignore_width_and_punctuation() -> None:
    assert shingles("发生火灾，３人死亡。") == shingles("发生火灾 3人死亡")


def test_syndicated_copies_join_first_doc_and_distinct_stories_do_not() -> None:
    news = _news()[:12]
    assert len(news) == 12
    idx = EventIndex()
    originals = {}
    for i, row in enumerate(news):
        originals[i] = idx.assign(f"orig-{i}", row["title"] + "\n" + row["text"])
        assert originals[i] == f"orig-{i}"  # distinct 新闻联播 stories stay apart
    for i, row in enumerate(news[:6]):
        for j, copy in enumerate(_reposts(row["title"], row["text"])):
            assert idx.assign(f"copy-{i}-{j}", copy) == f"orig-{i}"


def test_short_posts_and_idempotence() -> None:
    idx = EventIndex()
    post = "网传某区城管在执法过程中殴打摆摊老人，视频中老人倒地不起，围观群众纷纷指责。"
    other = "某区一小区业主反映物业长期不清理垃圾，楼道堆满杂物，存在消防隐患，希望尽快处理。"
    a = idx.assign("w1", post)
    assert idx.assign("w2", "转发微博 #城管执法# " + post + " @平安某区") == a
    assert idx.assign("w3", other) == "w3"
    assert idx.assign("w1", "completely different text now") == a  # same doc id: same event


@pytest.fixture
def redis_ns(redis_test_url: str):
    r = redis.Redis.from_url(redis_test_url)
    r.ping()
    ns = f"yuqing-test-{uuid.uuid4().hex[:8]}"
    yield ns
    keys = list(r.scan_iter(match=f"{ns}:*"))
    if keys:
        r.delete(*keys)
    assert not list(r.scan_iter(match=f"{ns}:*"))


@pytest.mark.redis
def test_two_instances_share_state_through_redis(redis_ns: str, redis_test_url: str) -> None:
    news = _news()[:2]
    first = EventIndex(redis_test_url, namespace=redis_ns)
    second = EventIndex(redis_test_url, namespace=redis_ns)  # another worker / after a restart
    key = first.assign("a", news[0]["text"])
    copies = _reposts(news[0]["title"], news[0]["text"])
    assert second.assign("b", copies[0]) == key
    assert second.assign("c", news[1]["text"]) == "c"
    assert first.event_of("b") == key            # the doc map is shared too
    assert EventIndex(redis_test_url, namespace=redis_ns).assign("a", "x") == key


@pytest.mark.redis
def test_concurrent_near_copies_end_in_one_event(redis_ns: str, redis_test_url: str) -> None:
    row = _news()[3]
    texts = [row["text"]] + _reposts(row["title"], row["text"])
    workers = [EventIndex(redis_test_url, namespace=redis_ns) for _ in texts]
    results: dict[str, str] = {}
    barrier = threading.Barrier(len(texts))

    def run(i: int) -> None:
        barrier.wait()
        results[f"d{i}"] = workers[i].assign(f"d{i}", texts[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results.values())) == 1
    assert next(iter(results.values())) in results  # the key is one of the docs


def _reference_signature(index: EventIndex, text: str) -> np.ndarray:
    """The signature as first defined: the set of ``shingles`` (regex-cleaned folded text),
    each 3-gram packed into an integer, every permutation applied to every distinct code."""
    codes = sorted({
        (ord(s[0]) << 42) | (ord(s[1]) << 21) | ord(s[2])
        for s in (x.decode("utf-8").ljust(3, "\0") for x in shingles(text))
    })
    if not codes:
        return np.full(index.num_perm, 0xFFFFFFFF, dtype=np.uint64)
    c = np.asarray(codes, dtype=np.uint64)
    x = ((c * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)).astype(np.uint32)[None, :]
    return (index._a * x + index._b).min(axis=1).astype(np.uint64)


def test_vectorised_signature_equals_the_set_definition() -> None:
    """The numpy cleaning (a code-point table) and repeat-tolerant minimum must give exactly
    the signature of the distinct shingles, on real news, short posts and odd input."""
    index = EventIndex()
    texts = [r["text"] for r in _news()[:60]]
    texts += ["", "。", "ab", "a_b", "就这", "ＡＢＣ，ａｂｃ！", "😀你好😀世界", "\ud800中文abc",
              "转发：" + texts[0].replace("，", ",")]
    for text in texts:
        want = _reference_signature(index, text)
        assert (index.minhash(text).hashvalues == want).all(), text[:20]
