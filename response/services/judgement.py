"""研判: run the analysis pipeline on stored mentions with the bureau's configuration from the database."""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from analysis.events import EventIndex
from analysis.pipeline import Analyzer
from analysis.routing import RoutingRule as RuleSpec
from analysis.sections import load_section_model
from analysis.sentiment import load_sentiment_model
from analysis.urgency import load_default as load_urgency_config
from response.models import Event, KeywordPlan, Level, Mention, RoutingRule, Section, Source
from response.services.leads import claim_lead
from response.services.trained_models import trained_model

logger = logging.getLogger(__name__)


def _config_snapshot() -> tuple[dict[str, str], list[RuleSpec]]:
    plans = dict(KeywordPlan.objects.filter(enabled=True).values_list("name", "expression"))
    rules = []
    for rule in RoutingRule.objects.filter(enabled=True).select_related("section").prefetch_related("plans", "sources"):
        split = lambda s: tuple(x.strip() for x in s.replace("，", ",").split(",") if x.strip())  # noqa: E731
        rules.append(RuleSpec(
            name=rule.name, section=rule.section.code, plans=tuple(p.name for p in rule.plans.all()),
            keywords=split(rule.keywords), source_kinds=split(rule.source_kinds),
            sources=tuple(s.slug for s in rule.sources.all()), places=split(rule.places),
            priority=rule.priority,
        ))
    return plans, rules


@lru_cache(maxsize=1)
def _models():
    # The bureau's own models (`yuqing train`) replace the shipped ones once they exist.
    return (load_sentiment_model(trained_model("sentiment")), load_section_model(trained_model("sections")),
            load_urgency_config())


@lru_cache(maxsize=4)
def _analyzer_for(fingerprint: str, plans_json: str, rules: tuple) -> Analyzer:
    sentiment, sections, urgency = _models()
    return Analyzer(json.loads(plans_json), list(rules), sentiment, sections, urgency)


def current_analyzer() -> Analyzer:
    """An analyzer for the configuration as it is now; rebuilt only when plans or rules change."""
    plans, rules = _config_snapshot()
    plans_json = json.dumps(plans, ensure_ascii=False, sort_keys=True)
    fingerprint = hashlib.sha256((plans_json + repr(rules)).encode()).hexdigest()
    return _analyzer_for(fingerprint, plans_json, tuple(rules))


@lru_cache(maxsize=1)
def event_index() -> EventIndex:
    return EventIndex(settings.REDIS_URL or None, namespace=settings.YUQING_EVENT_NAMESPACE)


def level_for(score: int) -> Level | None:
    return Level.objects.filter(min_urgency__lte=score).order_by("order").first()


def _update_event(event: Event) -> Event:
    stats = event.mentions.aggregate(size=Count("id"), sources=Count("source", distinct=True))
    first = event.mentions.order_by("fetched_at").values_list("fetched_at", flat=True).first()
    last = event.mentions.order_by("-fetched_at").values_list("fetched_at", flat=True).first()
    recent = event.mentions.filter(fetched_at__gte=(last or timezone.now()) - timedelta(hours=1)).count()
    event.size, event.source_count = stats["size"], stats["sources"]
    event.first_seen, event.last_seen = first or event.first_seen, last or event.last_seen
    event.growth_per_hour = float(recent)
    event.save(update_fields=["size", "source_count", "first_seen", "last_seen", "growth_per_hour"])
    return event


