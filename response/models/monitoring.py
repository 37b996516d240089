"""What the bureau watches for and how items are routed: business rules as data."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from .organisation import Section
from .sources import Source


class KeywordPlan(models.Model):
    class Category(models.TextChoices):
        BUREAU = "bureau", "本单位名称"
        LEADER = "leader", "领导姓名"
        BUSINESS = "business", "业务词"
        SENSITIVE = "sensitive", "敏感词"
        PLACE = "place", "属地"

    name = models.CharField("方案名称", max_length=60, unique=True)
    category = models.CharField("类别", max_length=12, choices=Category.choices, default=Category.BUSINESS)
    expression = models.TextField(
        "表达式", help_text='支持 AND / OR / NOT、括号、"短语" 与邻近匹配，详见文档'
    )
    flags = models.BooleanField("命中即标记", default=True, help_text="命中本方案的条目进入值班员研判队列")
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "监测方案"
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from analysis.keywords import KeywordSyntaxError, parse_expression

        try:
            parse_expression(self.expression)
        except KeywordSyntaxError as exc:
            raise ValidationError({"expression": str(exc)}) from exc


class RoutingRule(models.Model):
    """Ordered rules mapping plans/keywords/sources/places to an owning section."""

    name = models.CharField("规则名称", max_length=80, unique=True)
    section = models.ForeignKey(Section, on_delete=models.CASCADE, verbose_name="承办科室")
    priority = models.PositiveIntegerField("优先级(小者优先)", default=100)
    plans = models.ManyToManyField(KeywordPlan, blank=True, verbose_name="监测方案")
    keywords = models.TextField("关键词(逗号分隔，任一命中)", blank=True)
    source_kinds = models.CharField("来源类型(逗号分隔)", max_length=100, blank=True)
    sources = models.ManyToManyField(Source, blank=True, verbose_name="采集源")
    places = models.CharField("属地(逗号分隔)", max_length=300, blank=True)
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "分办规则"
        ordering = ["priority", "name"]

    def __str__(self) -> str:
        return f"{self.name} → {self.section}"
