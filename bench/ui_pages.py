"""Benchmark: server time of the review queue and the dashboard with 1,000,000 mentions in PostgreSQL.

    .venv/bin/python bench/ui_pages.py [--rows 1000000] [--repeat 7] [--rebuild]

Uses a separate database `yuqing_bench` on 127.0.0.1:5432 (trust auth; override with
BENCH_DATABASE_URL). The data is built once with generate_series (seconds, not minutes) and reused
on later runs. Times are measured in-process with Django's test client, so they are server time
(URL routing, queries, template rendering) without network or browser. A benchmark, not a test.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yuqing_bench"

TITLES = [
    "市民投诉某律师事务所收费后不作为 律师工作科介入调查",
    "网传某司法所工作人员暴力执法殴打当事人",
    "社区矫正对象脱管 司法所连夜寻找",
    "公证处窗口办证难 群众排队数小时",
    "法律援助中心为农民工追回欠薪",
    "市司法局开展宪法宣传周普法活动",
    "司法鉴定意见遭质疑 当事人申请行政复议",
    "法考报名系统故障 考生反映无法缴费",
]
TEXT = ("市民反映，{t}。记者了解到，相关部门已经介入，目前正在进一步核实情况。"
        "有网友表示，希望有关部门尽快公开调查结果，回应群众关切。")


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/test"
    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def build(rows: int) -> None:
    """Sources, sections, events and `rows` mentions over the last 30 days, ~20% flagged."""
    from django.db import connection

    from response import roles
    from response.models import Mention, Source
    from response.services import search_index
    from response.services.bureau_config import load_bureau

    load_bureau()
    roles.ensure_groups()
    kinds = ["rss", "html", "wechat", "board", "hotline"]
    for i in range(40):
        Source.objects.get_or_create(slug=f"bench-{i}", defaults={"name": f"测试来源{i}", "kind": kinds[i % 5]})
    have = Mention.objects.count()
    if have >= rows:
        print(f"reusing {have} mentions")
        with connection.cursor() as cur:
            # Fresh planner statistics: a migration since the last run (new column or index) leaves
            # them stale, and the first measurements would describe the planner, not the pages.
            cur.execute("ANALYZE response_mention")
            cur.execute("ANALYZE response_mentionsearch")
        return
    print(f"building {rows - have} mentions …", flush=True)
    started = time.perf_counter()
    titles = "ARRAY[" + ",".join(f"'{t}'" for t in TITLES) + "]"
    with connection.cursor() as cur:
        cur.execute("SELECT array_agg(id ORDER BY id) FROM response_source WHERE slug LIKE 'bench-%%'", [])
        source_ids = cur.fetchone()[0]
        cur.execute("SELECT array_agg(id ORDER BY id) FROM response_section")
        section_ids = cur.fetchone()[0]
        cur.execute("""
            INSERT INTO response_event (key, title, first_seen, last_seen, size, source_count, growth_per_hour,
                                        max_urgency, level)
            SELECT 'bench-' || g, 'bench event ' || g, now(), now(), 1 + g %% 40, 1 + g %% 30, 0, g %% 100, ''
            FROM generate_series(1, 20000) g ON CONFLICT (key) DO NOTHING""", [])
        cur.execute("SELECT min(id) FROM response_event WHERE key LIKE 'bench-%%'", [])
        first_event = cur.fetchone()[0]
        cur.execute(f"""
            INSERT INTO response_mention (
                source_id, url, url_hash, title, text, published_at, fetched_at, author, origin, encoding, extra,
                parse_error, analysed_at, sentiment, sentiment_scores, sentiment_terms, urgency, level,
                urgency_reasons, section_id, section_confidence, section_via, section_reason, keywords,
                matched_plans, flagged, event_id, event_lead, review, dismiss_reason, awaiting_judgement)
            SELECT
                (%(sources)s::bigint[])[1 + g %% 40],
                'http://127.0.0.1:9/bench/' || g || '.html', md5('bench' || g), t.title,
                replace(%(text)s, '{{t}}', t.title),
                now() - (g * interval '2.5 seconds') - interval '30 minutes',
                now() - (g * interval '2.5 seconds'), '', '', 'utf-8', '{{}}', '',
                now() - (g * interval '2.5 seconds'),
                -- Not g %% 3: with as many sections as a multiple of 3, section and sentiment would be tied.
                (ARRAY['negative','neutral','positive'])[1 + (g / 7) %% 3],
                '{{"negative": 0.6, "neutral": 0.3, "positive": 0.1}}', '[["投诉", 0.8]]',
                u.urgency,
                CASE WHEN u.urgency >= 85 THEN 'I' WHEN u.urgency >= 70 THEN 'II'
                     WHEN u.urgency >= 50 THEN 'III' WHEN u.urgency >= 30 THEN 'IV' ELSE '' END,
                '["负面情感"]', (%(sections)s::bigint[])[1 + g %% array_length(%(sections)s::bigint[], 1)],
                0.9, 'rule', '分办规则', '[{{"plan": "律师公证", "term": "律师", "start": 6, "end": 8}}]',
                '["律师公证"]', g %% 5 = 0,
                CASE WHEN g %% 3 = 0 THEN %(first_event)s + g %% 20000 END,
                -- One copy of each story leads it in the queue: the first of its copies.
                g %% 3 <> 0 OR g <= 60000, 'pending', '', false
            FROM generate_series(%(start)s, %(stop)s) g
            CROSS JOIN LATERAL (SELECT ({titles})[1 + g %% 8] AS title) t
            CROSS JOIN LATERAL (SELECT ((g::bigint * 7919) %% 100)::smallint AS urgency) u
        """, {"sources": source_ids, "sections": section_ids, "text": TEXT, "first_event": first_event,
              "start": have + 1, "stop": rows})
    # Rows inserted in SQL have no search rows (``Mention.save`` writes them): the text search needs them.
    search_index.index_missing(batch=200_000)
    with connection.cursor() as cur:
        cur.execute("ANALYZE response_mention")
        cur.execute("ANALYZE response_mentionsearch")
        cur.execute("ANALYZE response_event")
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


def measure(client, url: str, repeat: int) -> tuple[float, int]:
    client.get(url)  # warm caches and connections once
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="drop the bench mentions and build again")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG would keep every SQL query in memory
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the test client capture templates; no database changes
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    if args.rebuild:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("DELETE FROM response_mentionsearch WHERE mention_id IN (SELECT id FROM response_mention "
                        "WHERE url LIKE 'http://127.0.0.1:9/bench/%%')", [])
            cur.execute("DELETE FROM response_mention WHERE url LIKE 'http://127.0.0.1:9/bench/%%'", [])
    build(args.rows)

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from response import roles
    from response.models import Mention

    user, _ = get_user_model().objects.get_or_create(username="bench-duty")
    user.groups.add(Group.objects.get(name=roles.DUTY_OFFICER))
    client = Client()
    client.force_login(user)

    total = Mention.objects.count()
    flagged = Mention.objects.filter(flagged=True, review="pending").count()
    print(f"mentions: {total:,}  flagged pending: {flagged:,}  repeat: {args.repeat}")

    # A deep page: follow the keyset cursor 20 pages in (page 21 costs what page 1 costs).
    queue = reverse("queue")
    deep = queue
    for _ in range(20):
        nxt = client.get(deep).context["next_url"]
        deep = queue + nxt
    top = Mention.objects.order_by("-id").values_list("id", flat=True).first()
    pages = [
        ("queue, first page", queue),
        ("queue, page 21 (keyset)", deep),
        ("queue, level II filter", f"{queue}?level=II"),
        ("queue, plan + 24h filter", f"{queue}?plan=律师公证&range=24h"),
        ("queue, section + sentiment", f"{queue}?section=lawyers&sentiment=neutral"),
        ("queue, text search", f"{queue}?q=行政复议"),
        ("queue, poll for new items", f"{reverse('queue_new')}?since={top - 100}"),
        ("dashboard", reverse("dashboard")),
        ("cases board", reverse("cases")),
    ]
    print(f"{'page':32} {'median ms':>10} {'KiB':>6}")
    for label, page_url in pages:
        ms, size = measure(client, page_url, args.repeat)
        print(f"{label:32} {ms:10.1f} {size / 1024:6.0f}", flush=True)


if __name__ == "__main__":
    main()
