"""Night duty on a phone: every duty screen at 390 px wide without sideways scrolling of the page.

A 390x844 touch viewport (an ordinary phone) as the duty officer, section staff and the leader; a
1400 px check that the desktop queue keeps its table. Screenshots land in test-artifacts/phone-*.png.
"""
from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from response import models as m
from response.services import casework
from response.tests.factories import SourceFactory
from response.tests.mechanism import make_case
from response.tests.test_browser import ARTIFACTS, browser, login, shot  # noqa: F401 (fixtures)
from response.tests.test_views_support import (  # noqa: F401 (autouse)
    event_with_copies,
    flagged_mention,
    fresh_dashboard_cache,
    people,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 390
# A headline as long as the ones 12345 hotline reposts carry, and an article address without any
# break opportunity: both must wrap instead of pushing the page wider than the phone.
LONG_TITLE = ("网传某县司法局社区矫正中心工作人员夜间值班脱岗 多名社区矫正对象报到无人受理 "
              "家属连续三天拨打12345热线反映情况仍未得到任何答复引发网友广泛关注和转发")
LONG_URL = ("https://www.example-news.com.cn/fujian/zhangzhou/2026/12/01/"
            "content_20261201_0000000000000000000000000000001234567890abcdefghijklmnopqrstuvwxyz.html"
            "?from=timeline&isappinstalled=0&share_token=abcdefghijklmnopqrstuvwxyz0123456789")

# Every element whose right edge sticks out past the viewport, for a readable failure message.
OVERFLOW_JS = """(w) => Array.from(document.querySelectorAll('body *')).filter(e => {
  const r = e.getBoundingClientRect();
  if (r.width === 0 || r.right <= w + 1) return false;
  for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
    if (getComputedStyle(a).overflowX !== 'visible') return false;  // scrolls inside its own box
  }
  return true;
}).slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
  + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
  + ' right=' + Math.round(e.getBoundingClientRect().right))"""


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": WIDTH, "height": 844}, device_scale_factor=3,
                                  is_mobile=True, has_touch=True, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    pg.on("dialog", lambda d: d.accept())
    yield pg
    context.close()


@pytest.fixture
def desktop(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


@pytest.fixture
def users(bureau):
    return people(bureau)


@pytest.fixture
def night(bureau, users):
    """A night's worth of screens: a reposted event, a long-titled I级 item, a dismissal, a case."""
    event, copies = event_with_copies(bureau, 3)
    urgent = flagged_mention(bureau, title=LONG_TITLE, url=LONG_URL, urgency=93, level="I", section="corrections",
                             plan="社区矫正", terms=("社区矫正",), text="据网友爆料，" + LONG_TITLE + "。原文地址：" + LONG_URL,
                             source=SourceFactory(slug="board", name="人民网领导留言板", kind=m.Source.Kind.BOARD))
    dismissed = flagged_mention(bureau, title="律师事务所举办普法开放日 市民现场咨询", urgency=20, level="IV",
                                source=SourceFactory(slug="dnw", name="东南网"))
    with transaction.atomic():
        casework.dismiss_mention(dismissed, users["duty"], reason="正面宣传，无需处置")
    case = make_case(bureau, level="III", section="lawyers", title=LONG_TITLE)
    case.mentions.add(copies[0])
    m.SpikeAlert.objects.create(plan="律师公证", hour=timezone.now(), observed=40, expected=3.2, p_value=1e-6,
                                explanation="律师公证方案本小时 40 条，远高于常态 3.2 条")
    SourceFactory(slug="wx", name="司法局公众号", kind=m.Source.Kind.WECHAT, blind_reason="触发验证码，无法采集",
                  blind_since=timezone.now())
    return {"event": event, "copies": copies, "urgent": urgent, "case": case}


def phone_shot(page, name: str) -> None:
    """A full-length phone screenshot. Playwright's full_page capture drops the touch emulation for
    the shot (the (hover:none) rules stop applying), so the viewport is stretched instead."""
    ARTIFACTS.mkdir(exist_ok=True)
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": WIDTH, "height": max(844, min(height, 12_000))})
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"))
    page.set_viewport_size({"width": WIDTH, "height": 844})


def assert_fits(page, name: str) -> None:
    """The page itself never scrolls sideways; wide data tables may scroll inside their own box."""
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    culprits = page.evaluate(OVERFLOW_JS, WIDTH) if width > WIDTH else []
    phone_shot(page, name)
    assert width <= WIDTH, f"{name}: page is {width}px wide; sticking out: {culprits}"


def assert_touchable(page, selector: str) -> None:
    target = page.locator(selector).first
    target.scroll_into_view_if_needed()
    assert target.is_visible(), selector
    box = target.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, (selector, box)
    assert box["height"] >= 40, (selector, box)


def open_nav(page, label: str) -> None:
    """The header menu collapses on a phone: the toggle opens it and the link is then tappable."""
    link = page.locator("header.top nav a", has_text=label)
    if not link.is_visible():
        assert_touchable(page, "header.top .menu-toggle")
        page.locator("header.top .menu-toggle").tap()
    assert_touchable(page, f'header.top nav a:has-text("{label}")')
    with page.expect_navigation():
        link.tap()


def test_duty_officer_night_shift_on_a_phone(phone, live_server, night):
    phone.goto(f"{live_server.url}/login/")
    assert_fits(phone, "login")
    assert_touchable(phone, "button[type=submit]")
    login(phone, live_server, "duty")
    assert phone.url.endswith("/queue/")
    assert_fits(phone, "queue")
    # The menu starts closed on a phone so the queue is visible at once; the keyboard hints are gone.
    assert not phone.locator("header.top nav").is_visible()
    assert phone.locator(".keys").is_hidden()
    assert phone.locator("#queue tbody tr[data-id]").count() == 4
    urgent_row = phone.locator(f'#queue tr[data-id="{night["urgent"].pk}"]')
    box = urgent_row.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    assert_touchable(phone, f'#queue tr[data-id="{night["urgent"].pk}"] a.title')

    phone.locator("header.top .menu-toggle").tap()
    assert phone.locator("header.top nav").is_visible()
    assert phone.locator("header.top .menu-toggle").get_attribute("aria-expanded") == "true"
    assert_touchable(phone, ".logout button")
    assert_fits(phone, "queue-menu")
    phone.locator("header.top .menu-toggle").tap()
    assert not phone.locator("header.top nav").is_visible()
    phone.locator("#alert-bell").tap()
    assert phone.locator("#alert-panel").is_visible()
    pbox = phone.locator("#alert-panel").bounding_box()
    assert pbox["x"] >= 0 and pbox["x"] + pbox["width"] <= WIDTH, pbox
    phone.locator("#alert-bell").tap()
    # Bulk work: the greyed-out bulk buttons stay off the small screen until a row is ticked.
    assert phone.locator("button[data-bulk-open=dismiss]").is_hidden()
    urgent_row.locator("td.pick input").tap()
    assert_touchable(phone, "button[data-bulk-open=dismiss]")
    assert_fits(phone, "queue-picked")
    urgent_row.locator("td.pick input").tap()

    with phone.expect_navigation():
        urgent_row.locator("a.title").tap()
    assert_fits(phone, "item")
    assert_touchable(phone, "[data-action=confirm]")
    assert_touchable(phone, "[data-action=dismiss]")
    assert phone.locator("[data-action=confirm] kbd").is_hidden()
    phone.locator("[data-action=dismiss]").tap()
    dialog = phone.locator("#dismiss-dialog")
    assert dialog.is_visible()
    dbox = dialog.bounding_box()
    assert dbox["x"] >= 0 and dbox["x"] + dbox["width"] <= WIDTH, dbox
    assert_touchable(phone, "#dismiss-dialog button.danger")
    assert_fits(phone, "item-dismiss-dialog")
    phone.locator("#dismiss-dialog [data-close]").tap()
    phone.locator("[data-action=confirm]").tap()
    assert_touchable(phone, "#confirm-dialog button.primary")
    with phone.expect_navigation():
        phone.locator("#confirm-dialog button.primary").tap()
    phone.wait_for_url("**/cases/*/")
    assert "已确认并立案" in phone.content()
    assert_fits(phone, "case-new")

    phone.goto(f"{live_server.url}/cases/{night['case'].pk}/")
    assert_fits(phone, "case")
    open_nav(phone, "案件")
    assert phone.url.endswith("/cases/")
    assert_fits(phone, "board")
    assert_touchable(phone, ".case-card")
    open_nav(phone, "统计与源健康")
    assert_fits(phone, "dashboard")
    open_nav(phone, "全局搜索")
    phone.fill("input[name=q]", "律师")
    with phone.expect_navigation():
        phone.locator(".search-form button[type=submit]").tap()
    assert phone.locator("#mention-results tbody tr[data-id]").count() >= 1
    assert_fits(phone, "search")
    phone.goto(f"{live_server.url}/queue/dismissed/")
    assert_fits(phone, "dismissed")
    assert_touchable(phone, "#dismissed button.restore")
    phone.goto(f"{live_server.url}/stories/{night['event'].pk}/")
    assert_fits(phone, "story")
    assert phone.goto(f"{live_server.url}/cases/999999/").status == 404
    assert_fits(phone, "404")


def test_section_staff_records_a_response_on_a_phone(phone, live_server, night):
    case = night["case"]
    login(phone, live_server, "lawyer_staff")
    assert phone.url.endswith("/cases/")
    assert_fits(phone, "staff-board")
    with phone.expect_navigation():
        phone.locator(".case-card", has_text=case.number).tap()
    assert_fits(phone, "staff-case")
    form = phone.locator("#response-form")
    form.locator("textarea[name=text]").fill("市司法局已关注网传情况，已责成县司法局核查值班脱岗问题，并将及时公布处理结果。")
    form.locator("input[name=channel]").fill("官方微博")
    assert_touchable(phone, "#response-form button[type=submit]")
    assert_touchable(phone, "#close-form button[type=submit]")
    with phone.expect_navigation():
        form.locator("button[type=submit]").tap()
    assert "已记录" in phone.content()
    assert_fits(phone, "staff-case-responded")
    with phone.expect_navigation():
        phone.locator("section.card a", has_text=night["copies"][0].title[:12]).first.tap()
    assert "（只读）" in phone.content()
    assert_fits(phone, "staff-item")
    open_nav(phone, "本科室案件")
    assert phone.url.endswith("/cases/")


def test_leader_signs_off_on_a_phone(phone, live_server, night, users, bureau):
    case = make_case(bureau, level="II", section="lawyers", title="网传某律所律师卷款失联 多名当事人报警")
    m.Level.objects.filter(code="II").update(requires_signoff=True)
    from response.services import signoff

    casework.record_consultation(case, None, held_at=timezone.now(), participants="局领导、办公室、律师工作科",
                                 conclusion="先发布权威信息", agreed_wording="已立案调查，依法处理")
    with transaction.atomic():
        signoff.submit(case, users["lawyer_staff"], kind="first_statement", text="市司法局已关注网传情况，已立案调查。",
                       channel="官方微博", approver=users["leader"])
    login(phone, live_server, "leader")
    assert_fits(phone, "leader-dashboard")
    open_nav(phone, "回应审核")
    assert_fits(phone, "signoffs")
    assert_touchable(phone, "#pending-signoffs button[value=approve]")
    assert phone.goto(f"{live_server.url}/reports/").status == 200
    assert_fits(phone, "reports")


def test_office_digest_preview_on_a_phone(phone, live_server, night):
    login(phone, live_server, "office")
    open_nav(phone, "周报预览")
    assert_fits(phone, "digest")


def test_without_javascript_the_menu_simply_wraps(browser, live_server, night):  # noqa: F811
    context = browser.new_context(viewport={"width": WIDTH, "height": 844}, is_mobile=True, has_touch=True,
                                  java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    try:
        login(page, live_server, "duty")
        assert page.locator("header.top .menu-toggle").is_hidden()
        for label in ("研判队列", "案件", "统计与源健康", "全局搜索"):
            assert_touchable(page, f'header.top nav a:has-text("{label}")')
        assert_touchable(page, ".logout button")
        assert_fits(page, "queue-nojs")
    finally:
        context.close()


def test_desktop_queue_keeps_its_table(desktop, live_server, night):
    login(desktop, live_server, "duty")
    queue = desktop.locator("#queue")
    assert queue.evaluate("t => getComputedStyle(t).display") == "table"
    assert desktop.locator("#queue thead th").first.is_visible()
    assert desktop.locator("#queue thead th").count() == 9
    assert desktop.locator(".keys").is_visible()
    assert desktop.locator("header.top nav").is_visible()
    assert desktop.locator("header.top .menu-toggle").is_hidden()
    row = desktop.locator(f'#queue tr[data-id="{night["urgent"].pk}"]')
    assert row.evaluate("r => getComputedStyle(r).display") == "table-row"
    assert row.bounding_box()["height"] < 200  # one line per cell group, not a stacked card
    shot(desktop, "phone-desktop-queue")
    for name, path in (("item", f"/mentions/{night['urgent'].pk}/"), ("case", f"/cases/{night['case'].pk}/"),
                       ("board", "/cases/"), ("dashboard", "/dashboard/")):
        desktop.goto(f"{live_server.url}{path}")
        desktop.wait_for_load_state("networkidle")
        shot(desktop, f"phone-desktop-{name}")
    assert ARTIFACTS.joinpath("phone-desktop-queue.png").exists()
