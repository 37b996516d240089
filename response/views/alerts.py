"""The polling endpoint behind the in-page alert badge (static/response/alerts.js)."""
from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse

from response import roles
from response.services import alerts


def _micros(when: datetime) -> int:
    return int(when.timestamp() * 1_000_000)


def _cursor(request: HttpRequest) -> tuple[int | None, datetime | None]:
    try:
        since = int(request.GET["since"])
        after = datetime.fromtimestamp(int(request.GET["at"]) / 1_000_000, tz=UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        return None, None
    return since, after


@login_required
def alerts_poll(request: HttpRequest) -> JsonResponse:
    if not roles.gets_alerts(request.user):
        # Not an error: the script is on every page and simply stops polling for this user.
        return JsonResponse({"enabled": False})
    since, after = _cursor(request)
    result = alerts.poll(since, after)
    response = JsonResponse({"enabled": True, "since": result.since, "at": _micros(result.at),
                             "alerts": [a.as_dict() for a in result.alerts]})
    response["Cache-Control"] = "no-store"
    return response
