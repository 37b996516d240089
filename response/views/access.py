"""Who may see and do what in the web UI: every view goes through these helpers."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme

from response import roles
from response.models import Case
from response.services import permissions, signoff


def review_required(view: Callable) -> Callable:
    """Duty officers, the office and admins work the queue; everyone else gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not roles.can_review(request.user):
            raise PermissionDenied("只有值班员和办公室可以研判条目")
        return view(request, *args, **kwargs)

    return wrapper


def overview_required(view: Callable) -> Callable:
    """Bureau-wide figures: duty officers, office, leaders and admins."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not roles.sees_all_cases(request.user):
            raise PermissionDenied("只有值班员、办公室和领导可以查看全局统计")
        return view(request, *args, **kwargs)

    return wrapper


def visible_case_or_404(user, pk: int) -> Case:
    """A case the user may see; others' cases are indistinguishable from missing ones."""
    return get_object_or_404(roles.visible_cases(user, Case.objects.all()), pk=pk)


def can_handle(user, case: Case) -> bool:
    """Record consultations/responses and close: the rule lives in services.permissions."""
    return user.is_authenticated and permissions.can_act_on(user, case)


def require_handle(user, case: Case) -> None:
    if not can_handle(user, case):
        raise PermissionDenied("您无权处置本案件")


def can_decide_extensions(user) -> bool:
    """Approving or rejecting 延期: the office, leaders and admins (services.permissions decides)."""
    return user.is_authenticated and bool(roles.roles_of(user) & permissions.DECIDES_EXTENSIONS)


def require_decide_extensions(user) -> None:
    if not can_decide_extensions(user):
        raise PermissionDenied("仅办公室或分管领导可审批延期")


def can_read_mention(user, mention_cases) -> bool:
    """Reviewers read every item; section staff only items linked to cases they can see."""
    return roles.can_review(user) or roles.visible_cases(user, mention_cases).exists()


def require_direct(user) -> None:
    """Reassigning and re-levelling are the duty officers' and the office's decisions."""
    if not roles.can_review(user):
        raise PermissionDenied("只有值班员和办公室可以改派或定级")


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def nav_items(user) -> list[tuple[str, str]]:
    """(url name, label) pairs for the top navigation, by role (one role look-up per page)."""
    names = roles.roles_of(user)
    items: list[tuple[str, str]] = []
    if names & roles.REVIEWERS:
        items.append(("queue", "研判队列"))
    items.append(("cases", "案件" if names & roles.SEES_ALL else "本科室案件"))
    if names & roles.SEES_ALL:
        items.append(("dashboard", "统计与源健康"))
    if roles.LEADER in names:  # 回应审核 with the number of drafts waiting: the leader's badge
        waiting = signoff.pending_for(user).count()
        items.append(("signoffs", f"回应审核（{waiting}）" if waiting else "回应审核"))
    return items


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if roles.can_review(request.user):
        return redirect("queue")
    if roles.sees_all_cases(request.user):
        return redirect("dashboard")
    return redirect("cases")
