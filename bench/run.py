"""One-command benchmark: full analysis vs plain jieba.lcut, and sentiment vs SnowNLP.

Run from the repository root:  ``.venv/bin/python -m bench.run``  (or ``python bench/run.py``).
Options: ``--articles N`` (default 300), ``--batch N`` (default 64), ``--snownlp N`` (default 300).
Everything runs in this process, pinned to one CPU core with single-threaded BLAS.
"""
from __future__ import annotations

import os

# Single-threaded numerics before numpy/scipy load: the figures are per core.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import csv
import gc
import gzip
import json
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NEWS = ROOT / "analysis/data/xinwenlianbo_sample300.jsonl.gz"
WEIBO = ROOT / "analysis/data/smp2020_ewect_usual.csv.gz"
ARTICLE_CHARS = 2000


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def articles(n: int) -> list[dict]:
    """~2 KB articles: consecutive 新闻联播 transcripts joined and cut at 2,000 characters."""
    with gzip.open(NEWS, "rt", encoding="utf-8") as fh:
        rows = [json.loads(x) for x in fh]
    out, i = [], 0
    while len(out) < n:
        title, parts = rows[i % len(rows)]["title"], []
        while sum(map(len, parts)) < ARTICLE_CHARS:
            parts.append(rows[i % len(rows)]["text"])
            i += 1
        out.append({"id": f"a{len(out)}", "title": title, "text": "\n".join(parts)[:ARTICLE_CHARS]})
    return out


def short_posts(n: int) -> list[str]:
    with gzip.open(WEIBO, "rt", encoding="utf-8") as fh:
        return [r["text"] for r, _ in zip(csv.DictReader(fh), range(n))]


def timed(fn, *args) -> float:
    gc.collect()
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--snownlp", type=int, default=300)
    ap.add_argument("--pipeline", type=int, default=1500, metavar="N",
                    help="end-to-end pipeline figures with N articles (bench/pipeline.py; 0 skips it)")
    args = ap.parse_args()
    if args.pipeline > 0:
        import atexit
        import subprocess

        # Its own process on every core (this one pins itself to one); run after the figures above.
        atexit.register(lambda: subprocess.run(
            [sys.executable, "-m", "bench.pipeline", "--articles", str(args.pipeline)], cwd=ROOT, check=False))
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    docs = articles(args.articles)
    kb = sum(len(d["title"]) + len(d["text"]) for d in docs) / len(docs)
    print(f"语料：{len(docs)} 篇新闻联播拼接稿，平均 {kb:.0f} 字；单核（CPU 亲和性 1 核，BLAS 单线程）")

    # -- load models: memory measured around loading only
    import jieba
    jieba.setLogLevel(60)
    from analysis.events import EventIndex
    from analysis.pipeline import Analyzer
    rss0 = rss_bytes()
    tracemalloc.start()
    analyzer = Analyzer.default(events=EventIndex())
    traced, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = rss_bytes()
    jieba.initialize()  # jieba's dictionary load is excluded from its timing, as ours is

    # warm up both (first-call caches, rjieba dictionary, fold table)
    analyzer.analyze_many(docs[:8])
    for d in docs[:8]:
        jieba.lcut(d["title"] + "\n" + d["text"])
    analyzer.events = EventIndex()  # fresh index: warm-up docs must not pre-populate it

    def run_full() -> None:
        for i in range(0, len(docs), args.batch):
            analyzer.analyze_many(docs[i:i + args.batch])

    def run_jieba() -> None:
        for d in docs:
            jieba.lcut(d["title"] + "\n" + d["text"])

    t_full = timed(run_full)
    t_jieba = timed(run_jieba)
    full_rate, jieba_rate = len(docs) / t_full, len(docs) / t_jieba
    print(f"完整分析（折叠/分词/关键词/情感/紧急度/科室/事件归并）：{full_rate:8.1f} 篇/秒")
    print(f"仅 jieba.lcut 分词：                                 {jieba_rate:8.1f} 篇/秒")
    print(f"倍数（完整分析 / jieba.lcut）：{full_rate / jieba_rate:.2f}×（目标 ≥ 3×）")
    # Urgency (lexicon + its own classifier) is owned apart; its share is shown so changes
    # there are not mistaken for changes in the rest of the pipeline.
    from analysis.urgency import UrgencyInput, lexicon_score, score_urgency
    neutral = {"negative": 0.1, "neutral": 0.8, "positive": 0.1}
    t_urg = timed(lambda: [score_urgency(UrgencyInput(
        title=d["title"], text=d["text"], sentiment_scores=neutral), analyzer.urgency_config)
        for d in docs])
    t_lex = timed(lambda: [lexicon_score(UrgencyInput(
        title=d["title"], text=d["text"], sentiment_scores=neutral), analyzer.urgency_config)
        for d in docs])
    print(f"其中紧急度评分约 {t_urg / len(docs) * 1e3:.2f} 毫秒/篇，占完整分析 {t_urg / t_full:.0%}"
          f"（词典部分 {t_lex / len(docs) * 1e3:.2f} 毫秒，其余为文本判别模型）")
    print(f"模型加载内存：tracemalloc {traced / 2**20:.1f} MiB，RSS 增量 {(rss1 - rss0) / 2**20:.1f} MiB")

    # -- sentiment only vs SnowNLP on short posts
    posts = short_posts(max(args.snownlp, 1000))
    sent = analyzer.sentiment_model
    sent.predict(posts[:16])
    t_ours = timed(lambda: [sent.predict(posts[i:i + 256]) for i in range(0, len(posts), 256)])
    if args.snownlp <= 0:
        return
    try:
        from snownlp import SnowNLP
    except ImportError:
        print("SnowNLP 未安装（pip install snownlp），跳过对比")
        return
    _ = SnowNLP(posts[0]).sentiments  # warm-up: loads its model
    few = posts[:args.snownlp]
    t_snow = timed(lambda: [SnowNLP(p).sentiments for p in few])
    ours, snow = len(posts) / t_ours, len(few) / t_snow
    print(f"情感（微博短文本，平均 {sum(map(len, posts)) / len(posts):.0f} 字）："
          f"本项目 {ours:.0f} 条/秒，SnowNLP {snow:.0f} 条/秒，{ours / snow:.1f}×")


if __name__ == "__main__":
    main()
