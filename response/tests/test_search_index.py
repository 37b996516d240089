"""Text search rows beside the mention: written when a mention is stored or its words change,
never by a judgement, a lease or a review — so the trigram index is not rewritten by them — and
found by the queue's and the search page's text search."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from response.models import Mention, MentionSearch
from response.services import judgement, search_index
from response.tests.factories import MentionFactory, SourceFactory
from response.tests.migration_support import old_source
from response.tests.test_views_support import (  # noqa: F401 (fresh_dashboard_cache is autouse)
    flagged_mention,
    fresh_dashboard_cache,
    people,
)

BOARD_TITLE = "反映某公证处办理继承公证时间过长"
BOARD_TEXT = "来电人反映在某公证处办理房产继承公证已两个月仍未出证，工作人员要求补充材料前后不一，请司法局督促。"


def _search_queries(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if MentionSearch._meta.db_table in q["sql"]]


def test_a_stored_mention_is_found_by_words_of_its_title_or_text(db):
    mention = MentionFactory(title=BOARD_TITLE, text=BOARD_TEXT + " Notary-ABC")
    assert MentionSearch.objects.get(mention=mention).text == f"{BOARD_TITLE}\n{BOARD_TEXT} Notary-ABC"
    found = set(Mention.objects.filter(search_index.text_match("房产继承")).values_list("pk", flat=True))
    assert found == {mention.pk}
    assert Mention.objects.filter(search_index.text_match("公证时间过长")).count() == 1   # the title
    assert Mention.objects.filter(search_index.text_match("notary-abc")).count() == 1     # any case
    # Not across the end of the title and the start of the text.
    assert Mention.objects.filter(search_index.text_match("过长来电人")).count() == 0


def test_edited_words_replace_the_search_row_and_other_saves_leave_it_alone(db):
    mention = MentionFactory(title=BOARD_TITLE, text=BOARD_TEXT)
    mention.title = "反映某公证处收费过高"
    mention.save()
    assert Mention.objects.filter(search_index.text_match("收费过高")).count() == 1
    assert Mention.objects.filter(search_index.text_match("时间过长")).count() == 0
    with CaptureQueriesContext(connection) as ctx:
        mention.review = Mention.Review.DISMISSED
        mention.save(update_fields=["review"])
        mention.save()  # a whole save with the same words: looked at, not rewritten
    # The review wrote nothing; the whole save only an UPDATE that skips equal words, and an
    # INSERT … ON CONFLICT DO NOTHING for a mention that had no row.
    update, insert = _search_queries(ctx)
    assert update.startswith("UPDATE") and "NOT" in update and "INSERT" in insert
    assert MentionSearch.objects.get(mention=mention).text.startswith("反映某公证处收费过高\n")


def test_judging_and_judging_again_never_write_the_search_rows(bureau):
    source = SourceFactory(slug="mnrb", name="闽南日报", kind="rss")
    ids = [MentionFactory(source=source, title=BOARD_TITLE + str(i), text=BOARD_TEXT).pk for i in range(5)]
    with CaptureQueriesContext(connection) as ctx:
        judgement.open_cases(judgement.analyse_batch(ids).cases_due)
        Mention.objects.filter(pk__in=ids).update(analysed_at=None)
        judgement.open_cases(judgement.analyse_batch(ids).cases_due)
    assert Mention.objects.filter(pk__in=ids, analysed_at__isnull=False).count() == 5
    assert _search_queries(ctx) == []


def test_queue_and_search_page_find_items_by_words_of_their_text(client, bureau):
    users = people(bureau)
    hit = flagged_mention(bureau, title="市民反映公证处办事难", text=BOARD_TEXT, urgency=40, level="IV")
    miss = flagged_mention(bureau, title="律师事务所收费争议", text="市民要求退还律师费。", urgency=60, level="III")
    client.force_login(users["duty"])
    queue = client.get(reverse("queue"), {"q": "补充材料"}).content.decode()
    assert f'data-id="{hit.pk}"' in queue and f'data-id="{miss.pk}"' not in queue
    found = {x.pk for x in client.get(reverse("search"), {"q": "补充材料"}).context["results"].mentions}
    assert found == {hit.pk}


def test_index_missing_fills_rows_for_mentions_stored_without_save(db):
    source = SourceFactory()
    Mention.objects.bulk_create([Mention(source=source, url=f"http://127.0.0.1:9/b{i}", url_hash=f"b{i}",
                                         title=f"{BOARD_TITLE}{i}", text=BOARD_TEXT, fetched_at=timezone.now())
                                 for i in range(7)])
    assert Mention.objects.filter(search_index.text_match("补充材料")).count() == 0
    assert search_index.index_missing(batch=3) == 7
    assert search_index.index_missing() == 0
    assert Mention.objects.filter(search_index.text_match("补充材料")).count() == 7


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_stored_mentions_their_search_rows(migrate_to):
    old = migrate_to("0010_notification_link")
    old.get_model("response", "Mention").objects.create(source=old_source(old), url="http://127.0.0.1:9/1",
                                                        url_hash="old1", title=BOARD_TITLE, text=BOARD_TEXT,
                                                        fetched_at=timezone.now())
    migrate_to("0011_mention_search")
    assert Mention.objects.filter(search_index.text_match("补充材料")).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")
def test_on_postgresql_only_the_search_rows_carry_a_trigram_index(db):
    with connection.cursor() as cur:
        cur.execute("SELECT tablename, indexdef FROM pg_indexes WHERE indexdef LIKE '%%gin_trgm_ops%%'")
        trigram = cur.fetchall()
    assert [t for t, _ in trigram] == [MentionSearch._meta.db_table]
    MentionFactory(title=BOARD_TITLE, text=BOARD_TEXT)
    # The filter's own look-up (the outer join's plan depends on table sizes): the index answers it.
    inner = search_index.text_match("补充材料").children[0][1]
    sql, params = inner.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_indexscan = off")
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert "mentionsearch_text_trgm" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")
def test_pages_keep_room_so_a_lease_leaves_the_indexes_alone_on_postgresql(db):
    """Pages keep room for the next row version (migration 0012): a lease, which changes no indexed
    column, is then mostly a heap-only update that adds no entry to the table's indexes."""
    with connection.cursor() as cur:
        cur.execute("SELECT reloptions FROM pg_class WHERE relname = 'response_mention'")
        assert "fillfactor=70" in (cur.fetchone()[0] or [])

    def heap_only_leases(prefix: str) -> int:
        ids = [MentionFactory(title=f"{prefix}{BOARD_TITLE}{i}", text=BOARD_TEXT * 3).pk for i in range(60)]
        with connection.cursor() as cur:
            before = _hot_updates(cur)
            judgement.claim_batch(ids)
            return _hot_updates(cur) - before

    with_room = heap_only_leases("甲")
    with connection.cursor() as cur:  # undone with the test's transaction
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign-key checks run first
        cur.execute("ALTER TABLE response_mention RESET (fillfactor)")
    full_pages = heap_only_leases("乙")
    assert with_room >= 25 and with_room >= full_pages + 15, (with_room, full_pages)


def _hot_updates(cur) -> int:
    # This transaction's own counts, before they are flushed to the statistics.
    cur.execute("SELECT n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'response_mention'")
    return cur.fetchone()[0]
