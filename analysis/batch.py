"""``analyze_jsonl``: stream a JSONL file of documents through the Analyzer.

Reads and writes line by line in batches (memory stays flat on 100k lines),
keeps each input's ``id`` and adds the analysis fields. A line that is not
JSON, not an object, or that the analyzer rejects becomes an error record
``{"id": ..., "line": n, "error": "..."}`` instead of aborting the run.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from analysis.pipeline import Analyzer

logger = logging.getLogger(__name__)

OUTPUT_FIELDS = ("sentiment", "sentiment_scores", "urgency", "level", "section",
                 "section_confidence", "keywords", "reasons")
EXTRA_FIELDS = ("sentiment_terms", "urgency_reasons", "section_via", "section_reason", "event_key")


def _parse(lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    for n, line in lines:
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            yield n, None, f"第 {n} 行不是合法 JSON：{exc.msg}（列 {exc.colno}）"
            continue
        if not isinstance(doc, dict):
            yield n, None, f"第 {n} 行不是 JSON 对象"
            continue
        yield n, doc, None


def _record(doc: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    out = {"id": doc.get("id")}
    out.update({k: result[k] for k in OUTPUT_FIELDS})
    out.update({k: result[k] for k in EXTRA_FIELDS if k in result})
    return out


def _flush(batch: list[tuple[int, dict[str, Any]]], analyzer: Analyzer, out: TextIO) -> None:
    if not batch:
        return
    try:
        results = analyzer.analyze_many([d for _, d in batch])
        records = [_record(d, r) for (_, d), r in zip(batch, results)]
    except Exception:
        records = []
        for n, doc in batch:
            try:
                records.append(_record(doc, analyzer.analyze(doc)))
            except Exception as exc:
                logger.warning("analyze_jsonl.bad_doc", extra={"line": n, "error": str(exc)})
                records.append({"id": doc.get("id"), "line": n,
                                "error": f"分析失败：{type(exc).__name__}: {exc}"})
    out.writelines(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records)


def analyze_jsonl(in_path: str | Path, out_path: str | Path, analyzer: Analyzer,
                  batch_size: int = 256) -> int:
    """Analyse every line of ``in_path`` into ``out_path``; returns the number of records written
    (results and error records)."""
    written = 0
    with open(in_path, encoding="utf-8", errors="replace") as src, \
            open(out_path, "w", encoding="utf-8") as out:
        batch: list[tuple[int, dict[str, Any]]] = []
        for n, doc, error in _parse(enumerate(src, start=1)):
            if error is not None:
                out.write(json.dumps({"id": None, "line": n, "error": error}, ensure_ascii=False) + "\n")
                written += 1
                continue
            assert doc is not None
            batch.append((n, doc))
            if len(batch) >= batch_size:
                _flush(batch, analyzer, out)
                written += len(batch)
                batch = []
        _flush(batch, analyzer, out)
        written += len(batch)
    return written