def analyse_mention(mention_id: int) -> Mention:
    """Judge one mention; idempotent (a re-delivered task leaves it as it is)."""
    mention = Mention.objects.select_related("source").get(pk=mention_id)
    if mention.analysed_at:
        return mention
    text = f"{mention.title}\n{mention.text}"
    key = event_index().assign(str(mention.pk), text)
    with transaction.atomic():
        event, _ = Event.objects.get_or_create(
            key=key, defaults={"title": mention.title[:500], "first_seen": mention.fetched_at,
                               "last_seen": mention.fetched_at},
        )
        Mention.objects.filter(pk=mention.pk).update(event=event)
        mention.event = event
        event = _update_event(event)

    doc = {
        "id": mention.pk, "title": mention.title, "text": mention.text,
        "source": mention.source.slug, "source_kind": mention.source.kind, "reach": mention.source.reach,
        "published_at": mention.published_at.isoformat() if mention.published_at else None,
        "event_size": event.size, "event_sources": event.source_count,
        "growth_per_hour": event.growth_per_hour,
    }
    result = current_analyzer().analyze(doc)
    flagging = set(KeywordPlan.objects.filter(flags=True, enabled=True).values_list("name", flat=True))
    plans = sorted({hit["plan"] for hit in result["keywords"]})
    level = level_for(int(result["urgency"]))

    mention.sentiment = result["sentiment"]
    mention.sentiment_scores = result["sentiment_scores"]
    mention.sentiment_terms = result.get("sentiment_terms", [])
    mention.urgency = int(result["urgency"])
    mention.level = level.code if level else ""
    mention.urgency_reasons = result.get("urgency_reasons", [])
    mention.section = Section.objects.filter(code=result["section"]).first() or Section.fallback()
    mention.section_confidence = float(result.get("section_confidence") or 0)
    mention.section_via = result.get("section_via", "")
    mention.section_reason = (result.get("section_reason") or "")[:300]
    mention.keywords = result["keywords"]
    mention.matched_plans = plans
    # Hotline tickets are always in the queue; everything else only when a flagging plan matched.
    mention.flagged = mention.source.kind == Source.Kind.HOTLINE or bool(flagging.intersection(plans))
    mention.analysed_at = timezone.now()
    mention.save()
    claim_lead(mention)

    if mention.urgency > event.max_urgency:
        event.max_urgency = mention.urgency
        event.level = mention.level
        event.save(update_fields=["max_urgency", "level"])
    logger.info("judgement.done", extra={"mention": mention.pk, "event": event.key, "urgency": mention.urgency})
    return mention


def maybe_open_case(mention_id: int):
    """Open a 待研判 case for a flagged mention whose level opens cases automatically."""
    from response.services.cases import open_case_for_mention

    mention = Mention.objects.select_related("event", "source", "section").get(pk=mention_id)
    level = Level.objects.filter(code=mention.level).first()
    if mention.source.kind == Source.Kind.HOTLINE:
        # A 12345 transfer is already the bureau's business: every ticket is a case being handled.
        case, _ = open_case_for_mention(mention, level=level, state="handling")
        return case
    if mention.event_id and mention.event.cases.exists():
        # A new copy of a story that already has a case joins it (and may reopen a closed one),
        # whatever this copy's own level.
        case, _ = open_case_for_mention(mention, level=level, state="triage")
        return case
    if not (mention.flagged and level and level.auto_open_case):
        return None
    case, created = open_case_for_mention(mention, level=level, state="triage")
    if not created:
        case.mentions.add(mention)  # a later copy of the same event joins the existing case
    return case


def standalone_analyzer() -> Analyzer:
    """The analyzer for `yuqing analyze`: the database's configuration when there is one,
    otherwise the default bureau file, so the command also works before `yuqing migrate`."""
    from django.db import DatabaseError

    try:
        if KeywordPlan.objects.exists() or RoutingRule.objects.exists():
            return current_analyzer()
    except DatabaseError:
        pass
    import yaml

    from response.services.bureau_config import DEFAULT_BUREAU

    data = yaml.safe_load(DEFAULT_BUREAU.read_text(encoding="utf-8"))
    plans = {p["name"]: p["expression"] for p in data.get("plans", [])}
    rules = tuple(
        RuleSpec(name=r["name"], section=r["section"], plans=tuple(r.get("plans", [])),
                 keywords=tuple(r.get("keywords", [])), priority=r.get("priority", 100))
        for r in data.get("routing_rules", [])
    )
    return _analyzer_for("file", json.dumps(plans, ensure_ascii=False, sort_keys=True), rules)


def stale_unanalysed(older_than: timedelta = timedelta(minutes=15), limit: int = 2000) -> list[int]:
    """Mentions stored a while ago but still not judged (their task was lost or kept failing)."""
    cutoff = timezone.now() - older_than
    return list(Mention.objects.filter(analysed_at__isnull=True, fetched_at__lt=cutoff)
                .order_by("fetched_at").values_list("id", flat=True)[:limit])
