"""A fixed corpus of ~200 real documents and the Analyzer outputs captured on it.

The golden file (``fixtures/analyzer_golden.jsonl.gz``) was written by this module *before*
the speed work on the Analyzer and the models, so ``test_golden.py`` can hold every later
change to producing exactly the same results. Regenerate only on purpose (a retrained model,
a deliberate behaviour change):  ``.venv/bin/python -m analysis.tests.golden_corpus``.

The mix covers every path: ~2 KB news articles (the benchmark's shape), whole short news
items, citizen messages (section model), Weibo posts without a title (short sentiment path),
hand-written Justice-Bureau lines (routing rules), a human assignment, near-copies (events),
long titles (sentiment's sentence path) and traditional/full-width text (folding).
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN_PATH = FIXTURES / "analyzer_golden.jsonl.gz"
TEDDY_GOLDEN_PATH = FIXTURES / "sections_teddy_golden.jsonl.gz"
URGENCY_FILES = (Path(__file__).resolve().parents[1] / "urgency.py",
                 Path(__file__).resolve().parents[1] / "config" / "urgency.yaml")
BATCH = 64


def _csv_rows(name: str, n: int, skip: int = 0) -> list[dict[str, str]]:
    opener = gzip.open if name.endswith(".gz") else open
    with opener(DATA / name, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        rows = list(csv.DictReader(fh))
    return rows[skip: skip + n]


def golden_docs() -> list[dict[str, Any]]:
    with gzip.open(DATA / "xinwenlianbo_sample300.jsonl.gz", "rt", encoding="utf-8") as fh:
        news = [json.loads(x) for x in fh]
    docs: list[dict[str, Any]] = []
    # 70 benchmark-shaped articles: consecutive transcripts joined, cut at 2,000 characters.
    i = 0
    while len(docs) < 70:
        title, parts = news[i % len(news)]["title"], []
        while sum(map(len, parts)) < 2000:
            parts.append(news[i % len(news)]["text"])
            i += 1
        docs.append({"id": f"a{len(docs)}", "title": title, "text": "\n".join(parts)[:2000]})
    # 30 whole news items as published (some short, some long), with source metadata.
    for k, row in enumerate(news[150:180]):
        docs.append({"id": f"n{k}", "title": row["title"], "text": row["text"],
                     "source": "cctv", "kind": "rss", "reach": "national"})
    # 40 citizen messages (title run into the body, as the platform exports them).
    for k, row in enumerate(_csv_rows("teddy2020_messages.csv.gz", 40, skip=100)):
        docs.append({"id": f"m{k}", "title": "", "text": row["text"], "kind": "board"})
    # 35 Weibo posts: short, no title.
    for k, row in enumerate(_csv_rows("smp2020_ewect_usual.csv.gz", 35, skip=500)):
        docs.append({"id": f"w{k}", "text": row["text"]})
    # 20 Justice-Bureau lines (rules and the section model), every 11th seed row.
    seed = _csv_rows("justice_sections_seed.csv", 224)
    for k, row in enumerate(seed[::11][:20]):
        docs.append({"id": f"j{k}", "title": row["text"][:12], "text": row["text"]})
    # Edge cases built from the real texts above.
    a0 = docs[0]
    docs.append({"id": "copy1", "title": "转发：" + a0["title"],
                 "text": "编者按：请关注。\n" + a0["text"][20:1800].replace("，", ",")})
    docs.append({"id": "copy2", "title": a0["title"], "text": a0["text"][:1500]})
    docs.append({"id": "human", "title": docs[100]["title"], "text": docs[100]["text"][:400],
                 "assigned_section": "publicity"})
    docs.append({"id": "longtitle", "title": news[5]["text"][:600], "text": news[6]["text"][:800]})
    docs.append({"id": "trad", "title": "市民投訴：律師事務所亂收費",
                 "text": "ＡＢＣ律師事務所收取費用後不辦事，電話也不接，要求司法局調查處理。"})
    docs.append({"id": "empty", "title": "", "text": ""})
    docs.append({"id": "ws", "title": "  ", "text": " \n\t　 "})
    docs.append({"id": "place", "title": "", "text": docs[110]["text"], "place": "岳麓区",
                 "reach": "local", "event_size": 4, "event_sources": 3, "growth_per_hour": 2.5})
    docs.append({"title": "无编号文档", "text": docs[120]["text"]})
    return docs


def urgency_fingerprint() -> str:
    """sha256 of the urgency scorer and its config: while they are unchanged, the golden
    urgency fields must match exactly (another team owns them and may change them)."""
    h = hashlib.sha256()
    for p in URGENCY_FILES:
        h.update(p.read_bytes())
    return h.hexdigest()


def run_analyzer(docs: list[dict[str, Any]], batch: int = BATCH) -> list[dict[str, Any]]:
    from analysis.events import EventIndex
    from analysis.pipeline import Analyzer

    # The default bureau's own plans, routing rules and levels: the rule set production uses.
    analyzer = Analyzer.default(events=EventIndex())
    out: list[dict[str, Any]] = []
    for i in range(0, len(docs), batch):
        out.extend(analyzer.analyze_many(docs[i: i + batch]))
    return out


def teddy_texts() -> list[str]:
    return [r["text"] for r in _csv_rows("teddy2020_messages.csv.gz", 60, skip=1000)]


def run_teddy() -> list[dict[str, Any]]:
    from analysis.sections import MODELS_DIR, load_section_model

    model = load_section_model(MODELS_DIR / "sections_teddy")
    return [{"label": p.label, "confidence": p.confidence, "terms": [list(t) for t in p.terms],
             "scores": p.scores} for p in model.predict(teddy_texts())]


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    with gzip.GzipFile(path, "wb", mtime=0) as fh:
        for row in rows:
            fh.write((json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode())


def read_golden(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(x) for x in fh]


if __name__ == "__main__":
    docs = golden_docs()
    results = run_analyzer(docs)
    header = {"_meta": {"docs": len(docs), "urgency_sha256": urgency_fingerprint()}}
    _write(GOLDEN_PATH, [header, *results])
    _write(TEDDY_GOLDEN_PATH, run_teddy())
    print(f"{len(results)} results -> {GOLDEN_PATH}")
