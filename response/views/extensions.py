"""Extensions (延期) from the case page: the handling sections ask, the office or a leader decides.

The rules and the audit rows live in `services.extensions`; these views add the usual shape:
someone else's case is a 404, a forbidden action a 403, a broken rule a message.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from response.forms import ExtensionDecisionForm, ExtensionRequestForm
from response.models import Extension
from response.services import extensions
from response.services.extensions import ExtensionError
from response.views.access import require_decide_extensions, require_handle, visible_case_or_404


def _errors(form) -> str:
    return "；".join(f"{form.fields[f].label if f in form.fields else ''}{e}"
                    for f, errs in form.errors.items() for e in errs)


@require_POST
@login_required
def request_extension(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case_or_404(request.user, pk)
    require_handle(request.user, case)
    back = redirect(reverse("case", args=[case.pk]) + "#clocks")
    form = ExtensionRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return back
    d = form.cleaned_data
    clock = case.clocks.filter(clock=d["clock"], stopped_at__isnull=True).first()
    if clock is None:
        messages.error(request, "该时限不存在或已完成，无需延期")
        return back
    try:
        ext = extensions.request_extension(clock, request.user, reason=d["reason"], amount=d["amount"],
                                           unit=d["unit"])
    except ExtensionError as exc:
        messages.error(request, str(exc))
        return back
    messages.success(request, f"已提交“{clock.get_clock_display()}”延期 {ext.amount}{ext.get_unit_display()}的申请，"
                              "待办公室或分管领导审批")
    return back


@require_POST
@login_required
def decide_extension(request: HttpRequest, pk: int, ext_pk: int) -> HttpResponse:
    case = visible_case_or_404(request.user, pk)
    ext = get_object_or_404(Extension.objects.select_related("clock"), pk=ext_pk, clock__case=case)
    require_decide_extensions(request.user)
    back = redirect(reverse("case", args=[case.pk]) + "#clocks")
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return back
    note = form.cleaned_data.get("note") or ""
    try:
        if form.cleaned_data["decision"] == "approve":
            ext = extensions.approve_extension(ext, request.user, note)
            due = timezone.localtime(ext.new_due_at).strftime("%Y-%m-%d %H:%M")
            messages.success(request, f"已批准延期，“{ext.clock.get_clock_display()}”新的到期时间为 {due}")
        else:
            extensions.reject_extension(ext, request.user, note)
            messages.success(request, "已驳回延期申请")
    except ExtensionError as exc:
        messages.error(request, str(exc))
    return back
