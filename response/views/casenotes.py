"""Internal notes (内部批注) on a case: written on the case page, never published."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from response.forms import CaseNoteForm
from response.services import notes
from response.services.assignment import person_label
from response.services.casework import CaseError
from response.views.access import require_handle, visible_case_or_404


@require_POST
@login_required
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case_or_404(request.user, pk)
    require_handle(request.user, case)
    form = CaseNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect(reverse("case", args=[case.pk]) + "#notes")
    try:
        _, found = notes.add_note(case, request.user, form.cleaned_data["body"])
    except CaseError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("case", args=[case.pk]) + "#notes")
    told = "、".join(person_label(u) for u in found.users)
    messages.success(request, f"已添加内部批注，已提醒{told}" if told else "已添加内部批注")
    if found.unresolved:
        messages.warning(request, "以下提及未找到可查看本案件的同事，未发送提醒："
                         + "、".join(f"@{w}" for w in found.unresolved))
    return redirect(reverse("case", args=[case.pk]) + "#notes")
