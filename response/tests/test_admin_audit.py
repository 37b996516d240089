"""Configuration edited in the admin is audited before → after; cases and people are never deleted.

Everything goes through the real admin pages with a logged-in superuser, as the office would.
"""
from __future__ import annotations

import datetime
import sys
import types

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.forms import MultiWidget
from django.urls import reverse

from response import models as m
from response import roles
from response.tests.factories import UserFactory
from response.tests.mechanism import make_case, person


@pytest.fixture
def superuser(bureau):
    return UserFactory(username="admin_zhou", last_name="周", first_name="明", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def _put(data: dict, name: str, field, value) -> None:
    if isinstance(field.widget, MultiWidget):
        for i, part in enumerate(field.widget.decompress(value)):
            data[f"{name}_{i}"] = "" if part is None else str(part)
    elif isinstance(value, bool):
        if value:
            data[name] = "on"
    elif isinstance(value, list | tuple):
        data[name] = [str(v) for v in value]
    else:
        data[name] = "" if value is None else str(value)


def form_data(page) -> dict:
    """What the browser would post back unchanged: the change form and its inlines."""
    form = page.context["adminform"].form
    data: dict = {}
    for name, field in form.fields.items():
        if not field.disabled:
            _put(data, name, field, form[name].value())
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[formset.management_form.add_prefix(name)] = formset.management_form[name].value()
        for sub in formset.forms:
            for name, field in sub.fields.items():
                _put(data, sub.add_prefix(name), field, sub[name].value())
    return data


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def audit_rows(obj, action: str = "config_change"):
    return m.AuditEntry.objects.filter(action=action, object_type=obj._meta.model_name, object_id=str(obj.pk))


def post_change(client, obj, **changes) -> None:
    data = form_data(client.get(change_url(obj)))
    data.update(changes)
    response = client.post(change_url(obj), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response


@pytest.mark.django_db
def test_level_threshold_change_is_audited_old_to_new_with_the_admin(admin_client, superuser):
    level = m.Level.objects.get(code="III")
    assert level.min_urgency == 50
    post_change(admin_client, level, min_urgency="55")

    level.refresh_from_db()
    assert level.min_urgency == 55
    row = audit_rows(level).get()  # only the field that changed, nothing spurious
    assert (row.field, row.old, row.new) == ("min_urgency", "50", "55")
    assert row.actor == superuser and row.actor_label == "周明"
    assert "级别" in row.note and "III级" in row.note


@pytest.mark.django_db
def test_deadline_policy_amount_and_level_changes_are_audited_readably(admin_client):
    policy = m.DeadlinePolicy.objects.get(channel="opinion", level=None, clock="response")
    assert policy.amount == 48
    post_change(admin_client, policy, amount="72", level=str(m.Level.objects.get(code="IV").pk))

    rows = {r.field: (r.old, r.new) for r in audit_rows(policy)}
    assert rows == {"amount": ("48", "72"), "level": ("", "IV级 一般")}  # warn_at's JSON did not "change"


@pytest.mark.django_db
def test_routing_rule_plans_many_to_many_change_is_audited(admin_client):
    rule = m.RoutingRule.objects.get(name="法考事项")
    extra = m.KeywordPlan.objects.get(name="普法宣传")
    post_change(admin_client, rule, plans=[str(p.pk) for p in rule.plans.all()] + [str(extra.pk)])

    row = audit_rows(rule).get()
    assert row.field == "plans" and row.old == "法考"
    assert set(row.new.split("、")) == {"法考", "普法宣传"}


@pytest.mark.django_db
def test_section_webhook_secret_change_is_audited_without_its_value(admin_client):
    section = m.Section.objects.get(code="lawyers")
    post_change(admin_client, section, webhook_kind="dingtalk",
                webhook_url="https://oapi.dingtalk.com/robot/send?access_token=tok-3f9a",
                webhook_secret="SEC-not-for-the-record")
    rows = {r.field: (r.old, r.new) for r in audit_rows(section)}
    assert rows["webhook_kind"] == ("无", "钉钉群机器人")
    assert rows["webhook_secret"][1] == rows["webhook_url"][1] == "（已设置，内容不记录）"
    recorded = " ".join(f"{r.old} {r.new} {r.note}" for r in m.AuditEntry.objects.all())
    assert "SEC-not-for-the-record" not in recorded and "tok-3f9a" not in recorded


@pytest.mark.django_db
def test_adding_and_deleting_a_source_is_audited(admin_client):
    add = admin_client.post(reverse("admin:response_source_add"), {
        "slug": "zz-daily", "name": "漳州日报", "kind": "rss", "url": "http://127.0.0.1:9/zz/rss.xml",
        "reach": "municipal", "weight": "1.0", "schedule_minutes": "60", "selectors": "{}", "settings": "{}",
        "enabled": "on",
    })
    assert add.status_code == 302
    source = m.Source.objects.get(slug="zz-daily")
    added = {r.field: r.new for r in audit_rows(source, "config_add")}
    assert added["name"] == "漳州日报" and added["kind"] == "RSS/Atom 新闻源" and added["schedule_minutes"] == "60"

    pk = source.pk
    gone = admin_client.post(reverse("admin:response_source_delete", args=[pk]), {"post": "yes"})
    assert gone.status_code == 302 and not m.Source.objects.filter(pk=pk).exists()
    deleted = {r.field: r.old for r in m.AuditEntry.objects.filter(action="config_delete", object_id=str(pk),
                                                                    object_type="source")}
    assert deleted["slug"] == "zz-daily" and deleted["url"] == "http://127.0.0.1:9/zz/rss.xml"


@pytest.fixture
def calendar_hook(monkeypatch):
    """Stands in for response.services.calendar_changes.on_calendar_day_changed: its effect is
    tested with that module; here only that the admin calls it, with the day and the user."""
    calls: list[tuple[datetime.date, object]] = []

    def changed(day, user=None):
        calls.append((day, user))

    try:
        import response.services.calendar_changes as module
    except ImportError:  # not written yet: a stand-in module
        module = types.ModuleType("response.services.calendar_changes")
        monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(module, "on_calendar_day_changed", changed, raising=False)
    return calls


@pytest.mark.django_db
def test_calendar_day_saved_changed_and_deleted_in_the_admin(admin_client, superuser, calendar_hook):
    url = reverse("admin:response_calendarday_add")
    added = admin_client.post(url, {"date": "2027-10-08", "is_workday": "", "note": "国庆节调休（国办通知）"})
    assert added.status_code == 302
    day = m.CalendarDay.objects.get(date=datetime.date(2027, 10, 8))
    assert calendar_hook == [(datetime.date(2027, 10, 8), superuser)]
    assert {r.field: r.new for r in audit_rows(day, "config_add")}["is_workday"] == "否"

    calendar_hook.clear()
    post_change(admin_client, day, date="2027-10-09")
    assert sorted(d for d, _ in calendar_hook) == [datetime.date(2027, 10, 8), datetime.date(2027, 10, 9)]
    assert (audit_rows(day).get().old, audit_rows(day).get().new) == ("2027-10-08", "2027-10-09")

    calendar_hook.clear()
    pk = day.pk
    changelist = reverse("admin:response_calendarday_changelist")
    done = admin_client.post(changelist, {"action": "delete_selected", "_selected_action": [pk], "post": "yes"})
    assert done.status_code == 302 and not m.CalendarDay.objects.exists()
    assert calendar_hook == [(datetime.date(2027, 10, 9), superuser)]
    assert m.AuditEntry.objects.filter(action="config_delete", object_type="calendarday", object_id=str(pk)).exists()


@pytest.mark.django_db
def test_calendar_day_saves_with_the_real_recomputation(admin_client):
    pytest.importorskip("response.services.calendar_changes")
    added = admin_client.post(reverse("admin:response_calendarday_add"),
                              {"date": "2027-02-20", "is_workday": "on", "note": "春节调休上班"})
    assert added.status_code == 302
    assert m.CalendarDay.objects.filter(date=datetime.date(2027, 2, 20), is_workday=True).exists()


@pytest.mark.django_db
def test_cases_offer_no_delete_even_to_a_superuser(admin_client, bureau):
    case = make_case(bureau, title="网传市司法局窗口工作人员推诿群众办事")
    assert admin_client.get(reverse("admin:response_case_delete", args=[case.pk])).status_code == 403
    listing = admin_client.get(reverse("admin:response_case_changelist"))
    assert listing.status_code == 200 and 'value="delete_selected"' not in listing.content.decode()
    assert "delete_selected" not in admin.site._registry[m.Case].get_actions(listing.wsgi_request)
    assert m.Case.objects.filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_users_are_deactivated_not_deleted(admin_client, superuser):
    clerk = person("lvshike_wu", roles.SECTION_STAFF)
    assert admin_client.get(reverse("admin:auth_user_delete", args=[clerk.pk])).status_code == 403
    listing = admin_client.get(reverse("admin:auth_user_changelist"))
    actions = [name for name, _ in listing.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions and "deactivate" in actions
    assert 'value="delete_selected"' not in listing.content.decode()
    assert "停用所选用户" in listing.content.decode()

    done = admin_client.post(reverse("admin:auth_user_changelist"),
                             {"action": "deactivate", "_selected_action": [clerk.pk, superuser.pk]})
    assert done.status_code == 302
    clerk.refresh_from_db()
    superuser.refresh_from_db()
    assert not clerk.is_active and superuser.is_active  # nobody locks themselves out
    row = audit_rows(clerk, "user_deactivate").get()
    assert (row.field, row.old, row.new, row.actor) == ("is_active", "是", "否", superuser)


@pytest.mark.django_db
def test_user_change_page_still_works_and_role_changes_are_audited(admin_client, bureau):
    clerk = person("gongzheng_he", roles.SECTION_STAFF)
    assert admin_client.get(change_url(clerk)).status_code == 200
    duty = Group.objects.get_or_create(name=roles.DUTY_OFFICER)[0]
    staff = Group.objects.get(name=roles.SECTION_STAFF)
    data = form_data(admin_client.get(change_url(clerk)))
    data["groups"] = [str(staff.pk), str(duty.pk)]
    data["Section_members-0-section"] = str(bureau["notary"].pk)  # the inline's empty extra row
    response = admin_client.post(change_url(clerk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert bureau["notary"].members.filter(pk=clerk.pk).exists()
    row = audit_rows(clerk).get(field="groups")
    assert row.old == roles.SECTION_STAFF and set(row.new.split("、")) == {roles.SECTION_STAFF, roles.DUTY_OFFICER}
    sections = audit_rows(clerk).get(field="sections")
    assert (sections.old, sections.new) == ("", "公证工作科")
    assert set(audit_rows(clerk).values_list("field", flat=True)) == {"groups", "sections"}
