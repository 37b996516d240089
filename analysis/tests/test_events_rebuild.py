"""A lost event index is rebuilt from the record: a marker says the index was built, a missing
marker triggers one rebuild (one worker, under a lock), and afterwards a new copy of an ongoing
story finds the same event as before the loss. The Redis tests start their own server."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from analysis.events import EventIndex

STORY = ("龙海区一社区矫正对象脱管后持刀伤人致2人死亡 市司法局连夜回应\n"
         "记者从市司法局获悉，11月26日晚，龙海区一名正在接受社区矫正的人员在脱管期间持刀伤人，造成2人死亡、3人受伤，"
         "伤者已送医救治，嫌疑人已被警方控制。事发后，市司法局连夜召开会议，成立工作组赶赴现场，配合公安机关开展调查，"
         "并对全市社区矫正对象开展全面排查，逐一核实监管情况。有网友质疑，该矫正对象此前已多次未按规定报到，"
         "当地司法所为何未及时发现并报告。")
COPIES = [
    "转载｜" + STORY + "\n来源：东南网 责任编辑：林晓",
    "【编者按】以下报道来自闽南日报，本号全文转载。\n" + STORY.replace("，", ","),
    STORY + "\n（原标题：社区矫正对象脱管伤人 司法局：严肃追责）",
]
OTHER = ("市民投诉某律师事务所收费后不作为 律师工作科介入调查\n市民林女士反映，她委托芗城区某律师事务所代理一起"
         "民间借贷纠纷，支付律师费3万元后，承办律师多次错过举证期限，电话也经常无人接听，导致案件败诉。")


class Record:
    """Stands in for the database: what each document was assigned, and how often it was read."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, str]] = {}
        self.reads = 0

    def keep(self, index: EventIndex, doc_id: str, text: str) -> str:
        key = index.assign(doc_id, text)
        self.rows[doc_id] = (text, key)
        return key

    def items(self) -> Iterator[tuple[str, str, str]]:
        self.reads += 1
        time.sleep(0.05)  # a rebuild takes a moment: concurrent workers really overlap
        for doc_id, (text, key) in self.rows.items():
            yield doc_id, text, key


def test_memory_index_is_unbuilt_until_rebuilt_and_keeps_given_events() -> None:
    index = EventIndex()
    assert not index.is_built() and index.built_marker() is None
    count = index.rebuild([("11", STORY, "7"), ("12", OTHER, "12")])
    assert count == 2 and index.is_built()
    assert index.built_marker()["documents"] == "2"
    assert index.event_of("11") == "7"                     # the record's event, not the doc's id
    assert index.assign("20", COPIES[0]) == "7"
    assert index.assign("21", OTHER + "（转载）") == "12"
    index.clear()
    assert not index.is_built()


def test_lost_memory_index_rebuilds_once_from_the_source_before_assigning() -> None:
    record = Record()
    first = EventIndex(rebuild_source=record.items)
    a = record.keep(first, "1", STORY)
    assert record.keep(first, "2", COPIES[0]) == a
    assert record.reads == 1                               # built once, on first use
    restarted = EventIndex(rebuild_source=record.items)    # the process restarted: memory is gone
    assert restarted.assign("3", COPIES[1]) == a
    assert restarted.assign("4", OTHER) == "4"
    assert record.reads == 2


def test_without_a_source_a_lost_index_splits_the_story() -> None:
    """What the rebuild prevents: an index that starts empty puts a new copy in a new event."""
    first = EventIndex()
    a = first.assign("1", STORY)
    assert EventIndex().assign("3", COPIES[1]) != a


# ---- a real Redis, started by the test on a free loopback port ---------------------------------

@pytest.mark.redis
@pytest.mark.timeout(60)
def test_redis_restarted_empty_is_rebuilt_once_and_the_story_keeps_its_event(local_redis) -> None:
    record = Record()
    ns = "yuqing-rebuild-test"
    workers = [EventIndex(local_redis.url, namespace=ns, rebuild_source=record.items) for _ in range(4)]
    a = record.keep(workers[0], "1", STORY)
    assert record.keep(workers[1], "2", COPIES[0]) == a
    b = record.keep(workers[0], "5", OTHER)
    assert workers[0].built_marker()["namespace"] == ns
    reads = record.reads

    local_redis.restart_empty()
    assert not workers[0].is_built()                     # the marker tells the loss
    results: dict[str, str] = {}
    barrier = threading.Barrier(len(workers))
    texts = {"3": COPIES[1], "4": COPIES[2], "6": OTHER + "\n来源：漳州新闻网", "7": "某区开展普法宣传进社区活动"}

    def run(worker: EventIndex, doc_id: str) -> None:
        barrier.wait()
        results[doc_id] = worker.assign(doc_id, texts[doc_id])

    threads = [threading.Thread(target=run, args=(w, d)) for w, d in zip(workers, texts, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results == {"3": a, "4": a, "6": b, "7": "7"}
    assert record.reads == reads + 1                     # one worker rebuilt, the others waited
    assert workers[2].built_marker()["documents"] == "3"


@pytest.mark.redis
@pytest.mark.timeout(60)
def test_rebuild_replaces_what_was_there(local_redis) -> None:
    index = EventIndex(local_redis.url, namespace="yuqing-replace-test")
    index.assign("1", STORY)
    assert index.rebuild([("8", STORY, "evt-8"), ("9", OTHER, "evt-9")]) == 2
    assert index.event_of("1") is None                   # stale entries do not survive a rebuild
    assert index.assign("10", COPIES[2]) == "evt-8" and index.assign("11", OTHER) == "evt-9"
