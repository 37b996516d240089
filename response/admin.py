"""Admin (in Chinese) for everything that is configuration.

Records of work — mentions, cases, responses, the audit trail, notifications — are read-only here:
changing them must go through the casework service so that every write leaves an audit row with
its user. Configuration edits are audited field by field (ConfigAuditMixin). Cases are never
deleted and people are deactivated, not deleted: the audit trail points at both (PROTECT).
Schedules are django-celery-beat's own admin.
"""
from __future__ import annotations

import datetime
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction

from response import models as m
from response.services import audit, config_audit


class ConfigAuditMixin:
    """Every add, change and delete made here leaves audit rows (field, before → after, who).

    The state before is read from the database in save_model and compared after save_related,
    so many-to-many changes (a rule's plans and sources, a section's members) are seen too.
    """

    audit_fields: tuple[str, ...] | None = None  # None: every editable field

    def save_model(self, request, obj, form, change) -> None:
        before = None
        if change and obj.pk is not None:
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = config_audit.snapshot(stored, self.audit_fields) if stored else None
        obj._config_audit_before = before
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(obj, "_config_audit_before", None)
        if before is None:
            config_audit.record_added(obj, request.user, self.audit_fields)
        else:
            config_audit.record_changed(obj, before, request.user, self.audit_fields)

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():  # a refused delete (PROTECT) takes its audit rows back with it
            config_audit.record_deleted(obj, request.user, self.audit_fields)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            for obj in queryset:
                config_audit.record_deleted(obj, request.user, self.audit_fields)
            super().delete_queryset(request, queryset)


@admin.register(m.Section)
class SectionAdmin(ConfigAuditMixin, admin.ModelAdmin):
    list_display = ("code", "name", "head", "email", "webhook_kind", "is_fallback", "order")
    list_editable = ("order",)
    search_fields = ("code", "name")
    filter_horizontal = ("members",)


@admin.register(m.Source)
class SourceAdmin(ConfigAuditMixin, admin.ModelAdmin):
    list_display = ("slug", "name", "kind", "reach", "enabled", "schedule_minutes", "last_success_at",
                    "consecutive_failures", "blind_reason")
    list_filter = ("kind", "reach", "enabled")
    search_fields = ("slug", "name", "url")
    readonly_fields = ("last_run_at", "last_success_at", "last_error_at", "last_error", "consecutive_failures",
                       "last_item_count", "newest_item_at", "blind_reason", "blind_since")
    actions = ["clear_blind"]

    @admin.action(description="清除失明标记（已人工处理拦截后）")
    def clear_blind(self, request, queryset) -> None:
        with transaction.atomic():
            for source in queryset.exclude(blind_reason=""):
                audit.record(config_audit.CHANGE, source, user=request.user, field="blind_reason",
                             old=source.blind_reason, note=f"管理后台 · 清除失明标记：{source}")
            n = queryset.update(blind_reason="", blind_since=None, consecutive_failures=0)
        self.message_user(request, f"已清除 {n} 个采集源的失明标记")


@admin.register(m.KeywordPlan)
class KeywordPlanAdmin(ConfigAuditMixin, admin.ModelAdmin):
    """The expression is validated by KeywordPlan.clean(): a syntax error is shown on the field."""

    list_display = ("name", "category", "expression", "flags", "enabled")
    list_filter = ("category", "enabled", "flags")
    search_fields = ("name", "expression")


@admin.register(m.RoutingRule)
class RoutingRuleAdmin(ConfigAuditMixin, admin.ModelAdmin):
    list_display = ("priority", "name", "section", "keywords", "source_kinds", "enabled")
    list_display_links = ("name",)
    list_filter = ("section", "enabled")
    filter_horizontal = ("plans", "sources")


@admin.register(m.Level)
class LevelAdmin(ConfigAuditMixin, admin.ModelAdmin):
    list_display = ("code", "name", "order", "min_urgency", "requires_consultation", "requires_signoff",
                    "notify_leader_immediately", "auto_open_case")
    # Per level, editable in the list: whether its responses wait for the leader's sign-off.
    list_editable = ("requires_signoff",)


@admin.register(m.DeadlinePolicy)
class DeadlinePolicyAdmin(ConfigAuditMixin, admin.ModelAdmin):
    list_display = ("channel", "level", "clock", "amount", "unit", "note")
    list_filter = ("channel", "clock", "level")


