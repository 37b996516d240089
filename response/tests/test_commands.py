"""The `yuqing` subcommands a bureau's scripts depend on, run as a user would."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from response.demo.site import Article, DemoSite
from response.models import Case, Mention, Source
from response.services.demo import DEMO_SOURCES
from response.services.sources_io import load_sources

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_help_lists_yuqing_commands_with_descriptions():
    result = subprocess.run([sys.executable, "-m", "config.cli", "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0
    for name in ("demo", "crawl", "sources", "tickets", "mentions", "analyze", "train", "evaluate", "bureau"):
        line = next(line for line in result.stdout.splitlines() if line.strip().startswith(name + " "))
        assert len(line.split(maxsplit=1)[1]) > 4, line


def test_sources_load_creates_then_updates_by_slug_and_exports(db, tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - {slug: mnrb, name: 闽南日报, kind: rss, url: 'http://127.0.0.1:9/rss.xml'}\n",
                    encoding="utf-8")
    assert "新增 1" in run("sources", "load", str(path))
    path.write_text("sources:\n  - {slug: mnrb, name: 闽南日报·漳州, kind: rss, url: 'http://127.0.0.1:9/rss.xml',"
                    " reach: provincial}\n", encoding="utf-8")
    assert "更新 1" in run("sources", "load", str(path))
    assert Source.objects.get(slug="mnrb").reach == "provincial" and Source.objects.count() == 1
    exported = run("sources", "export")
    assert "闽南日报·漳州" in exported and "slug: mnrb" in exported


def test_sources_load_rejects_an_unknown_kind_with_a_clear_error(db, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("sources:\n  - {slug: x, name: X, kind: telegram, url: 'http://127.0.0.1:9/'}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="未知类型"):
        run("sources", "load", str(path))
    assert not Source.objects.exists()


@pytest.fixture
def site():
    site = DemoSite().start()
    yield site
    site.stop()


def test_crawl_is_incremental_and_a_new_article_is_the_only_one_fetched(bureau, site):
    load_sources(DEMO_SOURCES, substitutions={"base": site.base_url})
    first = run("crawl", "demo-fjnews")
    count = Mention.objects.filter(source__slug="demo-fjnews").count()
    assert "新增" in first and count > 10
    assert "新增 0 条" in run("crawl", "demo-fjnews")
    site.articles.insert(0, Article("jz-new", "市司法局通报一起律师违规执业案件", "市司法局近日通报，某律师事务所律师在代理案件中收取"
                                    "当事人额外费用，违反律师执业规范，已被给予停止执业三个月的行政处罚。",
                                    site.now + timedelta(minutes=5), "东南网", ("rss",)))
    report = run("crawl", "demo-fjnews")
    assert "新增 1 条" in report and "★" in report and "市司法局通报一起律师违规执业案件" in report
    new = Mention.objects.get(title="市司法局通报一起律师违规执业案件")
    assert new.analysed_at and new.flagged and new.section.code == "lawyers"


def test_crawl_of_an_unknown_source_is_an_error(db):
    with pytest.raises(CommandError, match="未知采集源"):
        run("crawl", "nope")


TICKETS = [
    ["工单编号", "工单标题", "诉求内容", "诉求类型", "转办时间", "办理时限", "办理状态"],
    ["ZZ20261120001", "律师收费不退", "市民反映委托某律所律师代理劳动争议，律师未出庭却拒绝退还律师费，请求司法局督促处理。",
     "投诉", "2026-11-20 09:30", "2026-12-09 18:00", "办理中"],
    ["ZZ20261120002", "法律援助咨询", "来电人咨询农民工讨薪能否申请法律援助，需要准备什么材料。", "咨询", "2026-11-20 10:05",
     "2026-11-25 18:00", "办理中"],
]


def test_tickets_import_opens_one_case_per_ticket_and_reimport_updates(bureau, tmp_path):
    path = tmp_path / "12345.csv"
    with path.open("w", encoding="gb18030", newline="") as fh:
        csv.writer(fh).writerows(TICKETS)
    assert "新增 2" in run("tickets", "import", str(path))
    cases = Case.objects.filter(origin_key__startswith="ticket:")
    assert cases.count() == 2
    complaint = cases.get(origin_key="ticket:ZZ20261120001")
    enquiry = cases.get(origin_key="ticket:ZZ20261120002")
    assert complaint.channel == "hotline_complaint" and complaint.section.code == "lawyers"
    assert enquiry.channel == "hotline_enquiry" and enquiry.section.code == "legal_aid"
    # The clock runs from the transfer, not from the import, to the ticket's own 办理时限.
    clock = enquiry.clocks.get(clock="response")
    assert timezone.localtime(clock.started_at).strftime("%Y-%m-%d %H:%M") == "2026-11-20 10:05"
    assert timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M") == "2026-11-25 18:00"
    assert clock.policy_note == "12345 工单要求办结时间"

    TICKETS[1][6] = "已办结"
    with path.open("w", encoding="gb18030", newline="") as fh:
        csv.writer(fh).writerows(TICKETS)
    report = run("tickets", "import", str(path))
    assert "新增 0" in report and "更新 1" in report and "无变化 1" in report
    assert Mention.objects.filter(source__kind="hotline").count() == 2 and cases.count() == 2
    assert Mention.objects.get(extra__ticket_no="ZZ20261120001").extra["status"] == "已办结"


def test_mentions_export_writes_every_mention_as_jsonl(bureau, site, tmp_path):
    load_sources(DEMO_SOURCES, substitutions={"base": site.base_url})
    run("crawl", "demo-wechat")
    out = tmp_path / "mentions.jsonl"
    run("mentions", "export", "--format", "jsonl", "--output", str(out))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == Mention.objects.count() > 0
    row = next(r for r in rows if "脱管" in r["title"])
    assert row["source"] == "demo-wechat" and row["published_at"].endswith("+08:00")
    assert set(row) >= {"source", "url", "title", "text", "published_at", "fetched_at", "matched_plans"}
    assert "社区矫正" in row["matched_plans"]


def test_analyze_writes_one_judgement_per_line(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in [
        {"id": "a", "title": "某县发生山体滑坡致3人死亡", "text": "当地已启动应急响应，司法局组织律师为受灾群众提供法律援助。"},
        {"id": "b", "text": "公证处办理继承公证太慢，等了两个月还没办好，太让人失望了"},
    ]), encoding="utf-8")
    dst = tmp_path / "out.jsonl"
    result = subprocess.run([sys.executable, "-m", "config.cli", "analyze", "--input", str(src), "--output", str(dst)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**__import__("os").environ, "YUQING_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    rows = {r["id"]: r for r in map(json.loads, dst.read_text(encoding="utf-8").splitlines())}
    keys = {"sentiment", "sentiment_scores", "urgency", "level", "section", "section_confidence", "keywords", "reasons"}
    assert keys <= set(rows["a"]) and keys <= set(rows["b"])
    assert rows["a"]["urgency"] > rows["b"]["urgency"]
    assert rows["b"]["section"] == "notary" and rows["b"]["sentiment"] == "negative"


def test_demo_runs_the_whole_pipeline_on_sqlite(tmp_path):
    env = {**__import__("os").environ, "YUQING_HOME": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    result = subprocess.run([sys.executable, "-m", "config.cli", "demo", "--no-serve"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "yuqing.sqlite3").exists()
    assert "研判队列中" in result.stdout and "社区矫正科" in result.stdout
    assert "duty / yuqing-demo" in result.stdout


def test_train_then_evaluate_uses_the_freshly_trained_model(tmp_path, settings):
    import random

    from analysis.training import DATA_DIR, read_labelled

    settings.YUQING_HOME = tmp_path
    rows = random.Random(3).sample(read_labelled(DATA_DIR / "teddy2020_messages.csv.gz"), 450)
    data = tmp_path / "messages.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([("text", "label"), *rows])
    assert "模型已保存到" in run("train", "sections", "--data", str(data))
    assert (tmp_path / "models" / "sections" / "meta.json").exists()
    result = json.loads(run("evaluate", "sections", "--data", str(data)))
    # The shipped default is the Justice-Bureau model, whose labels are section codes: scoring the
    # Teddy categories this well means the local model was used.
    assert result["macro_f1"] > 0.8 and "城乡建设" in result["per_class"]
