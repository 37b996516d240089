"""Cases (处置) with their clocks, consultations, responses and extensions."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from .mentions import Event, Mention
from .organisation import Section
from .policy import Channel, Clock, Level


class Case(models.Model):
    class State(models.TextChoices):
        TRIAGE = "triage", "待研判"
        HANDLING = "handling", "处置中"
        RESPONDED = "responded", "已回应"
        CLOSED = "closed", "已办结"
        DISMISSED = "dismissed", "已排除"

    number = models.CharField("案件编号", max_length=30, unique=True)
    # Idempotency: the thing that opened the case (e.g. "event:<key>", "mention:<id>", "ticket:<no>").
    origin_key = models.CharField(max_length=120, unique=True, editable=False)
    title = models.CharField("标题", max_length=500)
    channel = models.CharField("渠道", max_length=20, choices=Channel.choices, default=Channel.OPINION)
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    mentions = models.ManyToManyField(Mention, blank=True, related_name="cases", verbose_name="关联条目")
    level = models.ForeignKey(Level, null=True, blank=True, on_delete=models.PROTECT, verbose_name="级别")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.TRIAGE, db_index=True)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="cases", verbose_name="牵头科室")
    co_sections = models.ManyToManyField(Section, blank=True, related_name="co_cases", verbose_name="协办科室")
    section_via = models.CharField("分办依据", max_length=20, blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="led_cases", verbose_name="分管领导",
    )
    # The person in the owning section who handles the case (承办人); empty = the section as a whole.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="assigned_cases", verbose_name="承办人",
    )
    # PROTECT: people are deactivated, never deleted, so who opened a case stays on the record.
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField("立案时间", db_index=True)
    responded_at = models.DateTimeField("回应时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    summary = models.TextField("办结摘要", blank=True)
    dismiss_reason = models.CharField("排除原因", max_length=300, blank=True)
    # What the case is about when no mention carries it (e.g. a policy document registered by hand).
    description = models.TextField("基本情况", blank=True)
    link = models.URLField("相关链接", blank=True, max_length=1000)
    # 舆情专报's 下一步建议: written by the office, kept with the case.
    next_steps = models.TextField("下一步建议", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "案件"
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def visible_to_sections(self) -> set[int]:
        return {self.section_id, *self.co_sections.values_list("id", flat=True)}


class CaseSequence(models.Model):
    """The last case number handed out in a year. Numbers are allocated under a row lock in the
    transaction that creates the case, so a rolled-back opening gives its number back: the filed
    series YQ2026-000001, -000002, … has no gaps."""

    year = models.PositiveSmallIntegerField("年度", primary_key=True)
    last = models.PositiveIntegerField("已用至", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "案件编号"


class CaseClock(models.Model):
    """One SLA clock of a case (first statement, response, closure), as in ticket systems."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks")
    clock = models.CharField("时钟", max_length=20, choices=Clock.choices)
    started_at = models.DateTimeField("起算")
    due_at = models.DateTimeField("到期")
    stopped_at = models.DateTimeField("完成", null=True, blank=True)
    paused_at = models.DateTimeField("暂停于", null=True, blank=True)
    policy_note = models.CharField("依据", max_length=200, blank=True)
    # Snapshot of the policy's warning points (share of time used), so a later policy edit does
    # not re-fire warnings already sent for this clock.
    warn_at = models.JSONField("预警点", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "案件时限"
        constraints = [models.UniqueConstraint(fields=["case", "clock"], name="one_clock_per_kind")]
        ordering = ["due_at"]

    @property
    def met(self) -> bool | None:
        if self.stopped_at is None:
            return None
        return self.stopped_at <= self.due_at


class Consultation(models.Model):
    """会商联席会议 record, required before responding to level I/II cases."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consultations")
    held_at = models.DateTimeField("会商时间")
    participants = models.TextField("参会人员")
    sections = models.ManyToManyField(Section, blank=True, verbose_name="参会科室")
    conclusion = models.TextField("会商结论")
    agreed_wording = models.TextField("统一口径")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "会商记录"


class CaseResponse(models.Model):
    """One act of answering the public. For levels I–II the authoritative first statement
    (首次发布, 5 h) and the press conference (新闻发布会, 24 h) are separate acts: each record
    stops only the clock it names."""

    class Kind(models.TextChoices):
        FIRST_STATEMENT = Clock.FIRST_STATEMENT.value, "首次发布权威信息"
        RESPONSE = Clock.RESPONSE.value, "回应/新闻发布会"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="responses")
    kind = models.CharField("回应类型", max_length=20, choices=Kind.choices, default=Kind.RESPONSE)
    text = models.TextField("回应内容")
    channel = models.CharField("回应渠道", max_length=60)
    link = models.URLField("链接", blank=True, max_length=1000)
    responded_at = models.DateTimeField("回应时间")
    approved_by = models.CharField("审核人", max_length=60, blank=True)
    # Entered some time after the real act (补录): why, so the record shows it was not live.
    late_reason = models.CharField("补录原因", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "回应记录"
        ordering = ["responded_at"]


class Extension(models.Model):
    """A request to stop a clock for a while (延期). Only an approved extension pauses the clock:
    approval moves the clock's due time out by `amount` `unit`s, which is the same as the clock
    standing still for that span; the old and new due times are kept for the record."""

    class State(models.TextChoices):
        REQUESTED = "requested", "待审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "已驳回"

    class Unit(models.TextChoices):
        HOURS = "hours", "小时"
        WORKING_DAYS = "working_days", "工作日"

    clock = models.ForeignKey(CaseClock, on_delete=models.CASCADE, related_name="extensions")
    reason = models.TextField("延期理由")
    amount = models.PositiveIntegerField("延期时长", default=1)
    unit = models.CharField("单位", max_length=15, choices=Unit.choices, default=Unit.WORKING_DAYS)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.REQUESTED)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)
    old_due_at = models.DateTimeField("原到期", null=True, blank=True)
    new_due_at = models.DateTimeField("新到期", null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "延期申请"


class CaseNote(models.Model):
    """An internal note on a case (内部批注): colleagues talk about the handling here. Never published,
    never in a response; @mentions notify the people named."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField("内容")
    mentioned = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="case_note_mentions",
                                       verbose_name="提及")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "内部批注"
        ordering = ["created_at"]


class ResponseDraft(models.Model):
    """A response submitted to the leader in charge for sign-off (送审) before it is recorded as
    published. The case's clocks keep running while it waits."""

    class State(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已通过"
        RETURNED = "returned", "已退回"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="drafts")
    kind = models.CharField("回应类型", max_length=20, choices=CaseResponse.Kind.choices,
                            default=CaseResponse.Kind.RESPONSE)
    text = models.TextField("回应内容")
    channel = models.CharField("回应渠道", max_length=60)
    link = models.URLField("链接", blank=True, max_length=1000)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="drafts_to_approve",
                                 verbose_name="审核领导")
    state = models.CharField("审核状态", max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    comment = models.TextField("审核意见", blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("送审时间", auto_now_add=True)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    # The published record made from this draft once approved and released.
    response = models.OneToOneField(CaseResponse, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="draft")

    class Meta:
        verbose_name = verbose_name_plural = "回应送审"
        ordering = ["-submitted_at"]
