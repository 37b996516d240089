"""Bulk actions on the queue, the 已排除 list and restoring a dismissed item.

The rules live in `services.bulk` (a loop over the single-item services); this module only turns
the posted selection — explicit ids, or "all matching the filter" — into mentions.
"""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from response.forms import QueueFilterForm
from response.models import Case, Level, Mention, Section
from response.services import bulk
from response.services.casework import CaseError
from response.views.access import review_required, safe_next
from response.views.queue import apply_filters, pending_queue

DISMISSED_PAGE = 50
VERBS = {"dismiss": "排除", "confirm": "确认立案", "merge": "合并", "reassign": "改派"}


def selected(request: HttpRequest) -> list[Mention]:
    """The posted ids, or with scope=all every pending item matching the posted filter (capped)."""
    if request.POST.get("scope") == "all":
        form = QueueFilterForm(QueryDict(request.POST.get("filter", "")) or None)
        ids = list(apply_filters(pending_queue(), form).order_by("-urgency", "-fetched_at", "-id")
                   .values_list("id", flat=True)[: bulk.BULK_LIMIT])
    else:
        ids = request.POST.getlist("ids")
    return bulk.load(ids)


def _by_code(model, code: str):
    return model.objects.filter(code=code).first() if code else None


@require_POST
@review_required
def bulk_action(request: HttpRequest) -> HttpResponse:
    back = safe_next(request, reverse("queue"))
    action = request.POST.get("action", "")
    if action not in VERBS:
        messages.error(request, "未知的批量操作")
        return redirect(back)
    mentions = selected(request)
    if not mentions:
        messages.error(request, "请先勾选条目")
        return redirect(back)
    level, section = _by_code(Level, request.POST.get("level", "")), _by_code(Section, request.POST.get("section", ""))
    copies = bool(request.POST.get("with_copies"))
    try:
        if action == "dismiss":
            result = bulk.dismiss(mentions, request.user, request.POST.get("reason", ""), with_copies=copies)
        elif action == "confirm":
            result = bulk.confirm(mentions, request.user, level=level, section=section, with_copies=copies)
        elif action == "merge":
            number = request.POST.get("case", "").strip()
            case = None
            if number:
                case = Case.objects.filter(number=number).first()
                if case is None:
                    raise CaseError(f"找不到案件 {number}")
            result = bulk.merge(mentions, request.user, case=case, level=level, section=section,
                                with_copies=copies)
        else:
            if section is None:
                raise CaseError("请选择改派到的科室")
            result = bulk.reassign(mentions, request.user, section)
    except CaseError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    text = result.summary(VERBS[action])
    if result.cases and action in ("merge", "confirm"):
        links = format_html("，".join(['<a href="{}">{}</a>'] * min(len(result.cases), 10)),
                            *[x for c in result.cases[:10] for x in (reverse("case", args=[c.pk]), c.number)])
        messages.success(request, format_html("{}：案件 {}", text, links))
    elif result.done:
        messages.success(request, text)
    else:
        messages.warning(request, text)
    return redirect(back)


@review_required
def dismissed_list(request: HttpRequest) -> HttpResponse:
    """已排除: the newest dismissals first, searchable, each with its reason and a restore button."""
    qs = (Mention.objects.filter(review=Mention.Review.DISMISSED)
          .select_related("source", "section", "reviewed_by").defer("raw_gz", "text"))
    term = request.GET.get("q", "").strip()[:100]
    if term:
        qs = qs.filter(title__icontains=term) | qs.filter(dismiss_reason__icontains=term)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    start = (page - 1) * DISMISSED_PAGE
    rows = list(qs.order_by("-reviewed_at", "-id")[start: start + DISMISSED_PAGE + 1])
    return render(request, "response/dismissed.html", {
        "rows": rows[:DISMISSED_PAGE], "q": term, "page": page,
        "has_next": len(rows) > DISMISSED_PAGE, "has_prev": page > 1,
    })


@require_POST
@review_required
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    m = get_object_or_404(Mention, pk=pk)
    back = safe_next(request, reverse("dismissed"))
    try:
        bulk.restore(m, request.user)
    except CaseError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    case = bulk.dismissed_case(m)
    extra = f"；关联案件 {case.number} 暂为“已排除”，确认该条目后将恢复为“处置中”" if case else ""
    messages.success(request, format_html('已恢复到研判队列：<a href="{}">{}</a>{}', reverse("mention", args=[pk]),
                                          m.title[:40], extra))
    return redirect(back)