@admin.register(m.CalendarDay)
class CalendarDayAdmin(ConfigAuditMixin, admin.ModelAdmin):
    """A holiday or make-up working day moves the due time of every open clock spanning it."""

    list_display = ("date", "is_workday", "note")
    date_hierarchy = "date"

    @staticmethod
    def _changed(days: set[datetime.date], user: Any) -> None:
        # Imported here: the recomputation lives in its own service, loaded only when used.
        from response.services.calendar_changes import on_calendar_day_changed

        for day in sorted(days):
            on_calendar_day_changed(day, user)

    def save_model(self, request, obj, form, change) -> None:
        old = m.CalendarDay.objects.filter(pk=obj.pk).values_list("date", flat=True).first() if obj.pk else None
        super().save_model(request, obj, form, change)
        self._changed({obj.date} | ({old} if old else set()), request.user)  # a moved date frees the old one

    def delete_model(self, request, obj) -> None:
        day = obj.date
        super().delete_model(request, obj)
        self._changed({day}, request.user)

    def delete_queryset(self, request, queryset) -> None:
        days = set(queryset.values_list("date", flat=True))
        super().delete_queryset(request, queryset)
        self._changed(days, request.user)


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
    list_display = ("short_title", "source", "urgency", "level", "sentiment", "section", "flagged", "review", "fetched_at")
    list_display_links = ("short_title",)
    list_filter = ("flagged", "review", "level", "sentiment", "source__kind")
    list_select_related = ("source", "section")
    search_fields = ("title",)
    exclude = ("raw_gz",)
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over millions of rows on every page

    class Media:
        css = {"all": ("response/admin.css",)}

    @admin.display(description="标题", ordering="title")
    def short_title(self, obj) -> str:
        # One line per row: long crawled titles wrapped the column to two characters wide and the
        # page to thousands of pixels; the full title is on the item's own page.
        title = obj.title or "（无标题）"
        return title if len(title) <= 40 else title[:40] + "…"


@admin.register(m.Case)
class CaseAdmin(ReadOnlyAdmin):
    """Never deleted, not even by a superuser: a case is dismissed (已排除) or closed (已办结)."""

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
class UserAdmin(ConfigAuditMixin, BaseUserAdmin):
    """Roles are groups (值班员, 科室人员, 办公室, 领导, 管理员); sections are set inline.

    People are deactivated, never deleted (not even by a superuser): cases and the audit trail
    keep pointing at who acted. Changes to roles and access are audited; passwords never are.
    """

    inlines = [SectionMembershipInline]
    list_display = ("username", "last_name", "first_name", "email", "roles", "is_active", "is_staff")
    list_filter = ("groups", "is_active", "is_staff")
    actions = ["deactivate"]
    audit_fields = ("username", "is_active", "is_staff", "is_superuser", "groups", "user_permissions")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        # The office manages people and their roles, but only a superuser makes superusers or
        # hands out raw permissions: otherwise change_user would be a way to every power.
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ("is_superuser", "user_permissions", "last_login", "date_joined")
        return fields

    @staticmethod
    def _sections(user) -> str:
        return "、".join(user.sections.order_by("order", "code").values_list("name", flat=True))

    def save_model(self, request, obj, form, change) -> None:
        # Sections are an inline (the reverse of Section.members): read before the formsets save.
        obj._sections_before = self._sections(obj) if change and obj.pk else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        user, before = form.instance, getattr(form.instance, "_sections_before", None)
        after = self._sections(user)
        if before is not None and before != after:
            audit.record(config_audit.CHANGE, user, user=request.user, field="sections", old=before, new=after,
                         note=f"管理后台 · 用户：{user.get_username()}")

    @admin.action(description="停用所选用户")
    def deactivate(self, request, queryset) -> None:
        done = 0
        with transaction.atomic():
            for user in queryset.filter(is_active=True):
                if user.pk == request.user.pk:
                    self.message_user(request, "不能停用当前登录的账号", messages.WARNING)
                    continue
                user.is_active = False
                user.save(update_fields=["is_active"])
                audit.record("user_deactivate", user, user=request.user, field="is_active", old="是", new="否",
                             note=f"管理后台 · 停用用户：{user.get_username()}")
                done += 1
        self.message_user(request, f"已停用 {done} 个用户（账号保留，历史记录不受影响）")

    @admin.display(description="角色")
    def roles(self, obj) -> str:
        return "、".join(obj.groups.values_list("name", flat=True)) or "—"
