"""A bureau's judgement rules — watch plans, routing rules, levels with their casualty floors —
read one way, whether they come from the bureau's YAML file or from the database it was loaded
into. The analyzer, ``yuqing analyze``, the cases, the golden tests and the bench all take their
rules from here, so there is one rule set per bureau and not one per caller.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis.routing import RoutingRule
from analysis.urgency import UrgencyConfig

# The casualty counts a level can be floored on, as the bureau YAML and the Level table name them.
FLOOR_FIELDS = {"deaths": "min_deaths", "missing": "min_missing", "injured": "min_injured"}


def default_bureau_path() -> Path:
    # The default bureau file ships beside the response app (it also holds sections and deadlines);
    # analysis reads it as data, it does not import the app.
    return Path(__file__).resolve().parent.parent / "response" / "defaults" / "justice_bureau.yaml"


@dataclass(frozen=True)
class LevelSpec:
    code: str
    order: int
    min_urgency: float
    floors: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> LevelSpec:
        floors = {kind: int(row[name]) for kind, name in FLOOR_FIELDS.items() if row.get(name) is not None}
        return cls(code=str(row["code"]), order=int(row.get("order", 1)),
                   min_urgency=float(row.get("min_urgency", 0)), floors=floors)


@dataclass(frozen=True)
class BureauRules:
    plans: dict[str, str]
    rules: tuple[RoutingRule, ...]
    levels: tuple[LevelSpec, ...]
    # Section code → name, for the reasons people read; and the section that takes what nothing routes.
    section_names: dict[str, str] = field(default_factory=dict)
    fallback: str = "office"

    def urgency_config(self, base: UrgencyConfig) -> UrgencyConfig:
        """``base`` (weights, lexicons, model) with this bureau's level thresholds and floors.
        Without levels the base's own stay, so the analysis package works on its own."""
        if not self.levels:
            return base
        thresholds = {lv.code: lv.min_urgency for lv in self.levels}
        floors: dict[str, dict[str, int]] = {}
        for lv in self.levels:
            for kind, n in lv.floors.items():
                floors.setdefault(kind, {})[lv.code] = n
        return dataclasses.replace(base, levels=thresholds, casualty_levels=floors)


def _split(value: Any) -> tuple[str, ...]:
    """A list, or a comma-separated string as the admin stores it (either comma)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(x.strip() for x in value.replace("，", ",").split(",") if x.strip())
    return tuple(str(x).strip() for x in value if str(x).strip())


def rule_from_row(row: Mapping[str, Any]) -> RoutingRule:
    return RoutingRule(
        name=str(row["name"]), section=str(row["section"]), plans=_split(row.get("plans")),
        keywords=_split(row.get("keywords")), source_kinds=_split(row.get("source_kinds")),
        sources=_split(row.get("sources")), places=_split(row.get("places")),
        priority=int(row.get("priority", 100)),
    )


def bureau_rules(plans: Iterable[Mapping[str, Any]], rules: Iterable[Mapping[str, Any]],
                 levels: Iterable[Mapping[str, Any]],
                 sections: Iterable[Mapping[str, Any]] = ()) -> BureauRules:
    """Rows as the YAML file has them or as the database gives them (values() dicts)."""
    sections = list(sections)
    fallback = next((str(s["code"]) for s in sections if s.get("fallback") or s.get("is_fallback")), None)
    if fallback is None and sections:
        fallback = str(min(sections, key=lambda s: s.get("order", 100))["code"])
    return BureauRules(
        plans={str(p["name"]): str(p["expression"]) for p in plans if p.get("enabled", True)},
        rules=tuple(rule_from_row(r) for r in rules if r.get("enabled", True)),
        levels=tuple(sorted((LevelSpec.from_row(lv) for lv in levels), key=lambda lv: lv.order)),
        section_names={str(s["code"]): str(s["name"]) for s in sections},
        fallback=fallback or "office",
    )


def load_bureau_file(path: str | Path | None = None) -> BureauRules:
    data = yaml.safe_load(Path(path or default_bureau_path()).read_text(encoding="utf-8")) or {}
    return bureau_rules(data.get("plans", []), data.get("routing_rules", []), data.get("levels", []),
                        data.get("sections", []))
