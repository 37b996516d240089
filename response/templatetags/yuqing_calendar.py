"""暂定 marks for due times that fall in a year whose holidays are not known yet."""
from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def provisional(moment: datetime | None, unknown_years) -> bool:
    """True when `moment` lies in one of the page's unknown calendar years (from the context)."""
    if moment is None or not unknown_years:
        return False
    return timezone.localtime(moment).year in set(unknown_years)
