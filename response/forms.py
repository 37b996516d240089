"""Forms for the duty officers' screens. They only validate input; the casework service decides."""
from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from response import roles
from response.models import (
    LEVEL_CHOICES,
    Case,
    CaseResponse,
    Clock,
    Extension,
    Level,
    Section,
    Sentiment,
    Source,
)

DISMISS_REASONS = ["与本单位无关", "重复信息", "广告或垃圾信息", "已处置的旧闻", "正面或中性报道，无需处置"]
RESPONSE_CHANNELS = ["官方网站", "微信公众号", "官方微博", "新闻发布会", "媒体采访", "留言板回复", "电话回复"]


class QueueFilterForm(forms.Form):
    """Queue filters; every field optional, invalid values are ignored rather than erroring."""

    RANGES = [("", "全部时间"), ("1h", "1 小时内"), ("24h", "24 小时内"), ("7d", "7 天内"), ("30d", "30 天内")]

    q = forms.CharField(label="搜索", required=False, max_length=100)
    level = forms.ChoiceField(label="级别", required=False, choices=[("", "全部级别"), *LEVEL_CHOICES, ("none", "未达级别")])
    sentiment = forms.ChoiceField(label="情感", required=False, choices=[("", "全部情感"), *Sentiment.choices])
    kind = forms.ChoiceField(label="来源类型", required=False, choices=[("", "全部来源"), *Source.Kind.choices])
    section = forms.ModelChoiceField(label="科室", required=False, queryset=Section.objects.all(),
                                     empty_label="全部科室", to_field_name="code")
    plan = forms.CharField(label="监测方案", required=False, max_length=60)
    range = forms.ChoiceField(label="时间", required=False, choices=RANGES)

    def since(self):
        value = self.cleaned_data.get("range") or ""
        spans = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
        return timezone.now() - spans[value] if value in spans else None


class ConfirmForm(forms.Form):
    level = forms.ModelChoiceField(label="级别", queryset=Level.objects.all(), required=False, empty_label="未定级",
                                   to_field_name="code")
    section = forms.ModelChoiceField(label="牵头科室", queryset=Section.objects.all(), to_field_name="code")


class DismissForm(forms.Form):
    reason = forms.CharField(label="排除原因", max_length=300)


class CorrectForm(forms.Form):
    FIELDS = [("sentiment", "情感"), ("level", "级别"), ("section", "承办科室")]
    field = forms.ChoiceField(label="字段", choices=FIELDS)
    value = forms.CharField(label="修正为", max_length=40, required=False)

    def clean(self):
        data = super().clean()
        field, value = data.get("field"), data.get("value") or ""
        valid = {
            "sentiment": {s.value for s in Sentiment},
            "level": {c for c, _ in LEVEL_CHOICES} | {""},
            "section": set(Section.objects.values_list("code", flat=True)),
        }.get(field, set())
        if field and value not in valid:
            raise forms.ValidationError("修正值无效")
        return data


class MergeForm(forms.Form):
    case = forms.CharField(label="并入案件编号", max_length=30)

    def clean_case(self) -> Case:
        number = self.cleaned_data["case"].strip()
        case = Case.objects.filter(number=number).first()
        if case is None:
            raise forms.ValidationError(f"找不到案件 {number}")
        return case


class ReassignForm(forms.Form):
    section = forms.ModelChoiceField(label="牵头科室", queryset=Section.objects.all(), to_field_name="code")


class LevelForm(forms.Form):
    # Not required: an unlevelled case submits "" — read as "no change", never as the first level.
    level = forms.ModelChoiceField(label="级别", queryset=Level.objects.all(), to_field_name="code",
                                   required=False, empty_label="未定级")


