"""Queue tools in a real headless chromium: select + bulk dismiss + restore, keyboard x, the alert
badge on a new level I item, the header count after a live update, the self-refreshing board."""
from __future__ import annotations

import pytest

from response import models as m
from response.tests.factories import CaseFactory
from response.tests.test_browser import browser, login, shot  # noqa: F401 (the shared chromium fixture)
from response.tests.test_views_support import (  # noqa: F401 (autouse)
    flagged_mention,
    fresh_dashboard_cache,
    people,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Records what the page asks of the Notification and Web Audio APIs, with permission granted, so
# the test sees the notification and the beep a duty officer would get.
SPY = """
window.__notes = [];
window.__tones = 0;
(function () {
  function FakeNotification(title, opts) { window.__notes.push({ title: title, body: (opts || {}).body }); }
  FakeNotification.permission = 'granted';
  FakeNotification.requestPermission = function () { return Promise.resolve('granted'); };
  window.Notification = FakeNotification;
  var start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function () { window.__tones++; return start.apply(this, arguments); };
})();
"""


@pytest.fixture
def page(browser):  # noqa: F811 (the imported fixture)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.add_init_script(SPY)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    pg.dialogs = []

    def on_dialog(dialog):
        pg.dialogs.append((dialog.type, dialog.message))
        dialog.accept() if dialog.type == "confirm" else dialog.dismiss()

    pg.on("dialog", on_dialog)
    yield pg
    context.close()


@pytest.fixture
def users(bureau):
    return people(bureau)


def items(bureau):
    return [
        flagged_mention(bureau, title="网传某律师事务所收费后不作为", urgency=80, level="II"),
        flagged_mention(bureau, title="某公证处窗口排长队 群众反映办证难", text="市民反映公证处窗口少，排队数小时。",
                        urgency=60, level="III", section="notary", plan="律师公证", terms=("公证处",)),
        flagged_mention(bureau, title="司法所开展人民调解宣传活动", text="基层司法所调解员走进社区开展宣传。",
                        urgency=35, level="IV", section="grassroots", plan="人民调解", terms=("调解",)),
    ]


def test_select_with_mouse_and_x_bulk_dismiss_then_restore(page, live_server, users, bureau):
    first, second, third = items(bureau)
    login(page, live_server, "duty")
    assert page.locator("#bulk-bar [data-bulk-open=dismiss]").is_disabled()
    page.check(f'tr[data-id="{first.pk}"] .pick-box')
    # Ticking a row also selects it; keyboard: j to the next row, x to tick it.
    assert page.locator("tr.sel").get_attribute("data-id") == str(first.pk)
    page.keyboard.press("j")
    assert page.locator("tr.sel").get_attribute("data-id") == str(second.pk)
    page.keyboard.press("x")
    assert page.locator(f'tr[data-id="{second.pk}"] .pick-box').is_checked()
    assert page.inner_text("#bulk-status") == "已勾选 2 条"
    assert page.evaluate("window.yuqing.picked()") == [str(first.pk), str(second.pk)]
    page.keyboard.press("x")  # x again unticks
    assert not page.locator(f'tr[data-id="{second.pk}"] .pick-box').is_checked()
    page.keyboard.press("x")
    shot(page, "queue-bulk-selected")

    page.click("#bulk-bar [data-bulk-open=dismiss]")
    dialog = page.locator("#bulk-dismiss-dialog")
    assert dialog.is_visible() and "已勾选 2 条" in dialog.inner_text()
    page.fill("#bulk-dismiss-dialog input[name=reason]", "广告或垃圾信息")
    with page.expect_navigation():
        page.click("#bulk-dismiss-dialog button[type=submit]")
    assert "已排除 2 条" in page.inner_text(".messages")
    assert page.locator("#queue tbody tr[data-id]").count() == 1
    assert page.inner_text("#queue-count").startswith("1 条")
    assert m.AuditEntry.objects.filter(action="review", new="已排除", note="广告或垃圾信息").count() == 2

    with page.expect_navigation():
        page.click("text=已排除列表")
    assert page.locator("#dismissed tbody tr[data-id]").count() == 2
    with page.expect_navigation():
        page.click(f'#dismissed tr[data-id="{second.pk}"] button.restore')
    assert page.dialogs and page.dialogs[-1][0] == "confirm"
    assert "已恢复到研判队列" in page.inner_text(".messages")
    assert page.locator("#dismissed tbody tr[data-id]").count() == 1
    second.refresh_from_db()
    assert second.review == m.Mention.Review.PENDING
    assert m.AuditEntry.objects.filter(action="restore", object_id=str(second.pk)).count() == 1
    page.goto(f"{live_server.url}/queue/")
    assert page.locator(f'tr[data-id="{second.pk}"]').is_visible()


def test_select_page_then_every_match_and_merge_into_one_case(page, live_server, users, bureau):
    first, second, third = items(bureau)
    login(page, live_server, "duty")
    page.check("#pick-page")
    assert page.inner_text("#bulk-status") == "已勾选 3 条"
    # All matching rows fit on the page: no offer to select beyond it.
    assert page.locator("#bulk-all").is_hidden()
    page.click("#bulk-bar [data-bulk-open=merge]")
    page.select_option("#bulk-merge-dialog select[name=section]", "lawyers")
    with page.expect_navigation():
        page.click("#bulk-merge-dialog button[type=submit]")
    case = m.Case.objects.get()
    assert case.number in page.inner_text(".messages") and case.mentions.count() == 3
    assert page.locator("#queue tbody tr[data-id]").count() == 0


def test_new_level_i_item_raises_badge_sound_and_notification(page, live_server, users, bureau):
    items(bureau)
    login(page, live_server, "duty")
    page.evaluate("window.yuqingAlerts.poll()")  # the page's cursor, as the timer would set it
    bell = page.locator("#alert-bell")
    assert bell.is_visible() and bell.locator(".alert-count").inner_text() == ""
    urgent = flagged_mention(bureau, title="社区矫正对象脱管 司法所连夜寻找", text="某司法所一名社区矫正对象脱管。",
                             urgency=92, level="I", section="corrections", plan="社区矫正", terms=("社区矫正",))
    assert page.evaluate("window.yuqingAlerts.poll()") == 1
    assert bell.locator(".alert-count").inner_text() == "1" and "has-unread" in bell.get_attribute("class")
    assert page.evaluate("window.__tones") == 2  # the two-tone beep
    notes = page.evaluate("window.__notes")
    assert notes[0]["title"] == "新I级舆情：社区矫正对象脱管 司法所连夜寻找"
    shot(page, "alert-badge")
    page.click("#alert-bell")
    panel = page.locator("#alert-panel")
    assert panel.is_visible() and "社区矫正对象脱管" in panel.inner_text()
    assert bell.locator(".alert-count").inner_text() == ""
    # The badge survives moving to another page (the same tab keeps its alerts).
    with page.expect_navigation():
        page.click(f'#alert-panel a[href="/mentions/{urgent.pk}/"]')
    assert page.url.endswith(f"/mentions/{urgent.pk}/")
    assert page.evaluate("window.yuqingAlerts.poll()") == 0


def test_header_count_follows_live_updates_and_the_search(page, live_server, users, bureau):
    items(bureau)
    login(page, live_server, "duty")
    assert page.inner_text("#queue-count") == "3 条待研判"
    flagged_mention(bureau, title="律师执业证被冒用 当事人报警", urgency=70, level="II")
    flagged_mention(bureau, title="公证处被指乱收费", text="网友称公证处收费不透明。", urgency=65, level="III",
                    section="notary", plan="律师公证", terms=("公证处",))
    assert page.evaluate("window.yuqing.poll()") == 2
    assert page.inner_text("#queue-count") == "5 条待研判"

    page.fill("#q", "公证处")
    with page.expect_navigation():
        page.press("#q", "Enter")
    assert page.locator("#queue tbody tr[data-id]").count() == 2
    assert page.inner_text("#queue-count") == "2 条符合筛选待研判"
    flagged_mention(bureau, title="公证处办事指南更新后仍难查询", text="公证处网站信息陈旧。", urgency=45, level="IV",
                    section="notary", plan="律师公证", terms=("公证处",))
    flagged_mention(bureau, title="律师工作科约谈涉事律所", urgency=50, level="III")
    assert page.evaluate("window.yuqing.poll()") == 1
    assert page.inner_text("#queue-count") == "3 条符合筛选待研判"
    assert page.locator("#queue tbody tr[data-id]").count() == 3


def test_case_board_refreshes_itself(page, live_server, users, bureau):
    CaseFactory(title="律师事务所收费争议", section=bureau["lawyers"])
    login(page, live_server, "lawyer_staff")
    assert page.url.endswith("/cases/")
    assert page.locator("#alert-bell").count() == 0  # alerts are the duty officers'
    fresh = CaseFactory(title="律师违规会见当事人 网上热议", section=bureau["lawyers"])
    assert fresh.number not in page.inner_text(".board")
    assert page.evaluate("window.yuqingAlerts.refreshBoard()") is True
    assert fresh.number in page.inner_text(".board")


def test_office_searches_saves_the_filter_and_previews_the_digest(page, live_server, users, bureau):
    first, second, _ = items(bureau)
    from response.services import casework

    casework.dismiss_mention(second, users["duty"], "与本单位无关")
    login(page, live_server, "office")
    with page.expect_navigation():
        page.click("header nav >> text=全局搜索")
    page.fill("input[name=q]", "公证处")
    with page.expect_navigation():
        page.click(".search-form button[type=submit]")
    rows = page.locator("#mention-results tbody tr[data-id]")
    assert rows.count() == 1 and "已排除" in rows.first.inner_text() and "与本单位无关" in rows.first.inner_text()
    page.fill(".save-filter input[name=name]", "公证投诉")
    with page.expect_navigation():
        page.click(".save-filter button[type=submit]")
    assert "已保存筛选“公证投诉”" in page.inner_text(".messages")
    assert page.locator(".saved-filters a", has_text="公证投诉").is_visible()
    shot(page, "search")
    with page.expect_navigation():
        page.click("header nav >> text=周报预览")
    assert "舆情周报" in page.inner_text(".head")
    frame = page.frame_locator("iframe.digest-frame")
    assert "舆情周报" in frame.locator("body").inner_text()
    shot(page, "digest-preview")
