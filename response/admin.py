"""Admin (in Chinese) for everything that is configuration.

Records of work — mentions, cases, responses, the audit trail, notifications — are read-only here:
changing them must go through the casework service so that every write leaves an audit row with
its user. Schedules are django-celery-beat's own admin.
"""
from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from response import models as m


@admin.register(m.Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "head", "email", "webhook_kind", "is_fallback", "order")
    list_editable = ("order",)
    search_fields = ("code", "name")
    filter_horizontal = ("members",)


@admin.register(m.Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "kind", "reach", "enabled", "schedule_minutes", "last_success_at",
                    "consecutive_failures", "blind_reason")
    list_filter = ("kind", "reach", "enabled")
    search_fields = ("slug", "name", "url")
    readonly_fields = ("last_run_at", "last_success_at", "last_error_at", "last_error", "consecutive_failures",
                       "last_item_count", "newest_item_at", "blind_reason", "blind_since")
    actions = ["clear_blind"]

    @admin.action(description="清除失明标记（已人工处理拦截后）")
    def clear_blind(self, request, queryset) -> None:
        n = queryset.update(blind_reason="", blind_since=None, consecutive_failures=0)
        self.message_user(request, f"已清除 {n} 个采集源的失明标记")


@admin.register(m.KeywordPlan)
class KeywordPlanAdmin(admin.ModelAdmin):
    """The expression is validated by KeywordPlan.clean(): a syntax error is shown on the field."""

    list_display = ("name", "category", "expression", "flags", "enabled")
    list_filter = ("category", "enabled", "flags")
    search_fields = ("name", "expression")


@admin.register(m.RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("priority", "name", "section", "keywords", "source_kinds", "enabled")
    list_display_links = ("name",)
    list_filter = ("section", "enabled")
    filter_horizontal = ("plans", "sources")


@admin.register(m.Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "order", "min_urgency", "requires_consultation", "notify_leader_immediately",
                    "auto_open_case")


@admin.register(m.DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = ("channel", "level", "clock", "amount", "unit", "note")
    list_filter = ("channel", "clock", "level")


@admin.register(m.CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "note")
    date_hierarchy = "date"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never editable: these rows are the record."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(m.AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "field", "old", "new")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_id", "note", "new")
    date_hierarchy = "at"


@admin.register(m.CrawlRun)
class CrawlRunAdmin(ReadOnlyAdmin):
    list_display = ("source", "started_at", "status", "items_found", "items_new", "error")
    list_filter = ("status", "source")


@admin.register(m.Mention)
class MentionAdmin(ReadOnlyAdmin):
    list_display = ("title", "source", "urgency", "level", "sentiment", "section", "flagged", "review", "fetched_at")
    list_filter = ("flagged", "review", "level", "sentiment", "source__kind")
    search_fields = ("title",)
    exclude = ("raw_gz",)
    show_full_result_count = False  # no COUNT(*) over millions of rows on every page


@admin.register(m.Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "level", "state", "section", "opened_at", "closed_at")
    list_filter = ("state", "level", "section", "channel")
    search_fields = ("number", "title")
    exclude = ("mentions",)


@admin.register(m.Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("title", "size", "source_count", "max_urgency", "level", "last_seen")
    search_fields = ("title", "key")


@admin.register(m.Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "channel", "recipient", "subject", "status", "attempts", "sent_at")
    list_filter = ("status", "channel")


@admin.register(m.Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ("at", "mention", "field", "machine_value", "human_value", "user")
    list_filter = ("field",)


@admin.register(m.SpikeAlert)
class SpikeAlertAdmin(ReadOnlyAdmin):
    list_display = ("hour", "plan", "observed", "expected", "p_value")


@admin.register(m.DigestDelivery)
class DigestDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("week", "recipient", "scope", "status", "attempts", "sent_at")
    list_filter = ("status", "week")


for model in (m.Consultation, m.CaseResponse, m.Extension, m.CaseClock):
    admin.site.register(model, ReadOnlyAdmin)


class SectionMembershipInline(admin.TabularInline):
    model = m.Section.members.through
    extra = 1
    verbose_name = verbose_name_plural = "所属科室（科室人员只能看到本科室案件）"


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Roles are groups (值班员, 科室人员, 办公室, 领导, 管理员); sections are set inline."""

    inlines = [SectionMembershipInline]
    list_display = ("username", "last_name", "first_name", "email", "roles", "is_active", "is_staff")
    list_filter = ("groups", "is_active", "is_staff")

    @admin.display(description="角色")
    def roles(self, obj) -> str:
        return "、".join(obj.groups.values_list("name", flat=True)) or "—"
