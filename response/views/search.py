"""全局搜索 and saved filters (保存的筛选)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from response import roles
from response.models import SavedFilter
from response.services import search as search_service
from response.views.access import safe_next


@login_required
def search_view(request: HttpRequest) -> HttpResponse:
    form = search_service.SearchForm(request.GET or None)
    results = None
    if request.GET and form.is_valid():
        results = search_service.search(request.user, form.cleaned_data)
    saved = [(f, f"{reverse(search_service.SCOPE_URLS[f.scope])}?{f.query}")
             for f in SavedFilter.objects.filter(user=request.user)]
    return render(request, "response/search.html", {
        "form": form, "results": results, "saved": saved, "query": request.GET.urlencode(),
        "can_review": roles.can_review(request.user),
    })


@require_POST
@login_required
def save_filter(request: HttpRequest) -> HttpResponse:
    scope = request.POST.get("scope", SavedFilter.Scope.SEARCH)
    query = request.POST.get("query", "")
    back = safe_next(request, f"{reverse(search_service.SCOPE_URLS.get(scope, 'search'))}?{query}")
    try:
        row = search_service.save_filter(request.user, scope, request.POST.get("name", ""), query)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, f"已保存筛选“{row.name}”（{row.get_scope_display()}）")
    return redirect(back)


@require_POST
@login_required
def delete_filter(request: HttpRequest, pk: int) -> HttpResponse:
    if search_service.delete_filter(request.user, pk):
        messages.success(request, "已删除保存的筛选")
    else:
        messages.error(request, "找不到该筛选")
    return redirect(safe_next(request, reverse("search")))
