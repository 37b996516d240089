"""The dashboard: volume, sentiment, events, spikes, on-time rates and source health."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from response.services import dashboard
from response.views.access import overview_required


def dashboard_scope(user) -> str:
    """Which cached figures this user may see. Only bureau-wide viewers reach the dashboard
    (`overview_required`), and its figures are bureau-wide, so today there is a single scope."""
    return dashboard.BUREAU_SCOPE


@overview_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    data = dashboard.cached_summary(dashboard_scope(request.user))
    blind = [h for h in data["health"] if h.status == "blind"]
    failing = [h for h in data["health"] if h.status in ("failing", "stale")]
    return render(request, "response/dashboard.html", {**data, "blind": blind, "failing": failing,
                                                       "cache_seconds": dashboard.CACHE_SECONDS})
