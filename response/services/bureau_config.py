"""Load a bureau's configuration (sections, plans, routing rules, levels, deadlines) from YAML.

Loading is idempotent: rows are created or updated by their natural key, so re-running it after
editing the file updates the database without duplicating anything.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction

from response.models import DeadlinePolicy, KeywordPlan, Level, RoutingRule, Section

DEFAULT_BUREAU = Path(__file__).resolve().parent.parent / "defaults" / "justice_bureau.yaml"


@dataclass
class LoadReport:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def __str__(self) -> str:
        names = {"sections": "科室", "plans": "监测方案", "routing_rules": "分办规则",
                 "levels": "级别", "deadlines": "时限规则"}
        return "，".join(f"{names.get(k, k)} {v} 项" for k, v in self.counts.items())


def _csv(value) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value or "")


@transaction.atomic
def load_bureau(path: Path = DEFAULT_BUREAU) -> LoadReport:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    report = LoadReport()
    for row in data.get("sections", []):
        Section.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"], "description": row.get("description", ""),
                "is_fallback": bool(row.get("fallback", False)), "order": row.get("order", 100),
                "email": row.get("email", ""),
            },
        )
        report.add("sections")
    for row in data.get("plans", []):
        plan = KeywordPlan(name=row["name"], category=row.get("category", "business"),
                           expression=row["expression"])
        plan.clean()  # a syntax error in the file must stop the load with its position
        KeywordPlan.objects.update_or_create(
            name=row["name"],
            defaults={"category": plan.category, "expression": plan.expression,
                      "flags": row.get("flags", True)},
        )
        report.add("plans")
    for row in data.get("routing_rules", []):
        rule, _ = RoutingRule.objects.update_or_create(
            name=row["name"],
            defaults={
                "section": Section.objects.get(code=row["section"]),
                "priority": row.get("priority", 100),
                "keywords": _csv(row.get("keywords")),
                "source_kinds": _csv(row.get("source_kinds")),
                "places": _csv(row.get("places")),
            },
        )
        rule.plans.set(KeywordPlan.objects.filter(name__in=row.get("plans", [])))
        report.add("routing_rules")
    for row in data.get("levels", []):
        Level.objects.update_or_create(code=row["code"], defaults={k: v for k, v in row.items() if k != "code"})
        report.add("levels")
    for row in data.get("deadlines", []):
        level = Level.objects.get(code=row["level"]) if row.get("level") else None
        DeadlinePolicy.objects.update_or_create(
            channel=row["channel"], level=level, clock=row["clock"],
            defaults={"amount": row["amount"], "unit": row["unit"],
                      "warn_at": row.get("warn_at", []), "note": row.get("note", "")},
        )
        report.add("deadlines")
    return report
