"""研判: run the analysis pipeline on stored mentions with the bureau's configuration from the database."""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
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
    # The index is a cache of Mention.event: when it is lost (Redis back empty) the next assign
    # rebuilds it from the database before answering, so ongoing stories keep their events.
    from response.services.event_rebuild import recent_items

    return EventIndex(settings.REDIS_URL or None, namespace=settings.YUQING_EVENT_NAMESPACE,
                      rebuild_source=recent_items)


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


# How long a worker that started judging a mention keeps it to itself. Judging takes milliseconds;
# a lease this old belongs to a worker that died, and the re-drive sends the mention again.
ANALYSIS_LEASE = timedelta(minutes=2)
# A mention stored this long ago and never sent: the process that stored it died before sending.
UNSENT_AFTER = timedelta(seconds=60)
# A mention sent this long ago and still not judged (and not leased): its message was lost.
RESEND_AFTER = timedelta(minutes=2)


def claim_analysis(mention_id: int, now: datetime | None = None) -> bool:
    """Take the lease on an unjudged mention. One conditional UPDATE: of two deliveries of the same
    mention, only the first gets the row; the second sees a fresh claim and leaves it alone."""
    now = now or timezone.now()
    free = Q(analysis_claimed_at__isnull=True) | Q(analysis_claimed_at__lt=now - ANALYSIS_LEASE)
    return bool(Mention.objects.filter(free, pk=mention_id, analysed_at__isnull=True)
                .update(analysis_claimed_at=now))


def analyse_mention(mention_id: int) -> Mention:
    """Judge one mention; idempotent (a re-delivered task leaves it as it is). A mention another
    worker is judging right now is returned unjudged (``analysed_at`` still empty)."""
    mention = Mention.objects.select_related("source").get(pk=mention_id)
    if mention.analysed_at:
        return mention
    now = timezone.now()
    if not claim_analysis(mention.pk, now):
        logger.info("judgement.leased_elsewhere mention=%s", mention.pk)
        mention.refresh_from_db()
        return mention
    mention.analysis_claimed_at = now
    try:
        return _judge(mention)
    except Exception:
        # A failure gives the lease back at once, so the task's own retry can take the mention again.
        Mention.objects.filter(pk=mention.pk, analysis_claimed_at=now).update(analysis_claimed_at=None)
        raise


def _judge(mention: Mention) -> Mention:
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
    logger.info("judgement.done mention=%s event=%s urgency=%s", mention.pk, event.key, mention.urgency,
                extra={"mention": mention.pk, "event": event.key, "urgency": mention.urgency})
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


def stale_unanalysed(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Mentions not judged whose work was lost: stored but never sent (the process that stored them
    died first), or sent a while ago with no live lease (the message, or the worker, was lost)."""
    now = now or timezone.now()
    unsent = Q(analysis_queued_at__isnull=True, fetched_at__lt=now - UNSENT_AFTER)
    lost = Q(analysis_queued_at__lt=now - RESEND_AFTER) & (
        Q(analysis_claimed_at__isnull=True) | Q(analysis_claimed_at__lt=now - ANALYSIS_LEASE))
    return list(Mention.objects.filter(unsent | lost, analysed_at__isnull=True)
                .order_by("id").values_list("id", flat=True)[:limit])


# A case opened by the task chained to the analysis has had this long to appear.
OPEN_CASE_AFTER = timedelta(seconds=60)
# Older judgements are not re-driven: a level switched to open cases automatically today must not
# open cases for last year's mentions (and alert leaders about them).
OPEN_CASE_HORIZON = timedelta(days=1)


def stale_uncased(now: datetime | None = None, limit: int = 200) -> list[int]:
    """Judged mentions that ``maybe_open_case`` would give a case but have none (their open_case
    task was lost): hotline tickets, flagged mentions of a level that opens cases automatically,
    and copies of an event that already has a case. Mentions a duty officer dismissed are left."""
    now = now or timezone.now()
    auto_levels = list(Level.objects.filter(auto_open_case=True).values_list("code", flat=True))
    due = (Q(source__kind=Source.Kind.HOTLINE) | Q(flagged=True, level__in=auto_levels)
           | Q(event__cases__isnull=False))
    return list(Mention.objects.filter(
        due, analysed_at__lt=now - OPEN_CASE_AFTER, analysed_at__gte=now - OPEN_CASE_HORIZON,
        cases__isnull=True,
    ).exclude(review=Mention.Review.DISMISSED).order_by("id").values_list("id", flat=True).distinct()[:limit])
