"""Levels, deadline policies and the working-day calendar: all configuration, edited in the admin."""
from __future__ import annotations

from django.db import models


class Level(models.Model):
    code = models.CharField("代码", max_length=3, unique=True)
    name = models.CharField("名称", max_length=30)
    order = models.PositiveSmallIntegerField("排序(小者更严重)", default=1)
    min_urgency = models.PositiveSmallIntegerField("最低紧急度", default=0)
    requires_consultation = models.BooleanField("须会商", default=False)
    # Holds on every channel: a level I case from the message board needs its response like one from the news.
    requires_response = models.BooleanField("办结前须回应", default=False)
    notify_leader_immediately = models.BooleanField("立即报告分管领导", default=False)
    quiet_hours_apply = models.BooleanField("适用免打扰时段", default=True)
    auto_open_case = models.BooleanField("自动立案", default=False, help_text="达到本级别的事件自动生成待研判案件")
    # Casualty floors of the national grading of emergencies: a count this high sets at least this
    # level whatever the score (死亡含失踪 ≥30 特别重大 I …). Empty = no floor on that count.
    min_deaths = models.PositiveIntegerField("死亡人数达到即定级", null=True, blank=True)
    min_missing = models.PositiveIntegerField("失踪人数达到即定级", null=True, blank=True)
    min_injured = models.PositiveIntegerField("受伤人数达到即定级", null=True, blank=True)
    requires_signoff = models.BooleanField(
        "回应须领导审核", default=False, help_text="本级别案件的回应内容须经分管领导审核通过后方可记录为已发布")

    class Meta:
        verbose_name = verbose_name_plural = "级别"
        ordering = ["order"]

    def __str__(self) -> str:
        return f"{self.code}级 {self.name}"


class Channel(models.TextChoices):
    OPINION = "opinion", "网络舆情(新闻/公众号)"
    BOARD = "board", "留言板/领导信箱"
    HOTLINE_URGENT = "hotline_urgent", "12345 紧急件"
    HOTLINE_ENQUIRY = "hotline_enquiry", "12345 咨询求助"
    HOTLINE_COMPLAINT = "hotline_complaint", "12345 投诉建议举报"
    POLICY = "policy", "政策解读"


class Clock(models.TextChoices):
    FIRST_STATEMENT = "first_statement", "首次发布"
    RESPONSE = "response", "回应"
    CLOSURE = "closure", "办结"


class DeadlinePolicy(models.Model):
    class Unit(models.TextChoices):
        HOURS = "hours", "小时"
        WORKING_DAYS = "working_days", "工作日"
        SAME_DAY = "same_day", "当日"

    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    level = models.ForeignKey(Level, null=True, blank=True, on_delete=models.CASCADE, verbose_name="级别(空=任意)")
    clock = models.CharField("时钟", max_length=20, choices=Clock.choices)
    amount = models.PositiveIntegerField("时限", default=48)
    unit = models.CharField("单位", max_length=15, choices=Unit.choices, default=Unit.HOURS)
    warn_at = models.JSONField("预警点(已用比例)", default=list, blank=True, help_text="例如 [0.5, 0.8]")
    note = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "时限规则"
        ordering = ["channel", "level__order", "clock"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "level", "clock"], name="one_policy_per_clock"),
        ]

    def __str__(self) -> str:
        level = self.level.code if self.level else "任意"
        return f"{self.get_channel_display()}/{level}/{self.get_clock_display()}: {self.amount}{self.get_unit_display()}"


class CalendarDay(models.Model):
    """Office-entered holidays / make-up working days for years the calendar package does not know."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日")
    note = models.CharField("说明", max_length=60, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "节假日调整"
        ordering = ["date"]


class ConfigVersion(models.Model):
    """A counter bumped whenever the judgement's configuration (plans, rules, levels, sections,
    models) changes, so every worker process can keep its analyzer cached and rebuild it only
    when the stamp moves. Lives in the database: Redis may be emptied at any time."""

    name = models.CharField(max_length=40, primary_key=True)
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "配置版本"
