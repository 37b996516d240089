"""Template context on every page: the calendar warning duty officers and the office must see, and
whether the admin (管理后台) link shows."""
from __future__ import annotations

from django.db import DatabaseError
from django.http import HttpRequest

from response import roles


def calendar_banner(request: HttpRequest) -> dict:
    """Unknown holiday years reached by open clocks: a banner, and their due times marked 暂定."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from response.services.calendar_changes import banner_years

    try:
        years = banner_years()
        uses_admin = roles.uses_admin(user)
    except DatabaseError:  # a page must render even before `yuqing migrate` finished
        return {}
    return {
        "unknown_calendar_years": years,
        "show_calendar_banner": bool(years) and (roles.sees_all_cases(user) or uses_admin),
        "uses_admin": uses_admin,
    }
