"""The periodic deadline check: warnings, escalation, 催办, each notice exactly once however often
and however concurrently the task runs (real Redis lock at $REDIS_TEST_URL)."""
from __future__ import annotations

import os
import threading
import uuid
from datetime import datetime, timedelta

import pytest
import redis
from django.db import connections
from django.utils import timezone
from freezegun import freeze_time

from response import roles
from response.models import AuditEntry, Clock, Notification
from response.services import escalation
from response.services.locks import run_lock
from response.tests.mechanism import make_case, person
from workers.deadlines import check_deadlines as check_task


def local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


@pytest.fixture
def people(bureau):
    lawyers = bureau["lawyers"]
    lawyers.email = "lvshike@bureau.example.com"
    lawyers.head = person("head_lvshi", roles.SECTION_STAFF, section=lawyers)
    lawyers.save()
    office = bureau["office"]
    office.email = "bangongshi@bureau.example.com"
    office.save()
    return {"leader": person("leader_wang", roles.LEADER), "head": lawyers.head}


@pytest.fixture
def redis_lock(settings, redis_test_url):
    settings.REDIS_URL = redis_test_url
    settings.YUQING_LOCK_PREFIX = f"yuqing-test-{uuid.uuid4().hex}:"
    yield settings.YUQING_LOCK_PREFIX
    client = redis.Redis.from_url(redis_test_url)
    for key in client.scan_iter(f"{settings.YUQING_LOCK_PREFIX}*"):
        client.delete(key)
    client.close()


def recipients(case, kind: str, key_part: str) -> set[str]:
    return set(Notification.objects.filter(case=case, kind=kind, key__contains=key_part)
               .values_list("recipient", flat=True))


@pytest.mark.django_db
def test_ladder_warn_escalate_remind_each_once(bureau, people):
    # Opened at a fixed morning: opened at 23:30, start + 49 h falls on the day after the due date
    # and the reminder is rightly due at once.
    with freeze_time("2026-11-24 10:00:00+08:00"):
        case = make_case(bureau, level="III")
    clock = case.clocks.get(clock=Clock.RESPONSE)
    start = clock.started_at
    assert clock.warn_at == [0.5, 0.8]

    assert escalation.check_deadlines(now=start + timedelta(hours=10)).created == 0
    escalation.check_deadlines(now=start + timedelta(hours=25))  # 52% used
    assert recipients(case, "warning", ":warn50:") == {"lvshike@bureau.example.com"}

    escalation.check_deadlines(now=start + timedelta(hours=39))  # 81%: the head hears too
    assert recipients(case, "warning", ":warn80:") == {"lvshike@bureau.example.com", "head_lvshi@bureau.example.com"}

    escalation.check_deadlines(now=start + timedelta(hours=49))  # overdue
    assert recipients(case, "overdue", ":overdue") == {
        "head_lvshi@bureau.example.com", "lvshike@bureau.example.com",
        "bangongshi@bureau.example.com", "leader_wang@bureau.example.com",
    }
    assert not Notification.objects.filter(case=case, key__contains=":reminder").exists()

    day_after = timezone.localtime(clock.due_at).date() + timedelta(days=1)
    morning = timezone.make_aware(datetime(day_after.year, day_after.month, day_after.day, 9), timezone.get_current_timezone())
    escalation.check_deadlines(now=morning)
    assert "bangongshi@bureau.example.com" in recipients(case, "overdue", f"clock:{clock.pk}:")
    assert Notification.objects.filter(case=case, key__contains=f"clock:{clock.pk}:").filter(key__contains=":reminder").count() == 3

    total = Notification.objects.filter(case=case).count()
    for hours in (25, 39, 49, 60, 70):
        assert escalation.check_deadlines(now=start + timedelta(hours=hours)).created == 0
    escalation.check_deadlines(now=morning)
    assert Notification.objects.filter(case=case).count() == total
    # One audit row per stage that fired, written by the system.
    fired = AuditEntry.objects.filter(case=case, action="escalate", field=Clock.RESPONSE)
    assert sorted(fired.values_list("new", flat=True)) == ["overdue", "reminder", "warn50", "warn80"]
    assert set(fired.values_list("actor_label", flat=True)) == {"系统"}


