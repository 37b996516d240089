"""Cases: the board (by state and section, overdue first) and one case with its timeline and forms."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from response import roles
from response.forms import (
    RESPONSE_CHANNELS,
    AssigneeForm,
    CaseNoteForm,
    CloseForm,
    ConsultationForm,
    ExtensionRequestForm,
    LevelForm,
    PolicyDocumentForm,
    ReassignForm,
    ReopenForm,
    ResponseForm,
    SignoffForm,
)
from response.models import (
    AuditEntry,
    Case,
    CaseResponse,
    Clock,
    Extension,
    Level,
    ResponseDraft,
    SavedFilter,
    Section,
)
from response.services import assignment, casework, notes, signoff
from response.services.casework import CaseError
from response.views.access import (
    can_decide_extensions,
    can_handle,
    require_direct,
    require_handle,
    visible_case_or_404,
)

BOARD_STATES = (Case.State.TRIAGE, Case.State.HANDLING, Case.State.RESPONDED)
FINISHED_STATES = (Case.State.CLOSED, Case.State.DISMISSED)


@login_required
def case_board(request: HttpRequest) -> HttpResponse:
    visible = roles.visible_cases(request.user, Case.objects.all())
    sections = Section.objects.all()
    if not roles.sees_all_cases(request.user):
        sections = request.user.sections.all()
    code = request.GET.get("section", "")
    if code:
        visible = visible.filter(section__code=code)
    mine = request.GET.get("mine") == "1"
    my_open = roles.visible_cases(request.user, Case.objects.filter(assignee=request.user, state__in=BOARD_STATES))
    if mine:  # 我的案件: the cases this person holds as 承办人
        visible = visible.filter(assignee=request.user)
    cases = (
        visible.select_related("section", "level", "assignee")
        .annotate(next_due=Min("clocks__due_at", filter=Q(clocks__stopped_at__isnull=True)),
                  pending_extensions=Count("clocks__extensions", distinct=True,
                                           filter=Q(clocks__extensions__state=Extension.State.REQUESTED)))
    )
    show_finished = request.GET.get("finished") == "1"
    columns = []
    for state in BOARD_STATES:
        # Earliest open deadline first puts overdue cases on top; cases without clocks last.
        rows = cases.filter(state=state).order_by("next_due", "-opened_at")[:200]
        columns.append((Case.State(state).label, state, list(rows)))
    finished = list(cases.filter(state__in=FINISHED_STATES).order_by("-closed_at", "-opened_at")[:50]) \
        if show_finished else []
    counts = _open_counts(visible)
    # Requests waiting for a decision, across every case the user sees (not only the section filter).
    pending_extensions = Extension.objects.filter(
        state=Extension.State.REQUESTED, clock__case__in=roles.visible_cases(request.user, Case.objects.all())
    ).count()
    return render(request, "response/cases.html", {
        "pending_extensions": pending_extensions, "decides_extensions": can_decide_extensions(request.user),
        "columns": columns, "finished": finished, "show_finished": show_finished,
        "sections": sections, "current_section": code, "counts": counts, "now": timezone.now(),
        "mine": mine, "my_open_count": my_open.count(),
        "saved_filters": SavedFilter.objects.filter(user=request.user, scope=SavedFilter.Scope.CASES),
        "filter_query": _board_query(request),
        "pending_signoffs": signoff.pending_for(request.user).count() if roles.is_leader(request.user) else 0,
        "can_register_policy": roles.can_review(request.user),
        "policy_form": PolicyDocumentForm(initial={"released_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                                                   "section": "office"}),
    })


def _board_query(request: HttpRequest) -> str:
    """The board's own filters of this page, as a query a saved filter can replay ("" when none)."""
    kept = {k: request.GET[k] for k in ("section", "mine", "finished") if request.GET.get(k) not in (None, "", "0")}
    return urlencode(kept)


def _open_counts(cases) -> dict[str, int]:
    rows = cases.filter(state__in=BOARD_STATES).values("section__code").annotate(n=Count("id", distinct=True))
    return {r["section__code"]: r["n"] for r in rows.order_by()}


