"""Sections (业务科室) of the bureau and the people in them."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class Section(models.Model):
    class WebhookKind(models.TextChoices):
        NONE = "", "无"
        WECOM = "wecom", "企业微信群机器人"
        DINGTALK = "dingtalk", "钉钉群机器人"
        FEISHU = "feishu", "飞书群机器人"

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60, unique=True)
    description = models.TextField("职责", blank=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="科室负责人", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="headed_sections",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="成员", blank=True, related_name="sections"
    )
    email = models.EmailField("联系邮箱", blank=True)
    webhook_kind = models.CharField("群机器人类型", max_length=10, choices=WebhookKind.choices, blank=True)
    webhook_url = models.URLField("群机器人地址", blank=True, max_length=500)
    webhook_secret = models.CharField("加签密钥", max_length=200, blank=True)
    is_fallback = models.BooleanField("兜底科室", default=False, help_text="无规则或模型可定时的承办科室")
    order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = verbose_name_plural = "科室"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def fallback(cls) -> Section:
        return cls.objects.filter(is_fallback=True).first() or cls.objects.order_by("order").first()
