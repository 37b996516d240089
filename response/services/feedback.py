"""Training data from the duty officers' own decisions: the loop that makes the models the bureau's.

Sections: every mention whose owning section a person decided — a correction on the item, or the
lead section of a case a person confirmed or reassigned. Sentiment: every human correction.
The latest human decision wins; machine-only judgements are never exported as labels.
"""
from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from response.models import Case, Feedback, Mention


def _text(mention: Mention) -> str:
    return f"{mention.title}{mention.text}".replace("\r", " ")[:2000]


def section_labels() -> Iterator[tuple[str, str]]:
    labels: dict[int, str] = {}
    for case in Case.objects.filter(section_via="human").select_related("section").prefetch_related("mentions"):
        for mention in case.mentions.all():
            labels[mention.pk] = case.section.code
    confirmed = Case.objects.exclude(opened_by=None).select_related("section").prefetch_related("mentions")
    for case in confirmed:
        for mention in case.mentions.all():
            labels.setdefault(mention.pk, case.section.code)
    for row in Feedback.objects.filter(field="section").order_by("at", "id"):
        labels[row.mention_id] = row.human_value  # an explicit correction is the last word
    mentions = Mention.objects.in_bulk(list(labels))
    for pk, label in labels.items():
        if pk in mentions and label:
            yield _text(mentions[pk]), label


def sentiment_labels() -> Iterator[tuple[str, str]]:
    latest: dict[int, str] = {}
    for row in Feedback.objects.filter(field="sentiment").order_by("at", "id"):
        latest[row.mention_id] = row.human_value
    mentions = Mention.objects.in_bulk(list(latest))
    for pk, label in latest.items():
        if pk in mentions:
            yield _text(mentions[pk]), label


def export(kind: str, path: Path) -> int:
    rows = list(section_labels() if kind == "sections" else sentiment_labels())
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return len(rows)
