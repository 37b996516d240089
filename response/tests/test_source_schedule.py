"""The message board and the leader's mailbox are read at least twice a day (≤ 720 minutes):
refused in the admin form and in `yuqing sources load`, with the source named."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from response.models import Source
from response.services.sources_io import SourcesRejected, load_sources
from response.tests.factories import UserFactory

RULE = "留言板/领导信箱类采集源的采集间隔不得超过 720 分钟（每日至少采集两次）"


def board_form(**overrides) -> dict:
    data = {"slug": "sfj-mailbox", "name": "市司法局局长信箱", "kind": "board",
            "url": "http://127.0.0.1:9/mailbox/", "reach": "municipal", "weight": "1.0",
            "schedule_minutes": "1440", "selectors": "{}", "settings": "{}", "enabled": "on"}
    return {**data, **overrides}


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="admin_lin", is_staff=True, is_superuser=True))
    return client


def test_model_clean_allows_twice_a_day_and_refuses_once_a_day(db):
    ok = Source(slug="board-ok", name="领导信箱", kind=Source.Kind.BOARD, url="http://127.0.0.1:9/b/",
                schedule_minutes=720)
    ok.full_clean(exclude=["crawl_state"])
    ok.schedule_minutes = 721
    with pytest.raises(ValidationError) as caught:
        ok.full_clean(exclude=["crawl_state"])
    assert caught.value.message_dict == {"schedule_minutes": [RULE]}
    news = Source(slug="daily-rss", name="闽南日报", kind=Source.Kind.RSS, url="http://127.0.0.1:9/rss.xml",
                  schedule_minutes=1440)
    news.full_clean(exclude=["crawl_state"])  # other kinds keep their own pace


def test_admin_form_shows_the_rule_on_the_interval_field(admin_client):
    url = reverse("admin:response_source_add")
    refused = admin_client.post(url, board_form())
    assert refused.status_code == 200 and not Source.objects.filter(slug="sfj-mailbox").exists()
    assert refused.context["adminform"].form.errors == {"schedule_minutes": [RULE]}
    assert RULE in refused.content.decode()

    accepted = admin_client.post(url, board_form(schedule_minutes="720"))
    assert accepted.status_code == 302
    assert Source.objects.get(slug="sfj-mailbox").schedule_minutes == 720


def test_admin_refuses_slowing_an_existing_board_down(admin_client):
    source = Source.objects.create(slug="sfj-board", name="市司法局留言板", kind=Source.Kind.BOARD,
                                   url="http://127.0.0.1:9/board/", schedule_minutes=360)
    url = reverse("admin:response_source_change", args=[source.pk])
    refused = admin_client.post(url, board_form(slug="sfj-board", name="市司法局留言板", schedule_minutes="2880"))
    assert refused.status_code == 200 and RULE in refused.content.decode()
    source.refresh_from_db()
    assert source.schedule_minutes == 360


SOURCES_YAML = """\
sources:
  - {slug: mnrb, name: 闽南日报, kind: rss, url: 'http://127.0.0.1:9/rss.xml', schedule_minutes: 1440}
  - {slug: sfj-mailbox, name: 市司法局局长信箱, kind: board, url: 'http://127.0.0.1:9/mailbox/', schedule_minutes: 1440}
  - {slug: sfj-board, name: 市司法局留言板, kind: board, url: 'http://127.0.0.1:9/board/', schedule_minutes: 480}
"""


def test_yaml_load_rejects_a_board_read_once_a_day_and_loads_the_rest(db, tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES_YAML, encoding="utf-8")
    with pytest.raises(SourcesRejected) as caught:
        load_sources(path)
    assert caught.value.rejected == [f"采集源 sfj-mailbox（采集间隔(分钟)）：{RULE}"]
    assert (caught.value.created, caught.value.updated) == (2, 0)
    assert set(Source.objects.values_list("slug", flat=True)) == {"mnrb", "sfj-board"}


def test_yaml_load_does_not_slow_down_an_existing_board(db, tmp_path):
    Source.objects.create(slug="sfj-mailbox", name="市司法局局长信箱", kind=Source.Kind.BOARD,
                          url="http://127.0.0.1:9/mailbox/", schedule_minutes=360)
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES_YAML, encoding="utf-8")
    with pytest.raises(SourcesRejected):
        load_sources(path)
    assert Source.objects.get(slug="sfj-mailbox").schedule_minutes == 360


def test_sources_load_command_names_each_rejected_source_in_chinese(db, tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES_YAML + "  - {slug: tg, name: 某频道, kind: telegram, url: 'http://127.0.0.1:9/'}\n",
                    encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("sources", "load", str(path), stdout=StringIO())
    lines = str(caught.value).splitlines()
    assert lines[0] == f"采集源 sfj-mailbox（采集间隔(分钟)）：{RULE}"
    assert "采集源 tg" in lines[1] and "未知类型" in lines[1]
    assert lines[-1] == "其余采集源已载入：新增 2，更新 0"
    assert Source.objects.count() == 2
