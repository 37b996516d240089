"""Append-only records: the audit trail and sent notifications."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditImmutable(Exception):
    """Raised when code tries to change or delete an audit row."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutable("审计记录不可修改")

    def delete(self):
        raise AuditImmutable("审计记录不可删除")


class AuditEntry(models.Model):
    """Who did what, when, from → to. Append-only: saving an existing row, deleting one or a bulk
    update raises, so no UI, admin action or script can rewrite the record (责任追究 relies on it)."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    # PROTECT both ways: a case or a person with history cannot be deleted (cases are dismissed or
    # closed, people deactivated), so no row here ever loses what it points at.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, verbose_name="操作人")
    actor_label = models.CharField("操作人", max_length=150, default="系统")
    action = models.CharField("操作", max_length=40)
    object_type = models.CharField("对象", max_length=40)
    object_id = models.CharField("对象ID", max_length=64)
    case = models.ForeignKey("response.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="audit")
    field = models.CharField("字段", max_length=60, blank=True)
    old = models.TextField("原值", blank=True)
    new = models.TextField("新值", blank=True)
    note = models.TextField("说明", blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "审计记录"
        ordering = ["-at", "-id"]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise AuditImmutable("审计记录不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutable("审计记录不可删除")


class Notification(models.Model):
    """One notification to one recipient; `key` makes sending exactly-once."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        GAVE_UP = "gave_up", "多次失败已放弃"

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField("类型", max_length=20, blank=True, db_index=True)
    channel = models.CharField("通道", max_length=20)
    recipient = models.CharField("接收方", max_length=300)
    subject = models.CharField("标题", max_length=300)
    body = models.TextField("内容")
    # Kept apart from the body so each channel renders it its own way: a clickable link in robot
    # markdown / Feishu posts, a "查看详情：…" line in email.
    link = models.URLField("链接", max_length=1000, blank=True)
    case = models.ForeignKey("response.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Quiet hours and retry back-off: not to be sent before this time (deferred, never dropped).
    not_before = models.DateTimeField("最早发送", null=True, blank=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "通知"
        ordering = ["-created_at"]


class DigestDelivery(models.Model):
    """One weekly digest to one recipient: the unique key makes a re-run send nothing twice."""

    class Status(models.TextChoices):
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    week = models.CharField("周次", max_length=10)  # ISO week, e.g. 2026-W48
    recipient = models.EmailField("收件人")
    scope = models.CharField("范围", max_length=40, help_text="bureau 或科室代码")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.SENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    error = models.TextField("错误", blank=True)
    message_id = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the current attempt claimed the row; a stale claim (worker died) may be taken over.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "周报发送记录"
        constraints = [models.UniqueConstraint(fields=["week", "recipient", "scope"], name="one_digest_per_week")]


class SavedFilter(models.Model):
    """A user's saved search or list filter (保存的筛选), shown beside the search box."""

    class Scope(models.TextChoices):
        QUEUE = "queue", "研判队列"
        CASES = "cases", "案件"
        SEARCH = "search", "全局搜索"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    scope = models.CharField("范围", max_length=10, choices=Scope.choices)
    name = models.CharField("名称", max_length=60)
    query = models.CharField("筛选条件", max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "保存的筛选"
        ordering = ["scope", "name"]
        constraints = [models.UniqueConstraint(fields=["user", "scope", "name"], name="one_filter_name_per_user")]
