"""The admin: Chinese, every configuration model editable, records read-only, plan expressions validated."""
from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from response import models as m
from response.tests.factories import UserFactory


@pytest.fixture
def superuser(bureau):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_every_registered_model_lists_in_chinese(client, superuser):
    client.force_login(superuser)
    index = client.get(reverse("admin:index")).content.decode()
    assert "舆情监测与回应系统 · 管理后台" in index and "监测方案" in index and "分办规则" in index
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
    assert "周期性任务" in index or "定时任务" in index or "django_celery_beat" in index.lower()


def test_keyword_plan_expression_is_validated(client, superuser):
    client.force_login(superuser)
    url = reverse("admin:response_keywordplan_add")
    bad = client.post(url, {"name": "坏方案", "category": "business", "expression": "律师 AND (公证", "enabled": "on"})
    assert bad.status_code == 200 and not m.KeywordPlan.objects.filter(name="坏方案").exists()
    assert "errorlist" in bad.content.decode()
    good = client.post(url, {"name": "好方案", "category": "business", "expression": "律师 AND 公证", "enabled": "on"})
    assert good.status_code == 302 and m.KeywordPlan.objects.filter(name="好方案").exists()


def test_records_are_read_only(client, superuser):
    client.force_login(superuser)
    entry = m.AuditEntry.objects.create(actor_label="值班员", action="review", object_type="mention", object_id="1")
    assert client.get(reverse("admin:response_auditentry_add")).status_code == 403
    change = reverse("admin:response_auditentry_change", args=[entry.pk])
    assert client.post(change, {"action": "篡改"}).status_code == 403
    assert client.post(reverse("admin:response_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.action == "review"
    for name in ("case", "mention", "caseresponse"):
        assert client.get(reverse(f"admin:response_{name}_add")).status_code == 403


def test_user_admin_sets_sections_and_shows_roles(client, superuser, bureau):
    client.force_login(superuser)
    staff = UserFactory(username="wang", roles=["科室人员"])
    bureau["lawyers"].members.add(staff)
    listing = client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "科室人员" in listing
    page = client.get(reverse("admin:auth_user_change", args=[staff.pk])).content.decode()
    assert "所属科室" in page
