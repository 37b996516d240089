"""Speed work must not change one result: the Analyzer (shipped sentiment + Justice section
models, routing rules, keyword plans, events, urgency) over ~200 real documents, and the shipped
Teddy section model, against outputs captured before the optimisation (golden_corpus.py); the
urgency fields were re-captured before urgency's own speed work, from the scorer as committed."""
from __future__ import annotations

import pytest

from analysis.bureau import load_bureau_file
from analysis.tests.golden_corpus import (
    GOLDEN_PATH,
    TEDDY_GOLDEN_PATH,
    golden_docs,
    read_golden,
    run_analyzer,
    run_teddy,
)
from analysis.urgency import UrgencyConfig, UrgencyInput, score_urgency

URGENCY_FIELDS = ("urgency", "level", "urgency_reasons")


@pytest.fixture(scope="module")
def golden() -> tuple[dict, list[dict]]:
    rows = read_golden(GOLDEN_PATH)
    return rows[0]["_meta"], rows[1:]


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return golden_docs()


@pytest.fixture(scope="module")
def current(docs: list[dict]) -> list[dict]:
    return run_analyzer(docs)


def _without_urgency(result: dict) -> dict:
    out = {k: v for k, v in result.items() if k not in URGENCY_FIELDS}
    out["reasons"] = [r for r in result["reasons"] if not r.startswith("紧急度：")]
    return out


def test_every_field_but_urgency_is_identical(golden, docs, current) -> None:
    meta, expected = golden
    assert meta["docs"] == len(docs) == len(current)
    for doc, want, got in zip(docs, expected, current, strict=True):
        assert _without_urgency(got) == _without_urgency(want), doc.get("id")


def test_urgency_identical(golden, current) -> None:
    """Urgency (score, level, reasons) was re-captured from the committed scorer at
    ``_meta.urgency_captured_at`` (lexicon + classifier blend) before its speed work; it is
    compared always. A deliberate change to urgency re-captures the file in the same commit
    (``python -m analysis.tests.golden_corpus``) so the diff shows which documents moved."""
    _, expected = golden
    for want, got in zip(expected, current, strict=True):
        assert got == want, want.get("id")


def test_urgency_gets_the_same_inputs(docs, current) -> None:
    """Whatever the scorer does, the pipeline must hand it the same title, body and sentiment:
    scoring the golden inputs directly gives what the Analyzer reported."""
    config = load_bureau_file().urgency_config(UrgencyConfig.load_default())
    for doc, got in zip(docs, current, strict=True):
        title = (doc.get("title") or "")[:1000]
        res = score_urgency(UrgencyInput(
            title=title, text=(doc.get("text") or "")[:50_000],
            sentiment_scores=got["sentiment_scores"], reach=doc.get("reach") or None,
            event_size=int(doc.get("event_size") or 1),
            event_sources=int(doc.get("event_sources") or 0),
            growth_per_hour=float(doc.get("growth_per_hour") or 0.0)), config)
        assert (got["urgency"], got["level"], got["urgency_reasons"]) == (
            res.score, res.level, res.reasons), doc.get("id")


def test_batch_size_does_not_change_results(docs, current) -> None:
    some = docs[60:140]
    one_by_one = run_analyzer(some, batch=1)
    big = run_analyzer(some, batch=80)
    assert one_by_one == big


def test_teddy_section_model_identical() -> None:
    assert run_teddy() == read_golden(TEDDY_GOLDEN_PATH)
