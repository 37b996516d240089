"""Search everything: items in every state (待研判, 已确认, 已排除) and cases, by text, case number,
12345 ticket number, section, assignee, state and date; and each user's saved filters.

What a user may find is what they may open: reviewers every item and case; everyone else only the
cases `roles.visible_cases` gives them and the items linked to those cases (as on the item page).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from response import roles
from response.models import Case, Mention, SavedFilter, Section
from response.services.case_export import TICKET_PREFIX
from response.services.search_index import text_match
from response.services.stats import period_bounds

RESULT_LIMIT = 100


class SearchForm(forms.Form):
    KINDS = [("", "条目和案件"), ("mentions", "只看条目"), ("cases", "只看案件")]
    REVIEWS = [("", "全部研判状态"), *Mention.Review.choices]

    q = forms.CharField(label="关键词", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "标题、正文、案件编号或工单号"}))
    kind = forms.ChoiceField(label="范围", required=False, choices=KINDS)
    review = forms.ChoiceField(label="条目状态", required=False, choices=REVIEWS)
    state = forms.ChoiceField(label="案件状态", required=False, choices=[("", "全部案件状态"), *Case.State.choices])
    section = forms.ModelChoiceField(label="科室", required=False, queryset=Section.objects.all(),
                                     empty_label="全部科室", to_field_name="code")
    assignee = forms.ModelChoiceField(label="承办人", required=False, empty_label="全部承办人",
                                      queryset=get_user_model().objects.none())
    start = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # People who handle cases: members of any section, plus whoever is already an assignee.
        users = get_user_model().objects.filter(Q(sections__isnull=False) | Q(assigned_cases__isnull=False))
        self.fields["assignee"].queryset = users.distinct().order_by("username")
        self.fields["assignee"].label_from_instance = lambda u: (f"{u.last_name}{u.first_name}".strip()
                                                                 or u.get_username())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("截止日期早于起始日期")
        return data


@dataclass
class Results:
    mentions: list[Mention]
    cases: list[Case]
    mentions_more: bool
    cases_more: bool


def _bounds(start: date | None, end: date | None) -> tuple[Any, Any]:
    lo = period_bounds(start, start)[0] if start else None
    hi = period_bounds(end, end)[1] if end else None
    return lo, hi


def visible_mentions(user: Any) -> QuerySet[Mention]:
    if roles.can_review(user):
        return Mention.objects.all()
    return Mention.objects.filter(cases__in=roles.visible_cases(user, Case.objects.all())).distinct()


def search_mentions(user: Any, data: dict[str, Any]) -> QuerySet[Mention]:
    qs = visible_mentions(user)
    term = (data.get("q") or "").strip()
    if term:
        qs = qs.filter(text_match(term) | Q(extra__ticket_no__icontains=term)
                       | Q(cases__number__iexact=term)).distinct()
    if data.get("review"):
        qs = qs.filter(review=data["review"])
    if data.get("section"):
        qs = qs.filter(section=data["section"])
    if data.get("state"):
        qs = qs.filter(cases__state=data["state"]).distinct()
    if data.get("assignee"):
        qs = qs.filter(cases__assignee=data["assignee"]).distinct()
    lo, hi = _bounds(data.get("start"), data.get("end"))
    if lo:
        qs = qs.filter(fetched_at__gte=lo)
    if hi:
        qs = qs.filter(fetched_at__lt=hi)
    return qs


def search_cases(user: Any, data: dict[str, Any]) -> QuerySet[Case]:
    qs = roles.visible_cases(user, Case.objects.all())
    term = (data.get("q") or "").strip()
    if term:
        qs = qs.filter(Q(number__iexact=term) | Q(title__icontains=term) | Q(origin_key__iexact=TICKET_PREFIX + term)
                       | Q(mentions__extra__ticket_no__icontains=term)).distinct()
    if data.get("state"):
        qs = qs.filter(state=data["state"])
    if data.get("review"):
        qs = qs.filter(mentions__review=data["review"]).distinct()
    if data.get("section"):
        qs = qs.filter(Q(section=data["section"]) | Q(co_sections=data["section"])).distinct()
    if data.get("assignee"):
        qs = qs.filter(assignee=data["assignee"])
    lo, hi = _bounds(data.get("start"), data.get("end"))
    if lo:
        qs = qs.filter(opened_at__gte=lo)
    if hi:
        qs = qs.filter(opened_at__lt=hi)
    return qs


def search(user: Any, data: dict[str, Any], limit: int = RESULT_LIMIT) -> Results:
    kind = data.get("kind") or ""
    mentions: list[Mention] = []
    cases: list[Case] = []
    if kind in ("", "mentions"):
        mentions = list(search_mentions(user, data).select_related("source", "section", "reviewed_by")
                        .defer("raw_gz", "text").order_by("-fetched_at", "-id")[: limit + 1])
    if kind in ("", "cases"):
        cases = list(search_cases(user, data).select_related("section", "level", "assignee")
                     .order_by("-opened_at", "-id")[: limit + 1])
    return Results(mentions[:limit], cases[:limit], len(mentions) > limit, len(cases) > limit)


# ---- saved filters ----

SCOPE_URLS = {SavedFilter.Scope.QUEUE: "queue", SavedFilter.Scope.CASES: "cases", SavedFilter.Scope.SEARCH: "search"}


def save_filter(user: Any, scope: str, name: str, query: str) -> SavedFilter:
    """Save (or overwrite, by name) one of the user's filters."""
    name = name.strip()[:60]
    if not name:
        raise ValueError("请为筛选条件命名")
    if scope not in SavedFilter.Scope.values:
        raise ValueError("筛选范围无效")
    query = query.lstrip("?")[:2000]
    row, _ = SavedFilter.objects.update_or_create(user=user, scope=scope, name=name, defaults={"query": query})
    return row


def delete_filter(user: Any, pk: int) -> bool:
    """Only the owner's filter is deleted; someone else's id deletes nothing."""
    deleted, _ = SavedFilter.objects.filter(user=user, pk=pk).delete()
    return bool(deleted)
