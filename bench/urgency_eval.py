"""Urgency ranking evaluation: ROC-AUC of emergencies vs routine news and complaints.

Run: ``.venv/bin/python -m bench.urgency_eval [--split dev|test|all] [--show N] [--sentiment]
[--lexicon-only]``
or ``--blind FILE`` (``group|kind|text`` lines, e.g. a new blind set; blind sets 2-5 are training
data now, in analysis/data/urgency).
Data: analysis/data/urgency/urgency_eval.jsonl.gz (provenance in make_urgency_eval.py beside it).
Blind sets print the AUC and group means only, never per-item scores: looking at
which items fail is what turned the earlier test/holdout splits into tuning data.
"""
from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import statistics
from pathlib import Path

from sklearn.metrics import roc_auc_score

from analysis.urgency import UrgencyInput, load_default, score_urgency

DATA = Path(__file__).resolve().parent.parent / "analysis/data/urgency/urgency_eval.jsonl.gz"
POSITIVE, NEGATIVE = {"emergency"}, {"routine_news", "complaint"}


BLIND_GROUPS = {"emergency": "emergency", "routine": "routine_news", "complaint": "complaint"}


def load_blind(path: str | Path) -> list[dict]:
    """Rows of a hand-written blind set: ``group|kind|text`` per line, ``#`` comments."""
    rows = []
    for k, line in enumerate(Path(path).read_text("utf-8").splitlines()):
        if not line.strip() or line.startswith("#"):
            continue
        group, kind, text = line.split("|", 2)
        rows.append({"id": f"{Path(path).stem}-{k}", "group": BLIND_GROUPS[group],
                     "kind": kind, "title": "", "text": text})
    return rows


def load_rows(split: str = "all") -> list[dict]:
    with gzip.open(DATA, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return [r for r in rows if split == "all" or r["split"] == split]


def score_rows(rows: list[dict], sentiment_model=None, lexicon_only: bool = False) -> list[int]:
    cfg = load_default()
    if lexicon_only:  # the "before" figure: the text classifier switched off
        cfg = dataclasses.replace(cfg, model_weight=0.0)
    sentiments = ([r.scores for r in sentiment_model.predict([x["text"] for x in rows])]
                  if sentiment_model else [None] * len(rows))
    return [score_urgency(UrgencyInput(title=r["title"], text=r["text"],
                                       sentiment_scores=s), cfg).score
            for r, s in zip(rows, sentiments)]


def auc(rows: list[dict], scores: list[int]) -> float:
    pairs = [(1 if r["group"] in POSITIVE else 0, s) for r, s in zip(rows, scores)
             if r["group"] in POSITIVE | NEGATIVE]
    return float(roc_auc_score([p[0] for p in pairs], [p[1] for p in pairs]))


def precision_at_k(rows: list[dict], scores: list[int]) -> float:
    """Share of emergencies among the k highest-scored items, k = the number of emergencies
    (ties at the cut broken against the emergencies: a conservative figure)."""
    pairs = [(s, r["group"] in POSITIVE) for r, s in zip(rows, scores)
             if r["group"] in POSITIVE | NEGATIVE]
    k = sum(pos for _, pos in pairs)
    if not k:
        return float("nan")
    ranked = sorted(pairs, key=lambda p: (-p[0], p[1]))
    return sum(pos for _, pos in ranked[:k]) / k


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev", choices=["dev", "test", "holdout", "all"])
    ap.add_argument("--show", type=int, default=0, help="print the N worst-ranked items per class")
    ap.add_argument("--sentiment", action="store_true", help="feed the shipped sentiment model")
    ap.add_argument("--lexicon-only", action="store_true",
                    help="score with the lexicon alone (urgency.yaml model.weight = 0)")
    ap.add_argument("--blind", help="a blind set file (group|kind|text); no per-item output")
    args = ap.parse_args()
    model = None
    if args.sentiment:
        from analysis.sentiment import load_sentiment_model
        model = load_sentiment_model()
    rows = load_blind(args.blind) if args.blind else load_rows(args.split)
    scores = score_rows(rows, model, args.lexicon_only)
    name = Path(args.blind).name if args.blind else f"split={args.split}"
    name += " (lexicon only)" if args.lexicon_only else ""
    print(f"{name} n={len(rows)} ROC-AUC={auc(rows, scores):.4f} "
          f"precision@{sum(r['group'] in POSITIVE for r in rows)}={precision_at_k(rows, scores):.3f}")
    for neg in sorted(NEGATIVE):
        pair = [(r, x) for r, x in zip(rows, scores) if r["group"] in POSITIVE | {neg}]
        if len({r["group"] for r, _ in pair}) == 2:
            print(f"  emergency vs {neg}: ROC-AUC={auc(*map(list, zip(*pair))):.4f}")
    groups = sorted({r["group"] for r in rows})
    for g in groups:
        s = [x for r, x in zip(rows, scores) if r["group"] == g]
        print(f"  {g:14s} n={len(s):4d} mean={statistics.mean(s):5.1f} "
              f"median={statistics.median(s):5.1f} max={max(s)}")
    if args.show and not args.blind:
        ranked = sorted(zip(scores, rows), key=lambda p: p[0])
        print("-- lowest emergencies")
        for s, r in [p for p in ranked if p[1]["group"] == "emergency"][:args.show]:
            print(s, r["text"][:80])
        print("-- highest routine")
        for s, r in [p for p in ranked if p[1]["group"] in NEGATIVE][-args.show:]:
            print(s, r["group"], (r["title"] + " " + r["text"])[:80].replace("\n", " "))


if __name__ == "__main__":
    main()
