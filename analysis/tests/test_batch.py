"""analyze_jsonl: streaming, ids kept, bad lines become error records."""
from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path

from analysis.batch import analyze_jsonl
from analysis.pipeline import Analyzer
from analysis.tests.test_pipeline import FakeSectionModel, FakeSentimentModel
from analysis.urgency import load_default

FIXTURES = Path(__file__).parent / "fixtures"
FIELDS = {"id", "sentiment", "sentiment_scores", "urgency", "level", "section",
          "section_confidence", "keywords", "reasons"}


def _analyzer() -> Analyzer:
    return Analyzer({"司法": "司法局 OR 律师"}, [], FakeSentimentModel(), FakeSectionModel(),
                    load_default())


def _real_docs(n: int) -> list[dict]:
    with gzip.open(FIXTURES / "urgency_eval.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(x) for x, _ in zip(fh, range(n))]
    return [{"id": r["id"], "title": r["title"], "text": r["text"]} for r in rows]


def test_results_and_error_records(tmp_path: Path) -> None:
    docs = _real_docs(5)
    lines = [json.dumps(d, ensure_ascii=False) for d in docs]
    lines.insert(2, '{"id": "broken", "text": "未闭合')
    lines.insert(4, '["not", "an", "object"]')
    lines.insert(5, json.dumps({"id": "typed", "text": 12345}))
    lines.insert(6, "")
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    analyzer = _analyzer()
    n = analyze_jsonl(src, dst, analyzer, batch_size=3)
    out = [json.loads(x) for x in dst.read_text("utf-8").splitlines()]
    assert n == len(out) == 8
    errors = [o for o in out if "error" in o]
    assert [(e["id"], e["line"]) for e in errors] == [(None, 3), (None, 5), ("typed", 6)]
    assert "不是合法 JSON" in errors[0]["error"] and "不是 JSON 对象" in errors[1]["error"]
    good = [o for o in out if "error" not in o]
    assert [o["id"] for o in good] == [d["id"] for d in docs]
    assert all(set(o) >= FIELDS for o in good)


def test_streams_many_lines_in_flat_memory(tmp_path: Path) -> None:
    base = _real_docs(50)
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    with open(src, "w", encoding="utf-8") as fh:
        for i in range(6_000):
            d = base[i % len(base)]
            fh.write(json.dumps({"id": i, "title": d["title"], "text": d["text"][:300]},
                                ensure_ascii=False) + "\n")
    tracemalloc.start()
    n = analyze_jsonl(src, dst, _analyzer(), batch_size=256)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert n == 6_000
    # The input is ~5 MB; holding it (or the output) would show here.
    assert peak < 2 * 1024 * 1024, peak
    with open(dst, encoding="utf-8") as fh:
        *_, last = fh
    assert json.loads(last)["id"] == 5_999
