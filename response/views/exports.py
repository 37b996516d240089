"""Downloads from the UI (queue, case list, statistics as Excel) and the weekly digest preview."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from response import roles
from response.forms import QueueFilterForm
from response.models import Case, Section
from response.services import exports
from response.services import search as search_service
from response.services.audit import _label as person_label
from response.services.case_export import export_rows
from response.services.digest import deliver
from response.services.digest.gather import BUREAU
from response.services.digest.period import Week
from response.services.stats import case_stats
from response.views.access import overview_required, review_required
from response.views.mentions import SNAPSHOT_CSP
from response.views.queue import apply_filters, pending_queue

BOARD_STATES = (Case.State.TRIAGE, Case.State.HANDLING, Case.State.RESPONDED)


def _xlsx(body: bytes, prefix: str) -> HttpResponse:
    response = HttpResponse(body, content_type=exports.XLSX_TYPE)
    # RFC 6266 with a percent-encoded UTF-8 name: the Chinese file name survives every browser.
    response["Content-Disposition"] = content_disposition_header(True, exports.filename(prefix))
    response["Cache-Control"] = "private, no-store"
    return response


def _described(form, skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(label, shown value) for every filter the user set, as the form displays it."""
    out = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if name in skip or value in (None, ""):
            continue
        choices = dict(getattr(field, "choices", ()) or ())
        if hasattr(value, "get_username"):
            shown = person_label(value)
        elif hasattr(value, "pk"):
            shown = str(value)
        else:
            shown = choices.get(value, value)
        out.append((str(field.label), str(shown)))
    return out


@review_required
def export_queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    qs = apply_filters(pending_queue(), form).select_related("source", "section", "event").defer("raw_gz")
    rows = qs.order_by("-urgency", "-fetched_at", "-id")[: exports.QUEUE_EXPORT_LIMIT]
    filters = _described(form) if form.is_bound and form.is_valid() else []
    body = exports.queue_workbook(rows, filters, who=person_label(request.user), base_url=settings.YUQING_BASE_URL)
    return _xlsx(body, "研判队列")


@login_required
def export_cases(request: HttpRequest) -> HttpResponse:
    """The case board as filtered (section, with or without finished cases), or the search page's
    case results (mode=search with the search form's fields). Only cases the user may see."""
    filters: list[tuple[str, str]] = []
    if request.GET.get("mode") == "search":
        form = search_service.SearchForm(request.GET)
        if not form.is_valid():
            messages.error(request, "筛选条件无效，未导出")
            return redirect(reverse("search"))
        cases = search_service.search_cases(request.user, form.cleaned_data)
        filters = _described(form, skip=("kind",))
    else:
        cases = roles.visible_cases(request.user, Case.objects.all())
        if request.GET.get("mine") == "1":
            cases = cases.filter(assignee=request.user)
            filters.append(("承办人", "我的案件"))
        code = request.GET.get("section", "")
        section = Section.objects.filter(code=code).first() if code else None
        if section:
            cases = cases.filter(section=section)
            filters.append(("牵头科室", section.name))
        if request.GET.get("finished") == "1":
            filters.append(("范围", "含已办结/已排除"))
        else:
            cases = cases.filter(state__in=BOARD_STATES)
            filters.append(("范围", "在办案件（待研判、处置中、已回应）"))
    body = exports.cases_workbook(export_rows(cases=cases), filters, who=person_label(request.user))
    return _xlsx(body, "案件")


def _date(value: str, default: date) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return default


@overview_required
def export_stats(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    start = _date(request.GET.get("from", ""), today - timedelta(days=29))
    end = _date(request.GET.get("to", ""), today)
    if end < start:
        start, end = end, start
    body = exports.stats_workbook(case_stats(start, end), who=person_label(request.user))
    return _xlsx(body, "案件统计")


# ---- weekly digest preview ----

def _require_digest(user) -> None:
    if not roles.manages_digest(user):
        raise PermissionDenied("只有办公室可以预览和试发周报")


def _week_and_scope(request: HttpRequest) -> tuple[Week, str]:
    try:
        week = Week.parse(request.GET.get("week") or request.POST.get("week") or "")
    except ValueError:
        week = Week.previous_to_now()
    scope = request.GET.get("scope") or request.POST.get("scope") or BUREAU
    if scope != BUREAU and not Section.objects.filter(code=scope).exists():
        scope = BUREAU
    return week, scope


@login_required
def digest_preview(request: HttpRequest) -> HttpResponse:
    _require_digest(request.user)
    week, scope = _week_and_scope(request)
    rendered = deliver.preview(week.label, scope)
    recent = [Week.previous_to_now().shifted(-i) for i in range(8)]
    return render(request, "response/digest_preview.html", {
        "week": week, "scope": scope, "weeks": recent, "sections": Section.objects.all(),
        "subject": rendered.subject, "recipients": deliver.recipients_for(scope),
        "frame_url": f"{reverse('digest_preview_body')}?week={week.label}&scope={scope}",
        "bureau": BUREAU,
    })


@xframe_options_sameorigin
@login_required
def digest_preview_body(request: HttpRequest) -> HttpResponse:
    """The digest's HTML for the preview iframe, sandboxed like a snapshot (no scripts, no network)."""
    _require_digest(request.user)
    week, scope = _week_and_scope(request)
    response = HttpResponse(deliver.preview(week.label, scope).preview_html(), content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = SNAPSHOT_CSP
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def digest_test_send(request: HttpRequest) -> HttpResponse:
    """Send this week's digest to the signed-in user only, marked 【测试】. It bypasses the delivery
    log on purpose: a test must never count as the real weekly send to that address."""
    _require_digest(request.user)
    week, scope = _week_and_scope(request)
    back = f"{reverse('digest_preview')}?week={week.label}&scope={scope}"
    if not request.user.email:
        messages.error(request, "您的账号没有登记邮箱，无法试发；请在管理后台补充邮箱")
        return redirect(back)
    rendered = deliver.preview(week.label, scope)
    rendered.subject = f"【测试】{rendered.subject}"
    message_id = f"<digest-test.{week.label}.{uuid.uuid4().hex[:16]}@{deliver._mail_domain()}>"
    try:
        deliver.build_message(rendered, request.user.email, message_id=message_id).send(fail_silently=False)
    except Exception as exc:  # the mail server's own words help the office fix the settings
        messages.error(request, f"试发失败：{type(exc).__name__}: {exc}")
        return redirect(back)
    messages.success(request, f"已将周报试发至 {request.user.email}")
    return redirect(back)
