"""Losing Redis doubles nothing, loses nothing and breaks no page.

- Redis restarted empty: the event index is rebuilt from the database, so a new copy of an
  ongoing story joins its event: still one case, one leader alert.
- Broker down: confirming a case answers at once; its notifications stay pending for the flush.
- Cache down: the pages are computed without it.

The Redis tests start their own `redis-server` on a free loopback port (skipped without it).
"""
from __future__ import annotations

import base64
import json
import runpy
import time
from pathlib import Path

import pytest
import redis
from django.urls import reverse

from config.celery_app import app
from conftest import free_port
from response import models as m
from response import roles
from response.services import judgement, notify
from response.tests.factories import CaseFactory, MentionFactory, SourceFactory, UserFactory
from response.tests.test_views_support import flagged_mention, people
from workers.pipeline import analyse_mention

ROOT = Path(__file__).resolve().parents[2]

TITLE = "龙海区一社区矫正对象脱管后持刀伤人致2人死亡 市司法局连夜回应"
TEXT = ("记者从市司法局获悉，11月26日晚，龙海区一名正在接受社区矫正的人员在脱管期间持刀伤人，造成2人死亡、3人受伤，"
        "伤者已送医救治，嫌疑人已被警方控制。\n事发后，市司法局连夜召开会议，成立工作组赶赴现场，配合公安机关开展调查，"
        "并对全市社区矫正对象开展全面排查，逐一核实监管情况。\n有网友质疑，该矫正对象此前已多次未按规定报到，"
        "当地司法所为何未及时发现并报告。市司法局表示，将依法依规调查监管环节是否存在失职问题，对失职失责人员严肃追责，"
        "调查结果将及时向社会公布。")
COPIES = [  # (site, title, text) as three sites carried the story
    ("mnrb", TITLE, TEXT),
    ("fjnews", "转载｜" + TITLE, "来源：东南网 责任编辑：林晓\n" + TEXT),
    ("wechat", TITLE + "（图）", "【编者按】以下报道来自闽南日报，本号全文转载。\n" + TEXT.replace("，", ",")),
]


@pytest.fixture
def closed_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there


def _copy(i: int) -> m.Mention:
    slug, title, text = COPIES[i]
    return MentionFactory(source=SourceFactory(slug=slug), title=title, text=text,
                          url=f"http://127.0.0.1:9/{slug}/longhai.html")


# ---- the event index: rebuilt from the database ------------------------------------------------

