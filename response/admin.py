"""Admin (in Chinese) for everything that is configuration; the audit trail is read-only."""
from __future__ import annotations

from django.contrib import admin

from response import models as m


@admin.register(m.Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "head", "email", "webhook_kind", "is_fallback", "order")
    filter_horizontal = ("members",)


@admin.register(m.Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "kind", "reach", "enabled", "last_success_at", "consecutive_failures", "blind_reason")
    list_filter = ("kind", "reach", "enabled")
    search_fields = ("slug", "name", "url")
    readonly_fields = ("last_run_at", "last_success_at", "last_error_at", "last_error", "consecutive_failures",
                       "last_item_count", "newest_item_at", "blind_reason", "blind_since")


@admin.register(m.KeywordPlan)
class KeywordPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "flags", "enabled")
    list_filter = ("category", "enabled")


@admin.register(m.RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("priority", "name", "section", "keywords", "enabled")
    list_display_links = ("name",)
    filter_horizontal = ("plans", "sources")


@admin.register(m.Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "order", "min_urgency", "requires_consultation", "auto_open_case")


@admin.register(m.DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = ("channel", "level", "clock", "amount", "unit", "note")
    list_filter = ("channel", "clock")


@admin.register(m.CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "note")


class ReadOnlyAdmin(admin.ModelAdmin):
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


@admin.register(m.CrawlRun)
class CrawlRunAdmin(ReadOnlyAdmin):
    list_display = ("source", "started_at", "status", "items_found", "items_new", "error")
    list_filter = ("status",)


@admin.register(m.Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ("title", "source", "urgency", "level", "sentiment", "section", "flagged", "review", "fetched_at")
    list_filter = ("flagged", "review", "level", "sentiment", "source__kind")
    search_fields = ("title",)
    readonly_fields = [f.name for f in m.Mention._meta.fields if f.name not in ("review", "dismiss_reason")]


@admin.register(m.Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "level", "state", "section", "opened_at")
    list_filter = ("state", "level", "section", "channel")
    search_fields = ("number", "title")
    raw_id_fields = ("event", "mentions")


admin.site.register([m.Event, m.Notification, m.Feedback, m.SpikeAlert])
