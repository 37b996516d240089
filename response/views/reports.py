"""Report downloads: a case's 舆情专报 and period reports (DOCX/PDF), the period form, and the
office's 下一步建议 on a case.

Who gets what: a case's 专报 goes to whoever may see the case (it says nothing the case page does
not); period reports to bureau-wide viewers for any scope, and to a section head for the sections
they head. Anything else is a 404, like someone else's case.
"""
from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from response import roles
from response.models import Section
from response.services import reports
from response.services.reports.next_steps import save_next_steps
from response.views.access import visible_case_or_404


def _download(doc: reports.Document, fmt: str) -> HttpResponse:
    if fmt not in reports.FORMATS:
        raise Http404("不支持的格式")
    response = HttpResponse(reports.render(doc, fmt), content_type=reports.FORMATS[fmt])
    response["Content-Disposition"] = content_disposition_header(True, f"{doc.filename}.{fmt}")
    response["Cache-Control"] = "no-store"  # internal material: no copies in shared caches
    return response


@login_required
def case_report(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    case = visible_case_or_404(request.user, pk)
    return _download(reports.case_document(case), fmt)


def period_sections(user) -> list[Section] | None:
    """Sections whose period report the user may have; None = every scope including the bureau."""
    if roles.sees_all_cases(user):
        return None
    return list(Section.objects.filter(head=user)) if user.is_authenticated else []


def _parse(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def period_form(request: HttpRequest) -> HttpResponse:
    allowed = period_sections(request.user)
    if allowed == []:
        raise Http404
    today = timezone.localdate()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    monday = today - timedelta(days=today.weekday())
    presets = [
        ("上周", monday - timedelta(days=7), monday - timedelta(days=1)),
        ("上月", last_month_end.replace(day=1), last_month_end),
        ("本年至今", today.replace(month=1, day=1), today),
        (f"{today.year - 1}年度", date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    ]
    return render(request, "reports/period_form.html", {
        "sections": Section.objects.all() if allowed is None else allowed, "bureau_allowed": allowed is None,
        "presets": presets,
        "first": _parse(request.GET.get("from")) or last_month_end.replace(day=1),
        "last": _parse(request.GET.get("to")) or last_month_end,
    })


@login_required
def period_report(request: HttpRequest, fmt: str) -> HttpResponse:
    allowed = period_sections(request.user)
    code = request.GET.get("section") or None
    if allowed is not None and (code is None or code not in {s.code for s in allowed}):
        raise Http404  # a section head asking for the bureau's or another section's report
    if code and not Section.objects.filter(code=code).exists():
        raise Http404
    first, last = _parse(request.GET.get("from")), _parse(request.GET.get("to"))
    if first is None or last is None or last < first or (last - first).days > 366:
        messages.error(request, "请填写有效的起止日期（不超过一年）")
        return redirect(reverse("report_period_form"))
    return _download(reports.period_document(first, last, code), fmt)


@require_POST
@login_required
def next_steps(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case_or_404(request.user, pk)
    changed = save_next_steps(case, request.user, request.POST.get("next_steps", ""))  # 403 unless the office
    messages.success(request, "已保存下一步建议" if changed else "下一步建议未改动")
    return redirect(reverse("case", args=[case.pk]) + "#next-steps")
