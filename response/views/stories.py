"""A story's page: its spread over time by source reach, first publisher, sources, sentiment over
time, matched plans, and its case with clocks and handling record."""
from __future__ import annotations

import base64

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from response import roles
from response.models import AuditEntry, Case, Event
from response.services.reports.story import event_spread


def _data_uri(png: bytes | None) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii") if png else ""


def story_cases(user, event: Event):
    """The cases about this story that the user may see: opened on the event or holding its items."""
    cases = Case.objects.filter(Q(event=event) | Q(mentions__event=event)).distinct()
    return roles.visible_cases(user, cases).select_related("section", "level").order_by("opened_at")


@login_required
def story(request: HttpRequest, pk: int) -> HttpResponse:
    """Reviewers read every story; everyone else only stories of cases they can see (else 404)."""
    event = get_object_or_404(Event, pk=pk)
    cases = list(story_cases(request.user, event))
    if not roles.can_review(request.user) and not cases:
        raise Http404
    spread = event_spread(event)
    case = cases[0] if cases else None
    timeline = list(AuditEntry.objects.filter(case=case).order_by("at", "id")[:300]) if case else []
    return render(request, "response/story.html", {
        "event": event, "spread": spread, "cases": cases, "case": case,
        "clocks": list(case.clocks.order_by("due_at")) if case else [],
        "timeline": timeline,
        "spread_src": _data_uri(spread.spread_png()), "sentiment_src": _data_uri(spread.sentiment_png()),
        "can_review": roles.can_review(request.user),
    })