def _timeline(case: Case) -> list[AuditEntry]:
    """The case's audit rows plus the review decisions on its mentions, oldest first."""
    mention_ids = [str(pk) for pk in case.mentions.values_list("id", flat=True)[:500]]
    return list(
        AuditEntry.objects.filter(Q(case=case) | Q(object_type="mention", object_id__in=mention_ids))
        .order_by("at", "id")[:500]
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case_or_404(request.user, pk)
    handle = can_handle(request.user, case)
    direct = roles.can_review(request.user)
    open_case = case.state not in FINISHED_STATES
    clocks = list(case.clocks.order_by("due_at"))
    running = [k for k in clocks if k.stopped_at is None]
    extensions = list(Extension.objects.filter(clock__case=case)
                      .select_related("clock", "requested_by", "decided_by").order_by("-requested_at", "-id"))
    pending_on = {e.clock_id for e in extensions if e.state == Extension.State.REQUESTED}
    extension_form = ExtensionRequestForm(initial={"unit": Extension.Unit.WORKING_DAYS, "amount": 1})
    extension_form.fields["clock"].choices = [(k.clock, k.get_clock_display()) for k in running
                                              if k.pk not in pending_on]
    response_form = ResponseForm()
    kinds = {k.clock for k in clocks}
    if Clock.FIRST_STATEMENT not in kinds:
        response_form.fields["kind"].choices = [(CaseResponse.Kind.RESPONSE.value, CaseResponse.Kind.RESPONSE.label)]
    elif not any(k.clock == Clock.FIRST_STATEMENT and k.stopped_at for k in clocks):
        response_form.initial["kind"] = CaseResponse.Kind.FIRST_STATEMENT
    signoff_form = SignoffForm(initial={"kind": response_form.initial.get("kind", CaseResponse.Kind.RESPONSE),
                                        "approver": signoff.default_approver(case)})
    signoff_form.fields["kind"].choices = response_form.fields["kind"].choices
    drafts = list(case.drafts.select_related("approver", "submitted_by"))
    user = request.user
    return render(request, "response/case.html", {
        "case": case,
        "clocks": clocks,
        "extensions": extensions,
        "pending_extensions": [e for e in extensions if e.state == Extension.State.REQUESTED],
        "extension_form": extension_form,
        "can_request_extension": handle and open_case and bool(extension_form.fields["clock"].choices),
        "can_decide_extensions": can_decide_extensions(request.user),
        "mentions": case.mentions.select_related("source").defer("raw_gz").order_by("fetched_at")[:100],
        "mention_count": case.mentions.count(),
        "consultations": case.consultations.prefetch_related("sections").select_related("recorded_by"),
        "responses": case.responses.select_related("recorded_by"),
        "timeline": _timeline(case),
        "co_sections": case.co_sections.all(),
        "can_handle": handle and open_case, "can_direct": direct and open_case, "can_review": direct,
        "needs_consultation": bool(case.level and case.level.requires_consultation),
        "consultation_form": ConsultationForm(initial={"held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}),
        "response_form": response_form, "close_form": CloseForm(), "reopen_form": ReopenForm(),
        "can_reopen": handle and case.state == Case.State.CLOSED,
        "closure_blockers": casework.closure_blockers(case) if open_case else [],
        "reassign_form": ReassignForm(initial={"section": case.section.code}),
        "level_form": LevelForm(initial={"level": case.level.code if case.level else None}),
        "levels": Level.objects.all(), "sections": Section.objects.all(),
        "response_channels": RESPONSE_CHANNELS,
        # People: 承办人, claim / unassign / assign within the lead section.
        "can_claim": handle and assignment.can_claim(user, case),
        "can_unassign": handle and assignment.can_unassign(user, case),
        "can_assign_others": handle and assignment.can_assign_others(user, case),
        "assignable": assignment.eligible(case) if handle and assignment.can_assign_others(user, case) else [],
        "assignee_label": assignment.person_label(case.assignee) if case.assignee_id else "",
        # Internal notes: never published, shown only here.
        "notes": notes.notes_for(case), "note_form": CaseNoteForm(), "can_note": handle and open_case,
        # Sign-off: for such levels the response form is a 送审 form; the leader decides here too.
        "needs_signoff": signoff.required(case), "signoff_form": signoff_form, "drafts": drafts,
        "pending_drafts": [d for d in drafts if d.state == ResponseDraft.State.PENDING],
        "decides_drafts": {d.pk for d in drafts if d.state == ResponseDraft.State.PENDING and d.approver_id == user.pk},
    })


def _form_errors(form) -> str:
    return "；".join(f"{form.fields[f].label if f in form.fields else ''}{e}"
                    for f, errs in form.errors.items() for e in errs)


def _act(request: HttpRequest, pk: int, form_class, action, *, direct: bool = False) -> HttpResponse:
    """Shared shape of every case action: visibility (404), permission (403), form, service, message."""
    case = visible_case_or_404(request.user, pk)
    if direct:
        require_direct(request.user)
    else:
        require_handle(request.user, case)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            done = action(case, form.cleaned_data)
            messages.success(request, done)
        except CaseError as exc:
            messages.error(request, str(exc))
    return redirect(reverse("case", args=[case.pk]))


@require_POST
@login_required
def add_consultation(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case: Case, d: dict) -> str:
        casework.record_consultation(case, request.user, held_at=d["held_at"], participants=d["participants"],
                                     conclusion=d["conclusion"], agreed_wording=d["agreed_wording"],
                                     sections=list(d["sections"]))
        return "已记录会商联席会议"
    return _act(request, pk, ConsultationForm, action)


@require_POST
@login_required
def add_response(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case: Case, d: dict) -> str:
        response = casework.record_response(
            case, request.user, text=d["text"], channel=d["channel"], link=d["link"],
            responded_at=d["responded_at"], approved_by=d["approved_by"],
            kind=d["kind"] or CaseResponse.Kind.RESPONSE,
            late_reason=d["late_reason"])
        done = f"已记录{response.get_kind_display()}"
        return done + "（补录，已留痕）" if response.late_reason else done
    return _act(request, pk, ResponseForm, action)


@require_POST
@login_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case: Case, d: dict) -> str:
        casework.close_case(case, request.user, d["summary"])
        return "案件已办结"
    return _act(request, pk, CloseForm, action)


@require_POST
@login_required
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case: Case, d: dict) -> str:
        casework.reopen_case(case, request.user, d["reason"])
        return "案件已重新打开，办结时限重新计算"
    return _act(request, pk, ReopenForm, action)


@require_POST
@login_required
def register_policy(request: HttpRequest) -> HttpResponse:
    require_direct(request.user)
    form = PolicyDocumentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(reverse("cases"))
    d = form.cleaned_data
    try:
        case, created = casework.register_policy_document(
            request.user, title=d["title"], released_at=d["released_at"], section=d["section"],
            link=d["link"], description=d["description"])
    except CaseError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("cases"))
    messages.success(request, f"已登记政策解读案件 {case.number}" if created else f"该文件已登记为 {case.number}")
    return redirect(reverse("case", args=[case.pk]))