@pytest.mark.django_db
def test_late_first_run_sends_only_the_highest_warning(bureau, people):
    case = make_case(bureau, level="III")
    clock = case.clocks.get(clock=Clock.RESPONSE)
    escalation.check_deadlines(now=clock.started_at + timedelta(hours=45))
    keys = list(Notification.objects.filter(case=case, key__contains=f"clock:{clock.pk}:").values_list("key", flat=True))
    assert keys and all(":warn80:" in k for k in keys)


@pytest.mark.django_db
def test_stopped_and_closed_clocks_are_left_alone(bureau, people):
    from response.services import casework

    case = make_case(bureau, level="IV")
    casework.record_response(case, None, text="已责成律师事务所整改并向当事人说明情况。", channel="门户网站")
    casework.close_case(case, None, summary="当事人表示满意，办结。")
    report = escalation.check_deadlines(now=timezone.now() + timedelta(days=60))
    assert report.clocks == 0
    assert not Notification.objects.filter(case=case, kind__in=["warning", "overdue"]).exists()


@pytest.mark.django_db
def test_driving_the_celery_task_repeatedly(bureau, people):
    case = make_case(bureau, level="II", section="lawyers")
    first = case.clocks.get(clock=Clock.FIRST_STATEMENT)
    # The task takes no time argument: move the clock into the past instead.
    first.started_at -= timedelta(hours=6)
    first.due_at -= timedelta(hours=6)
    first.save()
    results = [check_task.delay().get() for _ in range(5)]
    assert results[0]["new_stages"] >= 1
    assert all(r["new_stages"] == 0 for r in results[1:])
    assert Notification.objects.filter(case=case, key__contains=f"clock:{first.pk}:").filter(key__contains=":overdue").count() == 4


@pytest.mark.django_db
def test_busy_lock_skips_the_run(bureau, people, redis_lock):
    case = make_case(bureau, level="III")
    later = timezone.now() + timedelta(hours=49)
    with run_lock("deadlines") as held:
        assert held
        report = escalation.check_deadlines(now=later)
    assert report.skipped and not Notification.objects.filter(case=case, kind="overdue").exists()
    assert escalation.check_deadlines(now=later).created >= 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_notify_exactly_once(bureau, people, redis_lock):
    cases = [make_case(bureau, level=lv, section=sec) for lv, sec in
             (("III", "lawyers"), ("IV", "grassroots"), ("II", "corrections"))]
    later = timezone.now() + timedelta(days=20)  # every clock overdue, reminders due
    reports, errors = [], []
    barrier = threading.Barrier(6)

    def run(blocking: float) -> None:
        try:
            barrier.wait()
            reports.append(escalation.check_deadlines(now=later, blocking_timeout=blocking))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    # Half the runs wait for the lock (retries), half give up at once (beat overlap).
    threads = [threading.Thread(target=run, args=(20 if i % 2 else 0,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(reports) == 6
    ran = [r for r in reports if not r.skipped]
    assert len(ran) >= 3  # the three waiting runs all ran, one after the other
    assert sum(1 for r in ran if r.created) == 1  # only the first one found anything to send
    assert sum(r.created for r in ran) == len({s for r in ran for s in r.stages})
    keys = list(Notification.objects.filter(case__in=cases).values_list("key", flat=True))
    assert len(keys) == len(set(keys))
    for case in cases:
        for clock in case.clocks.all():
            assert AuditEntry.objects.filter(case=case, action="escalate", field=clock.clock, new="overdue").count() == 1
    assert Notification.objects.filter(case__in=cases, kind="overdue").count() > 0


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_without_lock_rely_on_unique_keys(bureau, people, settings):
    settings.REDIS_URL = ""  # no lock at all: the database's unique key alone must hold
    case = make_case(bureau, level="III")
    later = timezone.now() + timedelta(days=20)
    barrier = threading.Barrier(8)
    errors = []

    def run() -> None:
        try:
            barrier.wait()
            escalation.check_deadlines(now=later)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    keys = list(Notification.objects.filter(case=case).values_list("key", flat=True))
    assert len(keys) == len(set(keys)) > 0