@pytest.mark.redis
@pytest.mark.timeout(120)
def test_redis_restarted_empty_keeps_the_story_in_one_event_one_case_one_leader_alert(
        bureau, settings, local_redis):
    settings.REDIS_URL = local_redis.url
    judgement.event_index.cache_clear()
    UserFactory(username="leader", roles=[roles.LEADER])
    first, second = _copy(0), _copy(1)
    analyse_mention.delay(first.pk)
    analyse_mention.delay(second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.event_id == second.event_id and first.level in ("I", "II")
    assert m.Case.objects.count() == 1
    assert m.Notification.objects.filter(kind="leader").count() == 1

    local_redis.restart_empty()
    assert not judgement.event_index().is_built()
    third = _copy(2)
    analyse_mention.delay(third.pk)
    third.refresh_from_db()
    assert third.event_id == first.event_id
    assert m.Event.objects.count() == 1 and m.Event.objects.get().size == 3
    case = m.Case.objects.get()
    assert set(case.mentions.values_list("pk", flat=True)) == {first.pk, second.pk, third.pk}
    leader_keys = list(m.Notification.objects.filter(kind="leader").values_list("key", flat=True))
    assert len(leader_keys) == 1 and leader_keys[0].startswith(f"case:{case.pk}:leader:")
    assert judgement.event_index().built_marker()["documents"] == "2"  # rebuilt from the record


@pytest.mark.redis
@pytest.mark.timeout(120)
def test_events_rebuild_command_restores_the_index(bureau, settings, local_redis):
    from django.core.management import call_command

    settings.REDIS_URL = local_redis.url
    judgement.event_index.cache_clear()
    first = _copy(0)
    analyse_mention.delay(first.pk)
    first.refresh_from_db()
    local_redis.restart_empty()
    call_command("events", "rebuild")
    index = judgement.event_index()
    assert index.is_built() and index.event_of(str(first.pk)) == first.event.key
    assert index.similar(COPIES[2][1] + "\n" + COPIES[2][2])[0][0] == str(first.pk)


# ---- the broker: web requests never wait on it --------------------------------------------------

def _use_broker(url: str, backend: str | None, *, eager: bool = False) -> None:
    """Point Celery at `url` as production does with REDIS_URL: broker and result backend."""
    app.conf.task_always_eager, app.conf.broker_url = eager, url
    app.conf.result_backend = backend
    # Celery keeps the broker connections and the backend it first met; forget them so every
    # send in this test goes where the configuration now says.
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    vars(app._local).pop("backend", None)


def _queued_ids(url: str) -> list[int]:
    raw = redis.Redis.from_url(url).lrange("default", 0, -1)
    return sorted(json.loads(base64.b64decode(json.loads(r)["body"]))[0][0] for r in raw)


@pytest.mark.redis
@pytest.mark.timeout(120)
def test_confirm_answers_at_once_with_the_broker_down_and_the_flush_sends_later(
        client, bureau, transactional_db, settings, local_redis, closed_url):
    users = people(bureau)
    up = flagged_mention(bureau)
    down = flagged_mention(bureau, title="律师事务所违规收取风险代理费 当事人向司法局投诉",
                           text="当事人称某律师事务所在离婚纠纷中违规收取风险代理费，已向市司法局投诉。")
    client.force_login(users["duty"])
    eager, broker, backend = app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend

    def confirm(mention: m.Mention) -> tuple[float, list[int]]:
        started = time.monotonic()
        response = client.post(reverse("mention_confirm", args=[mention.pk]), {"level": "II", "section": "lawyers"})
        elapsed = time.monotonic() - started
        assert response.status_code == 302
        case = m.Case.objects.get(mentions=mention)
        return elapsed, sorted(case.notifications.values_list("pk", flat=True))

    try:
        _use_broker(local_redis.url, local_redis.url)
        t_up, sent = confirm(up)
        assert sent and _queued_ids(local_redis.url) == sent  # a working broker gets them at once

        _use_broker(closed_url, closed_url)
        settings.REDIS_URL = closed_url
        t_down, pending = confirm(down)
        assert pending
        assert t_down < 2.0 and t_down < t_up + 1.5, (t_up, t_down)
        assert set(m.Notification.objects.filter(pk__in=pending).values_list("status", flat=True)) == {
            m.Notification.Status.PENDING}
        assert _queued_ids(local_redis.url) == sent

        _use_broker(local_redis.url, local_redis.url)  # the broker is back: the workers' flush sends them
        notify.flush_due()
        assert set(pending) <= set(_queued_ids(local_redis.url))
    finally:
        _use_broker(broker, backend, eager=eager)


# ---- the cache: degrades to no cache ------------------------------------------------------------

def test_pages_answer_with_the_cache_unreachable(client, bureau, settings, closed_url, monkeypatch):
    monkeypatch.setenv("REDIS_URL", closed_url)
    configured = runpy.run_path(str(ROOT / "config/settings/base.py"))["CACHES"]  # the real block
    settings.CACHES = configured
    users = people(bureau)
    mention = flagged_mention(bureau)
    case = CaseFactory(title="市民投诉某律师事务所收费后不作为", section=bureau["lawyers"])
    client.force_login(users["leader"])
    for _ in range(2):  # the second visit finds no cache either and is computed again
        assert client.get(reverse("dashboard")).status_code == 200
    client.force_login(users["duty"])
    assert client.get(reverse("queue")).status_code == 200
    assert client.get(reverse("mention", args=[mention.pk])).status_code == 200
    assert client.get(reverse("case", args=[case.pk])).status_code == 200
    assert client.get(reverse("cases")).status_code == 200


def test_the_cache_backend_misses_and_logs_the_outage_once(settings, closed_url, caplog):
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "response.cache.DegradingRedisCache", "LOCATION": closed_url,
                                   "OPTIONS": {"socket_connect_timeout": 0.5}}}
    assert cache.get("yuqing:probe", "缺省") == "缺省"
    cache.set("yuqing:probe", 1)
    assert cache.add("yuqing:probe", 1) is False and cache.get_many(["a", "b"]) == {}
    assert cache.get_or_set("yuqing:probe", 7) == 7
    with pytest.raises(ValueError):
        cache.incr("yuqing:counter")
    assert sum("cache.unreachable" in r.getMessage() for r in caplog.records) == 1  # logged once
