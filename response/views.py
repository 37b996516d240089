"""Duty officers' screens. Crawled text is only ever rendered through auto-escaping templates."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from response import roles
from response.models import Case, Mention


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not roles.can_review(request.user):
        return case_list(request)
    items = (
        Mention.objects.filter(flagged=True, review=Mention.Review.PENDING)
        .select_related("source", "section", "event")
        .order_by("-urgency", "-fetched_at")
    )
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(request, "response/queue.html", {"page": page})


@login_required
def mention_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not roles.can_review(request.user):
        raise PermissionDenied
    mention = get_object_or_404(Mention.objects.select_related("source", "section", "event"), pk=pk)
    copies = mention.event.mentions.exclude(pk=pk).select_related("source") if mention.event_id else []
    return render(request, "response/mention.html", {"m": mention, "copies": copies})


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    cases = roles.visible_cases(request.user, Case.objects.select_related("section", "level"))
    return render(request, "response/cases.html", {"cases": cases.prefetch_related("clocks")[:200]})


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(roles.visible_cases(request.user, Case.objects.all()), pk=pk)
    return render(request, "response/case.html", {"case": case, "audit": case.audit.order_by("at", "id")})
