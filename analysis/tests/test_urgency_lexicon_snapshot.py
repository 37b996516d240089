"""``lexicon_score`` split into named steps gives the same readings as the 102-line original.

``fixtures/urgency_lexicon_snapshot.jsonl.gz`` holds the original's output (score, reasons,
casualties, frame and a hash of the domestic text) for every text of the urgency data and the
news sentiment set, each read plain and with sentiment, reach and spread signals set. It was
written by the original code before the split. The place matching changed on purpose at the
same time (analysis/places.py), so texts in which any foreign name occurs even as a substring
are left out here; ``test_urgency_places.py`` covers them."""
from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from analysis.text import fold
from analysis.urgency import UrgencyInput, lexicon_score, load_default

HERE = Path(__file__).resolve().parent
URGENCY_DATA = HERE.parent / "data" / "urgency"
SNAPSHOT = HERE / "fixtures" / "urgency_lexicon_snapshot.jsonl.gz"


def _texts() -> Iterator[tuple[str, str, str]]:
    with gzip.open(URGENCY_DATA / "urgency_eval.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            yield r["id"], r["title"], r["text"]
    for name in ("emergencies.txt", "emergencies_holdout.txt", "emergencies_blind2.txt",
                 "emergencies_blind3.txt"):
        for k, line in enumerate((URGENCY_DATA / name).read_text("utf-8").splitlines()):
            if line.strip() and not line.startswith("#"):
                yield f"{name}:{k}", "", line.split("|")[-1]
    news = (HERE / "fixtures" / "sentiment_news_eval.jsonl").read_text("utf-8").splitlines()
    for k, line in enumerate(news):
        yield f"sentiment_news_eval:{k}", "", json.loads(line)["text"]


def test_lexicon_readings_unchanged_by_the_split() -> None:
    cfg = load_default()
    places = cfg._compiled["places"]
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as fh:
        want = {(r["id"], r["variant"]): r for r in map(json.loads, fh)}
    compared = 0
    for rid, title, text in _texts():
        if places.may_name_foreign(fold(f"{title}\n{text}")):
            continue
        for variant in (0, 1):
            kw = ({"sentiment_scores": {"negative": 0.9}, "reach": "municipal",
                   "event_sources": 3, "growth_per_hour": 2} if variant else {})
            r = lexicon_score(UrgencyInput(title=title, text=text, **kw), cfg)
            got = {"id": rid, "variant": variant, "score": r.score, "reasons": r.reasons,
                   "casualties": r.casualties, "frame": r.frame,
                   "domestic_sha1": hashlib.sha1(r.domestic.encode()).hexdigest()}
            assert got == want[(rid, variant)], rid
            compared += 1
    assert compared >= 2000  # most of the 1,525 texts name no foreign place at all