@require_POST
@login_required
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case: Case, d: dict) -> str:
        casework.reassign(case, d["section"], request.user)
        return f"已改派至{d['section'].name}"
    return _act(request, pk, ReassignForm, action, direct=True)


@require_POST
@login_required
def set_level(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case: Case, d: dict) -> str:
        if d["level"] is None:
            raise CaseError("请选择要调整到的级别" if case.level is None else "级别未变")
        if not casework.set_level(case, d["level"], request.user):
            return f"级别仍为{d['level']}，未作改动"
        return f"级别已调整为{d['level']}，未完成的时限按新级别重算（已批准的延期保留）"
    return _act(request, pk, LevelForm, action, direct=True)


@require_POST
@login_required
def assign_person(request: HttpRequest, pk: int) -> HttpResponse:
    """认领 (claim for oneself), 取消指派, or 指派 a colleague of the lead section."""
    def action(case: Case, d: dict) -> str:
        try:
            return _assign(case, d)
        except PermissionDenied as exc:  # e.g. claiming a case someone holds: say why on the page
            raise CaseError(str(exc)) from exc

    def _assign(case: Case, d: dict) -> str:
        if d["action"] == "claim":
            if not assignment.assign(case, request.user, request.user):
                return "您已是本案件承办人"
            return "已认领本案件，您是承办人"
        if d["action"] == "unassign":
            assignment.assign(case, None, request.user)
            return "已取消指派，本案件由科室统一承办"
        if not assignment.assign(case, d["assignee"], request.user):
            return "承办人未变"
        return f"已指派{assignment.person_label(d['assignee'])}承办"
    return _act(request, pk, AssigneeForm, action)
