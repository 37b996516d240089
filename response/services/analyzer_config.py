"""The analyzer with the bureau's configuration from the database — plans, routing rules, levels
with their casualty floors, section names — built once per process and rebuilt only when the
configuration version stamp moves (any admin edit, `yuqing bureau load`) or a newly trained model
appears. One source of truth: the cases, the UI's reasons and `yuqing analyze` take the level
the analyzer computed from the same Level table.
"""
from __future__ import annotations

import gc
import logging
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save

from analysis.bureau import BureauRules, bureau_rules, load_bureau_file
from analysis.pipeline import Analyzer
from analysis.sections import load_section_model
from analysis.sentiment import load_sentiment_model
from analysis.urgency import load_default as load_urgency_config
from response.models import ConfigVersion, KeywordPlan, Level, RoutingRule, Section
from response.services.trained_models import trained_model

logger = logging.getLogger(__name__)

STAMP = "judgement"
_lock = threading.Lock()
_cached: dict[str, Any] = {"key": None, "analyzer": None}


def config_version() -> int:
    row = ConfigVersion.objects.filter(name=STAMP).values_list("version", flat=True).first()
    return int(row or 0)


def bump_config_version(**_: Any) -> None:
    """Every worker's cached analyzer is stale from the commit of this change on. The bump is in
    the changing transaction, so a reader sees the new rules and the new stamp together."""
    with transaction.atomic():
        if not ConfigVersion.objects.filter(name=STAMP).update(version=F("version") + 1):
            ConfigVersion.objects.get_or_create(name=STAMP, defaults={"version": 1})


def connect_signals() -> None:
    for model in (KeywordPlan, RoutingRule, Level, Section):
        uid = f"yuqing-config-{model.__name__}"
        post_save.connect(bump_config_version, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(bump_config_version, sender=model, dispatch_uid=uid + "-delete")
    for through in (RoutingRule.plans.through, RoutingRule.sources.through):
        m2m_changed.connect(bump_config_version, sender=through, dispatch_uid=f"yuqing-config-{through.__name__}")


def rules_from_db() -> BureauRules:
    rules = []
    for rule in RoutingRule.objects.filter(enabled=True).prefetch_related("plans", "sources").select_related("section"):
        rules.append({
            "name": rule.name, "section": rule.section.code, "priority": rule.priority,
            "plans": [p.name for p in rule.plans.all()], "sources": [s.slug for s in rule.sources.all()],
            "keywords": rule.keywords, "source_kinds": rule.source_kinds, "places": rule.places,
        })
    return bureau_rules(
        KeywordPlan.objects.filter(enabled=True).values("name", "expression"),
        rules,
        Level.objects.values("code", "order", "min_urgency", "min_deaths", "min_missing", "min_injured"),
        Section.objects.values("code", "name", "is_fallback", "order"),
    )


def _model_key(kind: str) -> tuple[str, float]:
    path = trained_model(kind)
    return (str(path), (path / "meta.json").stat().st_mtime) if path else ("shipped", 0.0)


@lru_cache(maxsize=2)
def _models(sentiment_key: tuple[str, float], sections_key: tuple[str, float]):
    # The bureau's own models (`yuqing train`) replace the shipped ones once they exist.
    sentiment = trained_model("sentiment") if sentiment_key[0] != "shipped" else None
    sections = trained_model("sections") if sections_key[0] != "shipped" else None
    return load_sentiment_model(sentiment), load_section_model(sections), load_urgency_config()


# What a warm-up judges: enough to touch every model and first-call cache (tokenizer, the
# vectorizers' vocabulary codes, the urgency classifier, the place lists).
WARM_UP_DOC = {"id": "warm-up", "source": "warm-up", "title": "市司法局召开法律援助工作推进会",
               "text": "会上通报了今年以来法律援助案件办理情况，群众反映某律师事务所收费不透明，"
                       "社区矫正对象管理、人民调解和公证服务也有投诉。南京市民拨打12345热线咨询。"}


def warm(analyzer: Analyzer) -> Analyzer:
    """Judge one document so that nothing is loaded on the first real one, then freeze what is
    loaded for the garbage collector.

    Loading the models leaves the urgency classifier, the tokenizer and the vectorizers' code
    tables to their first use (~2 s on a worker's first batch, paid again in each pool process).
    Frozen, the ~180k objects of the models are skipped by every full collection (~0.1 s each,
    about one per 1,500 mentions judged) and their pages stay shared between forked processes
    (a collection writes to each object's header)."""
    analyzer.analyze_many([WARM_UP_DOC])
    gc.freeze()
    return analyzer


def warm_models() -> None:
    """Load the models and warm them (``warm``). Called in the worker's main process before it
    forks its pool, so every pool process starts with them in (copy-on-write shared) memory
    instead of spending its first batch loading them; the analyzer for the configuration as it is
    now is built here too (from the bureau file when the database cannot be read yet)."""
    warm(standalone_analyzer())


def analyzer_for_rules(rules: BureauRules) -> Analyzer:
    sentiment, sections, urgency = _models(_model_key("sentiment"), _model_key("sections"))
    return Analyzer.for_bureau(rules, sentiment, sections, urgency)


def current_analyzer() -> Analyzer:
    """The analyzer for the configuration as it is now: one query for the stamp while nothing
    changed, a rebuild (plans compiled, rules sorted) when it moved."""
    key = (config_version(), _model_key("sentiment"), _model_key("sections"))
    with _lock:
        if _cached["key"] != key:
            _cached["analyzer"] = analyzer_for_rules(rules_from_db())
            _cached["key"] = key
            logger.info("analyzer.rebuilt version=%s", key[0])
        return _cached["analyzer"]


def reset_cache() -> None:
    with _lock:
        _cached.update(key=None, analyzer=None)


def standalone_analyzer(bureau_file: str | Path | None = None) -> Analyzer:
    """The analyzer for `yuqing analyze`: the database's configuration when one was loaded,
    otherwise the bureau file — read by the same loader, so the file and the database it would
    load into judge alike (plans, routing rules with every condition, levels with floors)."""
    if bureau_file is None:
        try:
            if KeywordPlan.objects.exists() or RoutingRule.objects.exists():
                return current_analyzer()
        except DatabaseError:
            pass  # no database yet (before `yuqing migrate`): the default file
    return analyzer_for_rules(load_bureau_file(bureau_file))


def level_for_result(result: dict[str, Any]) -> Level | None:
    """The Level row of the level the analyzer computed (score thresholds and casualty floors)."""
    code = result.get("level")
    return Level.objects.filter(code=code).first() if code else None
