"""Where mentions come from: crawl sources, their health and each crawl run."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

# The bureau's rules: the message board and the leader's mailbox are read at least twice a day.
BOARD_MAX_SCHEDULE_MINUTES = 720


class Reach(models.TextChoices):
    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省级"
    MUNICIPAL = "municipal", "市级"
    COUNTY = "county", "县级"
    SELF_MEDIA = "self_media", "自媒体"


class Source(models.Model):
    class Kind(models.TextChoices):
        RSS = "rss", "RSS/Atom 新闻源"
        HTML = "html", "网页列表"
        WECHAT = "wechat", "微信公众号"
        BOARD = "board", "留言板/领导信箱"
        HOTLINE = "hotline", "12345 转办件"
        # A search page: url is a template with {query} and {page}; every watch plan's terms are searched.
        SEARCH = "search", "关键词搜索"

    slug = models.SlugField("标识", max_length=80, unique=True)
    name = models.CharField("名称", max_length=120)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    url = models.URLField("地址", max_length=1000, blank=True)
    reach = models.CharField("影响力", max_length=12, choices=Reach.choices, default=Reach.MUNICIPAL)
    weight = models.FloatField("权重", default=1.0)
    schedule_minutes = models.PositiveIntegerField("采集间隔(分钟)", default=360)
    encoding = models.CharField("编码(可选)", max_length=20, blank=True)
    selectors = models.JSONField("选择器(可选)", default=dict, blank=True)
    settings = models.JSONField("采集参数(可选)", default=dict, blank=True)
    enabled = models.BooleanField("启用", default=True)

    # Incremental crawl state handed back and forth with the crawler (seen URLs, ETags).
    crawl_state = models.JSONField(default=dict, blank=True, editable=False)

    # Health.
    last_run_at = models.DateTimeField("最近采集", null=True, blank=True)
    last_success_at = models.DateTimeField("最近成功", null=True, blank=True)
    last_error_at = models.DateTimeField("最近失败", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    consecutive_failures = models.PositiveIntegerField("连续失败次数", default=0)
    last_item_count = models.PositiveIntegerField("上次采集条数", default=0)
    newest_item_at = models.DateTimeField("最新条目时间", null=True, blank=True)
    blind_reason = models.CharField("失明原因", max_length=300, blank=True)
    blind_since = models.DateTimeField("失明时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "采集源"
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    def clean(self) -> None:
        super().clean()
        if (self.kind == self.Kind.BOARD and self.schedule_minutes is not None
                and self.schedule_minutes > BOARD_MAX_SCHEDULE_MINUTES):
            raise ValidationError({"schedule_minutes": (
                f"留言板/领导信箱类采集源的采集间隔不得超过 {BOARD_MAX_SCHEDULE_MINUTES} 分钟（每日至少采集两次）"
            )})
        if self.kind == self.Kind.SEARCH:
            # The same check as `yuqing sources load`, so the admin cannot save what the loader refuses.
            from response.services.sources_io import search_problems

            problems = search_problems({"url": self.url, "encoding": self.encoding,
                                        "selectors": self.selectors, "settings": self.settings})
            if problems:
                raise ValidationError({"url": [f"关键词搜索{p}" for p in problems]})

    @property
    def is_blind(self) -> bool:
        return bool(self.blind_reason)

    def as_crawl_config(self) -> dict:
        return {
            "slug": self.slug, "name": self.name, "kind": self.kind, "url": self.url,
            "encoding": self.encoding, "selectors": self.selectors, "settings": self.settings,
        }


class CrawlRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "进行中"
        OK = "ok", "成功"
        FAILED = "failed", "失败"
        BLIND = "blind", "被拦截"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="runs", verbose_name="采集源")
    started_at = models.DateTimeField("开始", auto_now_add=True)
    finished_at = models.DateTimeField("结束", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RUNNING)
    items_found = models.PositiveIntegerField("采集条数", default=0)
    items_new = models.PositiveIntegerField("新增条数", default=0)
    error = models.TextField("错误", blank=True)
    stats = models.JSONField("统计", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "采集记录"
        ordering = ["-started_at"]
