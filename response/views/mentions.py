"""One mention: what the machine thinks and why, its copies, its snapshot, and the review actions."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from response import roles
from response.forms import DISMISS_REASONS, ConfirmForm, CorrectForm, DismissForm, MergeForm
from response.models import Case, Level, Mention, Section
from response.services import casework
from response.services.casework import CaseError
from response.services.highlight import highlight_parts
from response.views.access import review_required, safe_next

# What a snapshot may do when shown: nothing. No scripts, no network, no forms, opaque origin.
SNAPSHOT_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _mention(pk: int) -> Mention:
    return get_object_or_404(Mention.objects.select_related("source", "section", "event", "reviewed_by"), pk=pk)


@login_required
def mention_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Reviewers see every item with its actions. Everyone else reads, without actions, only items
    linked to cases they can see (anything else is a 404, like someone else's case)."""
    reviewer = roles.can_review(request.user)
    if not reviewer:
        # Leaders see every case, so every item in a case; section staff only their sections'.
        get_object_or_404(Mention.objects.filter(cases__in=roles.visible_cases(request.user, Case.objects.all()))
                          .values("pk").distinct(), pk=pk)
    m = _mention(pk)
    copies = (
        m.event.mentions.exclude(pk=pk).select_related("source").defer("raw_gz", "text").order_by("fetched_at")[:200]
        if m.event_id and reviewer else []
    )
    title_html, text_html = highlight_parts(m.title, m.text, m.keywords)
    cases = list(roles.visible_cases(request.user, m.cases.select_related("section", "level")))
    siblings = _pending_siblings(m).count() if m.event_id else 0
    context = {
        "m": m, "copies": copies, "title_html": title_html, "text_html": text_html, "cases": cases,
        "levels": Level.objects.all(), "sections": Section.objects.all(), "dismiss_reasons": DISMISS_REASONS,
        "siblings": siblings, "has_snapshot": bool(m.raw_gz),
        "terms": _terms(m.keywords), "can_review": reviewer,
    }
    return render(request, "response/mention.html", context)


def _terms(hits: list[dict]) -> list[tuple[str, list[str]]]:
    """Matched terms grouped by plan, for the explanation panel."""
    by_plan: dict[str, list[str]] = {}
    for hit in hits or ():
        terms = by_plan.setdefault(str(hit.get("plan", "")), [])
        term = str(hit.get("term", ""))
        if term and term not in terms:
            terms.append(term)
    return sorted(by_plan.items())


@xframe_options_sameorigin
@login_required
def snapshot(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored raw page: plain text by default; `?render=1` is only for the sandboxed iframe.

    Either way the CSP `sandbox` header gives the document an opaque origin with scripts disabled,
    so even opened directly it can neither run code nor read our cookies.
    """
    m = get_object_or_404(Mention, pk=pk)
    if not roles.can_review(request.user) and not roles.visible_cases(request.user, m.cases.all()).exists():
        raise Http404  # like the item page: another section's item does not exist for this user
    body = m.raw_html() or "（没有保存原始页面）"
    as_html = request.GET.get("render") == "1"
    response = HttpResponse(body, content_type=("text/html" if as_html else "text/plain") + "; charset=utf-8")
    response["Content-Security-Policy"] = SNAPSHOT_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def _pending_siblings(m: Mention):
    return Mention.objects.filter(event_id=m.event_id, flagged=True, review=Mention.Review.PENDING).exclude(pk=m.pk)


def _fail(request: HttpRequest, form) -> None:
    errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
    messages.error(request, errors or "提交的内容无效")


@require_POST
@review_required
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    m = _mention(pk)
    form = ConfirmForm(request.POST)
    back = safe_next(request, reverse("mention", args=[pk]))
    if not form.is_valid():
        _fail(request, form)
        return redirect(back)
    try:
        with transaction.atomic():
            case = casework.confirm_mention(m, request.user, level=form.cleaned_data["level"],
                                            section=form.cleaned_data["section"])
            merged = 0
            if request.POST.get("with_copies") and m.event_id:
                # The other copies of the same story join the case instead of waiting in the queue.
                for sibling in _pending_siblings(m):
                    casework.merge_into_case(sibling, case, request.user)
                    merged += 1
    except CaseError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    extra = f"，同事件 {merged} 条转载一并并入" if merged else ""
    messages.success(request, format_html('已确认并立案 <a href="{}">{}</a>{}', reverse("case", args=[case.pk]),
                                          case.number, extra))
    return redirect(safe_next(request, reverse("case", args=[case.pk])))


@require_POST
@review_required
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    m = _mention(pk)
    form = DismissForm(request.POST)
    back = safe_next(request, reverse("queue"))
    if not form.is_valid():
        _fail(request, form)
        return redirect(back)
    reason = form.cleaned_data["reason"]
    try:
        with transaction.atomic():
            casework.dismiss_mention(m, request.user, reason)
            dismissed = 0
            if request.POST.get("with_copies") and m.event_id:
                for sibling in _pending_siblings(m):
                    casework.dismiss_mention(sibling, request.user, reason)
                    dismissed += 1
    except CaseError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    extra = f"（含同事件 {dismissed} 条转载）" if dismissed else ""
    messages.success(request, f"已排除：{m.title[:40]}{extra}")
    return redirect(back)


@require_POST
@review_required
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    m = _mention(pk)
    form = CorrectForm(request.POST)
    if form.is_valid():
        try:
            casework.correct_mention(m, request.user, form.cleaned_data["field"], form.cleaned_data["value"])
            messages.success(request, "已记录人工修正，将用于模型再训练")
        except CaseError as exc:
            messages.error(request, str(exc))
    else:
        _fail(request, form)
    return redirect(safe_next(request, reverse("mention", args=[pk])))


@require_POST
@review_required
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    m = _mention(pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        _fail(request, form)
        return redirect(safe_next(request, reverse("mention", args=[pk])))
    case: Case = form.cleaned_data["case"]
    try:
        casework.merge_into_case(m, case, request.user)
    except CaseError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("mention", args=[pk]))
    messages.success(request, f"已并入案件 {case.number}")
    return redirect(safe_next(request, reverse("case", args=[case.pk])))
