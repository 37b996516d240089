"""Collected items (mentions), the events they merge into, and the machine's judgement."""
from __future__ import annotations

import gzip
import hashlib

from django.conf import settings
from django.db import models

from .organisation import Section
from .sources import Source

LEVEL_CHOICES = [("I", "I级 特别重大"), ("II", "II级 重大"), ("III", "III级 较大"), ("IV", "IV级 一般")]


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", "负面"
    NEUTRAL = "neutral", "中性"
    POSITIVE = "positive", "正面"


class Event(models.Model):
    """Reposts and syndicated copies of one story."""

    key = models.CharField("事件键", max_length=64, unique=True)
    title = models.CharField("标题", max_length=500, blank=True)
    first_seen = models.DateTimeField("首次发现")
    last_seen = models.DateTimeField("最近发现")
    size = models.PositiveIntegerField("条数", default=0)
    source_count = models.PositiveIntegerField("来源数", default=0)
    growth_per_hour = models.FloatField("增长(条/小时)", default=0)
    max_urgency = models.PositiveSmallIntegerField("最高紧急度", default=0)
    level = models.CharField("级别", max_length=3, choices=LEVEL_CHOICES, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "事件"
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return self.title or self.key


class Mention(models.Model):
    class Review(models.TextChoices):
        PENDING = "pending", "待研判"
        CONFIRMED = "confirmed", "已确认"
        DISMISSED = "dismissed", "已排除"

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="mentions", verbose_name="来源")
    url = models.URLField("原文地址", max_length=2000)
    url_hash = models.CharField(max_length=64, unique=True, editable=False)
    title = models.CharField("标题", max_length=500, blank=True)
    text = models.TextField("正文", blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, db_index=True)
    fetched_at = models.DateTimeField("采集时间", db_index=True)
    author = models.CharField("作者", max_length=200, blank=True)
    origin = models.CharField("来源媒体", max_length=200, blank=True)
    raw_gz = models.BinaryField("原始页面(压缩)", null=True, blank=True, editable=False)
    encoding = models.CharField("编码", max_length=30, blank=True)
    extra = models.JSONField("附加字段", default=dict, blank=True)
    parse_error = models.TextField("解析错误", blank=True)

    # Machine judgement.
    analysed_at = models.DateTimeField("研判时间", null=True, blank=True)
    # The database remembers the work, the broker only carries hints: when an analysis task was
    # last sent, and when a worker last started on it (a lease). A mention not analysed whose
    # send or lease is old is sent again by the re-drive, whatever happened to the message.
    analysis_queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    analysis_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # True until the first judgement, then never again: the re-drive's partial index is defined by
    # it rather than by ``analysed_at``, which every judgement moves. A column in an index predicate
    # counts as indexed, so with ``analysed_at`` there every judgement again wrote a new entry in
    # all the table's indexes; now it is a heap-only update when no indexed figure changes (the
    # judgement's write took half the time, docs/throughput.md).
    awaiting_judgement = models.BooleanField(default=True, editable=False)
    sentiment = models.CharField("情感", max_length=10, choices=Sentiment.choices, blank=True)
    sentiment_scores = models.JSONField(default=dict, blank=True)
    sentiment_terms = models.JSONField(default=list, blank=True)
    urgency = models.PositiveSmallIntegerField("紧急度", default=0, db_index=True)
    level = models.CharField("级别", max_length=3, choices=LEVEL_CHOICES, blank=True)
    urgency_reasons = models.JSONField(default=list, blank=True)
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="建议承办科室"
    )
    section_confidence = models.FloatField("分办置信度", default=0)
    section_via = models.CharField("分办依据", max_length=20, blank=True)
    section_reason = models.CharField("分办理由", max_length=300, blank=True)
    keywords = models.JSONField("命中关键词", default=list, blank=True)
    matched_plans = models.JSONField("命中方案", default=list, blank=True)
    flagged = models.BooleanField("进入研判队列", default=False, db_index=True)
    # The one pending copy of an event that stands for it in the queue; reposts wait behind it.
    event_lead = models.BooleanField("事件代表条目", default=True)
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="mentions", verbose_name="事件"
    )

    # The duty officer's review.
    review = models.CharField("研判状态", max_length=10, choices=Review.choices, default=Review.PENDING, db_index=True)
    dismiss_reason = models.CharField("排除原因", max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "舆情条目"
        ordering = ["-fetched_at"]
        indexes = [
            models.Index(fields=["flagged", "review", "-urgency", "-fetched_at"], name="queue_idx"),
            models.Index(fields=["flagged", "review", "event_lead", "-urgency", "-fetched_at", "-id"],
                         name="queue_lead_idx"),
            # The re-drive's look-up stays small at a million mentions: only the unjudged are indexed.
            models.Index(fields=["analysis_queued_at"], name="awaiting_judgement_idx",
                         condition=models.Q(awaiting_judgement=True)),
        ]

    def __str__(self) -> str:
        return self.title or self.url

    @staticmethod
    def hash_url(url: str) -> str:
        return hashlib.sha256(url.encode("utf-8")).hexdigest()

    def raw_html(self) -> str:
        if not self.raw_gz:
            return ""
        data = gzip.decompress(bytes(self.raw_gz))
        return data.decode(self.encoding or "utf-8", errors="replace")


class MentionSearch(models.Model):
    """The words a mention is found by in text search (its title and text), beside the mention.

    On PostgreSQL the queue's and the search page's text search is answered by a trigram index.
    Kept on the mention row, that index was rewritten by every judgement and every lease (a new row
    version re-inserts every trigram of the text: ~0.6 ms a row, more than judging it); here it is
    written once, when the mention is stored, and again only if its title or text change
    (``response.services.search_index``, on every ``Mention.save``)."""

    mention = models.OneToOneField(Mention, primary_key=True, on_delete=models.CASCADE,
                                   related_name="search_text")
    text = models.TextField("检索文本", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "检索文本"

    @staticmethod
    def haystack(title: str, text: str) -> str:
        # A line break keeps a term from matching across the end of the title and the text.
        return f"{title}\n{text}"


class Feedback(models.Model):
    """A human correction of a machine label: kept for retraining and for the record."""

    mention = models.ForeignKey(Mention, on_delete=models.CASCADE, related_name="feedback")
    field = models.CharField("字段", max_length=20)
    machine_value = models.CharField("机器判断", max_length=100, blank=True)
    human_value = models.CharField("人工修正", max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "人工修正"
        ordering = ["-at"]


class SpikeAlert(models.Model):
    plan = models.CharField("监测方案", max_length=60)
    hour = models.DateTimeField("小时")
    observed = models.PositiveIntegerField("实际条数")
    expected = models.FloatField("预期条数")
    p_value = models.FloatField("显著性")
    explanation = models.TextField("说明")
    top_events = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "声量突增"
        ordering = ["-hour"]
        constraints = [models.UniqueConstraint(fields=["plan", "hour"], name="one_spike_per_plan_hour")]
