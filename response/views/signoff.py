"""Leader sign-off (审核) from the web: a handler submits, the leader asked approves or returns."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Min, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from response import roles
from response.forms import SignoffDecisionForm, SignoffForm
from response.models import Case, CaseResponse, ResponseDraft
from response.services import signoff
from response.services.assignment import person_label
from response.services.casework import CaseError
from response.views.access import require_handle, safe_next, visible_case_or_404


def _errors(form) -> str:
    return "；".join(f"{form.fields[f].label if f in form.fields else ''}{e}"
                    for f, errs in form.errors.items() for e in errs)


@require_POST
@login_required
def submit_for_signoff(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case_or_404(request.user, pk)
    require_handle(request.user, case)
    form = SignoffForm(request.POST)
    back = redirect(reverse("case", args=[case.pk]) + "#responses")
    if not form.is_valid():
        messages.error(request, _errors(form))
        return back
    d = form.cleaned_data
    try:
        draft = signoff.submit(case, request.user, text=d["text"], channel=d["channel"], link=d["link"],
                               kind=d["kind"] or CaseResponse.Kind.RESPONSE, approver=d["approver"])
    except CaseError as exc:
        messages.error(request, str(exc))
        return back
    messages.success(request, f"已送审{person_label(draft.approver)}，审核通过后自动记录为已发布；时限照常计算")
    return back


@require_POST
@login_required
def decide_signoff(request: HttpRequest, pk: int, draft_pk: int) -> HttpResponse:
    case = visible_case_or_404(request.user, pk)
    draft = get_object_or_404(ResponseDraft, pk=draft_pk, case=case)
    if draft.approver_id != request.user.pk:
        raise PermissionDenied("只有送审时指定的领导可以审核本回应")
    form = SignoffDecisionForm(request.POST)
    back = redirect(safe_next(request, reverse("case", args=[case.pk]) + "#responses"))
    if not form.is_valid():
        messages.error(request, _errors(form))
        return back
    d = form.cleaned_data
    try:
        if d["decision"] == "approve":
            response = signoff.approve(draft, request.user, comment=d["comment"])
            messages.success(request, f"已审核通过，{response.get_kind_display()}已记录为发布（{case.number}）")
        else:
            signoff.return_draft(draft, request.user, comment=d["comment"])
            messages.success(request, f"已退回修改（{case.number}），意见已告知送审人")
    except CaseError as exc:
        messages.error(request, str(exc))
    return back


@login_required
def signoff_list(request: HttpRequest) -> HttpResponse:
    """A leader's drafts waiting for sign-off; everyone sees the drafts they submitted."""
    user = request.user
    visible = roles.visible_cases(user, Case.objects.all())
    mine = (ResponseDraft.objects.filter(submitted_by=user, case__in=visible)
            .select_related("case", "approver").order_by("-submitted_at")[:50])
    decided = (ResponseDraft.objects.filter(approver=user).exclude(state=ResponseDraft.State.PENDING)
               .select_related("case", "submitted_by").order_by("-decided_at")[:30])
    return render(request, "response/signoffs.html", {
        # Beside each draft, the case's next running deadline: the clock does not wait for the leader.
        "pending": signoff.pending_for(user).annotate(
            next_due=Min("case__clocks__due_at", filter=Q(case__clocks__stopped_at__isnull=True))),
        "is_leader": roles.is_leader(user),
        "decided": decided, "mine": mine, "decision_form": SignoffDecisionForm(),
    })
