"""The office manages the bureau's configuration and people in the admin (管理后台): the link in the
header leads somewhere useful, nothing is deletable there, and managing people is not a way to
make oneself a superuser. The admin's item list stays readable with long crawled titles."""
from __future__ import annotations

import pytest
from django.urls import reverse

from response import roles
from response.models import Level
from response.tests.factories import MentionFactory, SourceFactory, UserFactory
from response.tests.test_browser import browser, login, page  # noqa: F401 (fixtures)

LONG = ("关于进一步加强和规范全市律师事务所执业活动监督管理工作的实施意见（征求意见稿）公开征求社会公众意见的公告"
        "——市司法局律师工作科联合市律师协会开展专项检查")


@pytest.fixture
def office(bureau):
    # No is_staff: the role alone opens the admin.
    user = UserFactory(username="office_zhang", first_name="办公室张主任", roles=[roles.OFFICE])
    roles.ensure_groups()  # grants the office its admin permissions
    return user


@pytest.mark.django_db
def test_the_office_role_opens_the_admin_and_shows_its_link_others_do_not(client, office) -> None:
    assert not office.is_staff
    duty = UserFactory(username="duty_chen", roles=[roles.DUTY_OFFICER])
    client.force_login(duty)
    assert "管理后台</a>" not in client.get(reverse("queue")).content.decode()
    denied = client.get(reverse("admin:index"))
    assert denied.status_code == 302 and reverse("admin:login") in denied["Location"]
    client.force_login(office)
    assert f'href="{reverse("admin:index")}">管理后台</a>' in client.get(reverse("dashboard")).content.decode()
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200 and "舆情监测与回应系统 · 管理后台" in index.content.decode()
    office.is_active = False
    office.save()
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.django_db
def test_office_reaches_the_configuration_in_the_admin(client, office) -> None:
    client.force_login(office)
    index = client.get(reverse("admin:index")).content.decode()
    for label in ("科室", "监测方案", "分办规则", "级别", "时限规则", "节假日调整", "采集源", "用户"):
        assert label in index, label
    assert "你没有查看或编辑的权限" not in index
    assert client.get(reverse("admin:response_level_add")).status_code == 200
    level = Level.objects.get(code="III")
    assert client.get(reverse("admin:response_level_change", args=[level.pk])).status_code == 200
    assert client.get(reverse("admin:response_level_delete", args=[level.pk])).status_code == 403


@pytest.mark.django_db
def test_managing_people_does_not_make_superusers(client, office) -> None:
    client.force_login(office)
    colleague = UserFactory(username="duty_chen", roles=[roles.DUTY_OFFICER])
    page_html = client.get(reverse("admin:auth_user_change", args=[colleague.pk])).content.decode()
    assert 'name="is_superuser"' not in page_html and 'name="groups"' in page_html
    own = client.get(reverse("admin:auth_user_change", args=[office.pk])).content.decode()
    assert 'name="is_superuser"' not in own


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_item_list_is_readable_with_long_titles(page, live_server, bureau) -> None:  # noqa: F811
    user = UserFactory(username="office", first_name="办公室张主任", roles=[roles.OFFICE])
    user.is_staff = True
    user.save()
    roles.ensure_groups()
    source = SourceFactory(name="东南网")
    for i in range(50):
        MentionFactory(source=source, title=f"{LONG}（{i}）")
    login(page, live_server, "office")
    page.goto(f"{live_server.url}{reverse('admin:response_mention_changelist')}")
    assert "你没有查看或编辑的权限" not in page.content()
    height = page.evaluate("document.documentElement.scrollHeight")
    width = page.evaluate("document.querySelector('#result_list td.field-short_title, #result_list th.field-short_title')"
                          ".getBoundingClientRect().width")
    assert height < 4000, height
    assert width > 150, width
