"""The embedded demo: configure the Justice Bureau, crawl the local demo site, judge, open cases."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count

from response import roles
from response.demo.site import DemoSite
from response.models import Case, Event, Mention, Section, Source
from response.services.bureau_config import load_bureau
from response.services.schedules import install_schedules
from response.services.sources_io import load_sources

DEMO_SOURCES = Path(__file__).resolve().parent.parent / "demo" / "sources.yaml"
DEMO_PASSWORD = "yuqing-demo"
DEMO_USERS = (
    # username, full name, role, section code, superuser
    ("duty", "值班员小陈", roles.DUTY_OFFICER, None, False),
    ("corrections", "社区矫正科 李科长", roles.SECTION_STAFF, "corrections", False),
    ("lawyers", "律师工作科 王科员", roles.SECTION_STAFF, "lawyers", False),
    ("office", "办公室 张主任", roles.OFFICE, "office", False),
    ("leader", "分管领导 陈副局长", roles.LEADER, None, False),  # signs off I/II responses
    ("admin", "系统管理员", roles.ADMIN, None, True),
)


@dataclass
class DemoSummary:
    mentions: int
    flagged: int
    queue_rows: int
    events: int
    merged_events: int
    cases_by_section: dict[str, int]
    blind_sources: list[str]


def create_demo_users() -> None:
    User = get_user_model()
    for username, full_name, role, section_code, superuser in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.first_name = full_name
        user.is_staff = superuser or role in (roles.OFFICE,)
        user.is_superuser = superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=role))
        if section_code:
            Section.objects.get(code=section_code).members.add(user)


def production_pages() -> None:
    """The demo shows what users will see: the Chinese 403/404/500 pages, never Django's debug
    page (local settings default to DEBUG for developers). DJANGO_DEBUG=1 keeps the debug pages;
    WhiteNoise serves the static files either way."""
    import os

    if "DJANGO_DEBUG" not in os.environ:
        settings.DEBUG = False


def previous_site_port() -> int:
    """The port the demo site had on the last run (0 on the first). Articles are stored by URL,
    so a second `make demo` must serve them at the same address or everything is stored again."""
    from urllib.parse import urlsplit

    for url in Source.objects.filter(slug__startswith="demo-").exclude(url="").values_list("url", flat=True):
        parts = urlsplit(url)
        if parts.hostname == "127.0.0.1" and parts.port:
            return parts.port
    return 0


def start_site() -> DemoSite:
    port = previous_site_port()
    try:
        return DemoSite(port=port).start()
    except OSError as exc:
        raise RuntimeError(
            f"演示站点需要沿用上次的端口 {port}（已采集的演示文章按地址去重），但该端口被占用：{exc.strerror}。"
            f"请关闭占用该端口的程序（可能是仍在运行的上一次演示）后重试。") from exc


def configure(site: DemoSite) -> None:
    load_bureau()
    roles.ensure_groups()
    install_schedules()
    create_demo_users()
    load_sources(DEMO_SOURCES, substitutions={"base": site.base_url})


def crawl_all(timeout: float = 600) -> None:
    """Crawl every demo source through the Celery code path and wait until judgement is done."""
    from response.services.tasks import task

    crawl_source = task("yuqing.crawl.source")
    results = [crawl_source.delay(s.pk) for s in Source.objects.filter(slug__startswith="demo-", enabled=True)]
    for result in results:
        result.get(timeout=timeout, propagate=False)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    deadline = time.monotonic() + timeout
    while Mention.objects.filter(analysed_at__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(2)  # case opening is queued right after analysis


def summary() -> DemoSummary:
    by_section = dict(
        Case.objects.values_list("section__name").annotate(n=Count("id")).order_by("-n")
    )
    return DemoSummary(
        mentions=Mention.objects.count(),
        flagged=Mention.objects.filter(flagged=True).count(),
        queue_rows=Mention.objects.filter(flagged=True, review=Mention.Review.PENDING, event_lead=True).count(),
        events=Event.objects.count(),
        merged_events=Event.objects.filter(size__gt=1).count(),
        cases_by_section=by_section,
        blind_sources=[s.slug for s in Source.objects.exclude(blind_reason="")],
    )