class ConsultationForm(forms.Form):
    held_at = forms.DateTimeField(label="会商时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                  input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    participants = forms.CharField(label="参会人员", widget=forms.Textarea(attrs={"rows": 2}))
    sections = forms.ModelMultipleChoiceField(label="参会科室", queryset=Section.objects.all(), required=False,
                                              widget=forms.CheckboxSelectMultiple)
    conclusion = forms.CharField(label="会商结论", widget=forms.Textarea(attrs={"rows": 3}))
    agreed_wording = forms.CharField(label="统一口径", widget=forms.Textarea(attrs={"rows": 3}))


class ResponseForm(forms.Form):
    kind = forms.ChoiceField(label="回应类型", choices=CaseResponse.Kind.choices, initial=CaseResponse.Kind.RESPONSE,
                             required=False)
    text = forms.CharField(label="回应内容", widget=forms.Textarea(attrs={"rows": 4}))
    channel = forms.CharField(label="回应渠道", max_length=60,
                              widget=forms.TextInput(attrs={"list": "response-channels"}))
    link = forms.URLField(label="链接", required=False, max_length=1000, assume_scheme="https")
    responded_at = forms.DateTimeField(label="回应时间(空=现在)", required=False,
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                       input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    approved_by = forms.CharField(label="审核人", max_length=60, required=False)
    late_reason = forms.CharField(label="补录原因(回应时间早于现在 1 小时以上时必填)", max_length=300, required=False)

    def clean_link(self) -> str:
        return _web_link(self.cleaned_data.get("link") or "")


def _web_link(link: str) -> str:
    # Only web links: a `javascript:` link typed here would later be rendered as <a href>.
    if link and not link.lower().startswith(("http://", "https://")):
        raise forms.ValidationError("链接须以 http:// 或 https:// 开头")
    return link


class ReopenForm(forms.Form):
    reason = forms.CharField(label="重新打开原因", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class PolicyDocumentForm(forms.Form):
    """政策解读: a policy document's release, registered by the office as a case of that channel."""

    title = forms.CharField(label="政策文件名称", max_length=300)
    released_at = forms.DateTimeField(label="发布时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    section = forms.ModelChoiceField(label="解读牵头科室", queryset=Section.objects.all(), to_field_name="code")
    link = forms.URLField(label="文件链接", required=False, max_length=1000, assume_scheme="https")
    description = forms.CharField(label="说明", required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}))

    def clean_link(self) -> str:
        return _web_link(self.cleaned_data.get("link") or "")


class CloseForm(forms.Form):
    summary = forms.CharField(label="办结摘要", widget=forms.Textarea(attrs={"rows": 3}))


class ExtensionRequestForm(forms.Form):
    """延期申请: which running clock, how long, why. Units follow `services.extensions`."""

    clock = forms.ChoiceField(label="时限", choices=Clock.choices)
    amount = forms.IntegerField(label="延期时长", min_value=1, max_value=720)
    unit = forms.ChoiceField(label="单位", choices=Extension.Unit.choices, initial=Extension.Unit.WORKING_DAYS)
    reason = forms.CharField(label="延期理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="审批", choices=[("approve", "批准"), ("reject", "驳回")])
    note = forms.CharField(label="审批意见", max_length=300, required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            raise forms.ValidationError("驳回须填写意见")
        return data


class AssigneeForm(forms.Form):
    """认领 / 取消指派 / 指派: which of the three, and for 指派 whom (checked by services.assignment)."""

    ACTIONS = [("claim", "认领"), ("unassign", "取消指派"), ("assign", "指派")]
    action = forms.ChoiceField(label="操作", choices=ACTIONS)
    assignee = forms.ModelChoiceField(label="承办人", required=False,
                                      queryset=get_user_model().objects.filter(is_active=True))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == "assign" and data.get("assignee") is None:
            raise forms.ValidationError("请选择承办人")
        return data


class CaseNoteForm(forms.Form):
    body = forms.CharField(label="内部批注", max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3, "aria-label": "内部批注",
                                                        "placeholder": "仅内部可见，不对外发布；用 @姓名 提醒同事"}))


class SignoffForm(forms.Form):
    """送审: the response as it would be published, and the leader who signs it off."""

    kind = forms.ChoiceField(label="回应类型", choices=CaseResponse.Kind.choices, initial=CaseResponse.Kind.RESPONSE,
                             required=False)
    text = forms.CharField(label="回应内容", widget=forms.Textarea(attrs={"rows": 4}))
    channel = forms.CharField(label="回应渠道", max_length=60,
                              widget=forms.TextInput(attrs={"list": "response-channels"}))
    link = forms.URLField(label="链接", required=False, max_length=1000, assume_scheme="https")
    approver = forms.ModelChoiceField(label="审核领导", queryset=get_user_model().objects.none(),
                                      empty_label="请选择分管领导")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = roles.leaders()
        self.fields["approver"].label_from_instance = lambda u: f"{u.last_name}{u.first_name}".strip() or u.username

    def clean_link(self) -> str:
        return _web_link(self.cleaned_data.get("link") or "")


class SignoffDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="审核", choices=[("approve", "通过并发布"), ("return", "退回修改")])
    comment = forms.CharField(label="审核意见", max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            raise forms.ValidationError("退回须填写审核意见")
        return data
