"""The duty screens in a real headless chromium (Playwright) against a live test server.

Screenshots of the queue, an item, a case and the dashboard land in test-artifacts/ for review.
"""
from __future__ import annotations

import gzip
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from response import models as m
from response.tests.factories import CaseFactory, SourceFactory
from response.tests.test_views_support import (  # noqa: F401 (autouse)
    event_with_copies,
    flagged_mention,
    fresh_dashboard_cache,
    people,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run",
        # The in-page alert's beep plays without a click, so tests can count it.
        "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread for the module's lifetime; the ORM
    # calls in test bodies and in database teardown are still plain synchronous code, so Django's
    # async-safety guard must stand aside until the browser is gone.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            yield b
            b.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    pg.dialogs = []  # every alert/confirm the page raises, for the XSS checks

    def on_dialog(dialog):
        pg.dialogs.append((dialog.type, dialog.message))
        dialog.accept() if dialog.type == "confirm" else dialog.dismiss()

    pg.on("dialog", on_dialog)
    yield pg
    context.close()


@pytest.fixture
def users(bureau):
    return people(bureau)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    assert "登录" in page.title()
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-1234")
    with page.expect_navigation():
        page.click("button[type=submit]")


def logout(page) -> None:
    page.click(".logout button")
    page.wait_for_url("**/login/")


def test_duty_confirms_section_responds_and_closes_other_section_cannot_see(page, live_server, users, bureau):
    event, copies = event_with_copies(bureau, 3)
    flagged_mention(bureau, title="司法所开展人民调解宣传活动", text="基层司法所调解员走进社区开展宣传。", urgency=35,
                    level="IV", section="grassroots", plan="人民调解", terms=("调解",), sentiment="neutral")
    SourceFactory(slug="wx", name="司法局公众号", kind=m.Source.Kind.WECHAT, blind_reason="触发验证码，无法采集")

    login(page, live_server, "duty")
    assert page.url.endswith("/queue/")
    assert page.locator("#queue tbody tr[data-id]").count() == 4
    shot(page, "queue")

    page.fill("#q", "举证期限")
    with page.expect_navigation():
        page.press("#q", "Enter")
    assert page.locator("#queue tbody tr[data-id]").count() == 3
    page.keyboard.press("j")
    page.keyboard.press("o")
    page.wait_for_url("**/mentions/*/")
    assert page.locator("mark.kw").first.inner_text() in ("律师事务所", "律师")
    assert "同一事件的其他转载" in page.content()
    shot(page, "item")

    page.keyboard.press("c")
    dialog = page.locator("#confirm-dialog")
    assert dialog.is_visible()
    assert page.input_value("#confirm-dialog select[name=section]") == "lawyers"
    assert page.input_value("#confirm-dialog select[name=level]") == "II"
    page.select_option("#confirm-dialog select[name=level]", "III")  # the officer downgrades the level
    with page.expect_navigation():
        page.click("#confirm-dialog button.primary")
    page.wait_for_url("**/cases/*/")
    case = m.Case.objects.get()
    assert case.level.code == "III" and case.mentions.count() == 3 and "已确认并立案" in page.content()
    logout(page)

    login(page, live_server, "lawyer_staff")
    assert page.url.endswith("/cases/")
    with page.expect_navigation():
        page.click(f"text={case.number}")
    page.wait_for_url(f"**/cases/{case.pk}/")
    page.fill("#response-form textarea[name=text]", "市司法局已约谈该律师事务所，责令其退还律师费并整改。")
    page.fill("#response-form input[name=channel]", "官方网站")
    page.fill("#response-form input[name=link]", "https://sfj.example.gov.cn/news/2026/1.html")
    with page.expect_navigation():
        page.click("#response-form button[type=submit]")
    assert "已记录回应" in page.content()
    page.fill("#close-form textarea[name=summary]", "已回应，律所已退费，当事人满意。")
    with page.expect_navigation():
        page.click("#close-form button[type=submit]")  # confirm() accepted by the dialog handler
    assert "案件已办结" in page.content() and ("confirm", "确定办结本案件？办结后记录不可修改，需重新打开方可补充。") in page.dialogs
    shot(page, "case")
    case.refresh_from_db()
    assert case.state == m.Case.State.CLOSED
    logout(page)

    login(page, live_server, "notary_staff")
    assert case.number not in page.content()
    response = page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert response.status == 404


def test_keyboard_dismiss_and_new_items_without_reload(page, live_server, users, bureau):
    first = flagged_mention(bureau, urgency=80, level="II")
    second = flagged_mention(bureau, title="网传某公证处办证难 群众排队数小时", text="市民反映公证处窗口少，排队数小时。",
                             urgency=60, level="III", section="notary", plan="律师公证", terms=("公证处",))
    late = flagged_mention(bureau, title="律师事务所收费争议 入库后才完成研判", flagged=False, analysed_at=None,
                           urgency=0, level="")
    login(page, live_server, "duty")
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.locator("tr.sel").get_attribute("data-id") == str(second.pk)
    page.keyboard.press("d")
    page.fill("#dismiss-dialog input[name=reason]", "已处置的旧闻")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(f'tr[data-id="{second.pk}"]').count() == 0 and "已排除" in page.content()
    second.refresh_from_db()
    assert second.review == m.Mention.Review.DISMISSED and second.dismiss_reason == "已处置的旧闻"

    newcomer = flagged_mention(bureau, title="社区矫正对象脱管 司法所连夜寻找", text="某司法所一名社区矫正对象脱管。",
                               urgency=90, level="I", section="corrections", plan="社区矫正", terms=("社区矫正",))
    # Stored before the page loaded, judged (and so flagged) only now: its id is below the page's.
    m.Mention.objects.filter(pk=late.pk).update(flagged=True, analysed_at=timezone.now(), urgency=70, level="II")
    added = page.evaluate("window.yuqing.poll()")
    assert added == 2
    row = page.locator(f'tr[data-id="{newcomer.pk}"]')
    assert row.is_visible() and "new" in row.get_attribute("class") and "新到 2 条" in page.inner_text("#new-items")
    assert page.locator(f'tr[data-id="{late.pk}"]').is_visible()
    assert page.evaluate("window.yuqing.poll()") == 0
    assert page.locator(f'tr[data-id="{first.pk}"]').count() == 1


def test_hostile_crawled_text_runs_nothing_in_the_browser(page, live_server, users, bureau):
    script, img = "<script>alert('xss')</script>", '<img src=x onerror="alert(1)">'
    source = SourceFactory(slug="evil", name=f"{img}恶意站", blind_reason=f"{script}")
    mention = flagged_mention(bureau, title=f"{script}律师事务所乱收费{img}", text=f"律师{img}<a href=\"javascript:alert(2)\">x</a>",
                              source=source, url="javascript:alert(3)", origin=img, terms=("律师", "script"))
    mention.raw_gz = gzip.compress(f"<html><body>{script}{img}<h1>快照</h1></body></html>".encode())
    mention.save()
    case = CaseFactory(title=f"{script}{img}", section=bureau["lawyers"])
    case.mentions.add(mention)
    m.SpikeAlert.objects.create(plan=img, hour=timezone.now(), observed=9, expected=1.0, p_value=1e-4,
                                explanation=script)

    login(page, live_server, "duty")
    for path in ("/queue/", f"/mentions/{mention.pk}/", f"/cases/{case.pk}/", "/dashboard/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        # Only our own static scripts (app.js, alerts.js, …): nothing the crawled text brought in.
        srcs = page.evaluate("Array.from(document.scripts).map(s => s.getAttribute('src') || '')")
        assert srcs and all(src.startswith("/static/response/") and src.endswith(".js") for src in srcs)
        assert page.locator("img").count() == 0
    page.goto(f"{live_server.url}/mentions/{mention.pk}/")
    page.click("details.snapshot summary")
    frame = page.frame_locator("details.snapshot iframe")
    frame.locator("h1").wait_for()
    page.click("a.orig")  # the crawled javascript: link was neutralised to '#'
    page.wait_for_timeout(300)
    assert page.dialogs == []
    shot(page, "item-hostile")


def test_dashboard_flags_blind_sources(page, live_server, users, bureau):
    flagged_mention(bureau)
    SourceFactory(slug="wx", name="司法局公众号", kind=m.Source.Kind.WECHAT, blind_reason="触发验证码，无法采集",
                  blind_since=timezone.now())
    SourceFactory(slug="dnw", name="东南网", last_success_at=timezone.now(), last_item_count=12)
    m.SpikeAlert.objects.create(plan="律师公证", hour=timezone.now(), observed=40, expected=3.2, p_value=1e-6,
                                explanation="律师公证方案本小时 40 条，远高于常态 3.2 条")
    login(page, live_server, "leader")
    assert page.url.endswith("/dashboard/")
    alert = page.locator(".alert")
    assert alert.is_visible() and "司法局公众号" in alert.inner_text()
    assert page.locator("svg.chart rect").count() >= 1
    shot(page, "dashboard")


def test_section_asks_for_an_extension_and_the_office_approves_it(page, live_server, users, bureau):
    mention = flagged_mention(bureau)
    case = CaseFactory(title="市民投诉某律师事务所收费后不作为", section=bureau["lawyers"])
    case.mentions.add(mention)
    start = timezone.now()
    clock = m.CaseClock.objects.create(case=case, clock="response", started_at=start,
                                       due_at=start + timedelta(hours=20))
    login(page, live_server, "lawyer_staff")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.click("details.ext-request summary")
    page.select_option("#extension-form select[name=unit]", "hours")
    page.fill("#extension-form input[name=amount]", "6")
    page.fill("#extension-form textarea[name=reason]", "需等待律师协会调查结论后再行回应")
    with page.expect_navigation():
        page.click("#extension-form button[type=submit]")
    assert "待办公室或分管领导审批" in page.content()
    with page.expect_navigation():  # the item page opens read-only for the owning section
        page.click(f"text={mention.title[:20]}")
    assert "（只读）" in page.content() and page.locator("[data-action=confirm]").count() == 0
    logout(page)

    login(page, live_server, "office")
    page.goto(f"{live_server.url}/cases/")
    assert "1 条延期申请待您审批" in page.content()
    with page.expect_navigation():
        page.click(f"text={case.number}")
    shot(page, "case-extension-pending")
    page.fill(".ext input[name=note]", "同意")
    with page.expect_navigation():
        page.click(".ext button[value=approve]")
    clock.refresh_from_db()
    assert clock.due_at == start + timedelta(hours=26)
    assert "新的到期时间为" in page.content() and page.locator(".ext").count() == 0
    page.click("details.ext-history summary")
    shot(page, "case-extension")


def test_major_case_two_acts_filed_read_only_and_reopened(page, live_server, users, bureau):
    """首次发布 and 新闻发布会 are recorded as two acts; a filed case offers only an audited reopen."""
    from response.services import casework
    from response.tests.mechanism import make_case

    m.Level.objects.filter(code="II").update(requires_signoff=False)  # sign-off: test_browser_casework.py
    case = make_case(bureau, level="II", section="lawyers", title="网传某律所律师卷款失联 多名当事人报警")
    casework.record_consultation(case, None, held_at=timezone.now(), participants="局领导、办公室、律师工作科",
                                 conclusion="先发布权威信息，再召开新闻发布会", agreed_wording="已立案调查，依法处理")
    login(page, live_server, "lawyer_staff")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    form = page.locator("#response-form")
    assert form.locator("select[name=kind]").input_value() == "first_statement"  # owed first
    form.locator("textarea[name=text]").fill("市司法局已关注网传情况，已立案调查。")
    form.locator("input[name=channel]").fill("官方微博")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "已记录首次发布权威信息" in page.content()
    case.refresh_from_db()
    assert case.state == m.Case.State.HANDLING
    page.locator("#response-form").locator("xpath=ancestor::details").first.evaluate("d => d.open = true")
    form = page.locator("#response-form")
    form.locator("select[name=kind]").select_option("response")
    form.locator("textarea[name=text]").fill("新闻发布会：通报律所负责人已到案，当事人权益保障措施。")
    form.locator("input[name=channel]").fill("新闻发布会")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    case.refresh_from_db()
    assert case.state == m.Case.State.RESPONDED
    assert list(case.responses.values_list("kind", flat=True)) == ["first_statement", "response"]
    page.fill("#close-form textarea[name=summary]", "律所负责人到案，退赔方案已公布。")
    with page.expect_navigation():
        page.click("#close-form button[type=submit]")
    assert page.locator("#response-form").count() == 0 and page.locator("#close-form").count() == 0
    assert "已办结案件的记录不可修改" in page.content()
    page.click("text=重新打开")
    page.fill("#reopen-form textarea[name=reason]", "当事人反映退赔未到位")
    with page.expect_navigation():
        page.click("#reopen-form button[type=submit]")
    assert "案件已重新打开" in page.content()
    case.refresh_from_db()
    assert case.state == m.Case.State.HANDLING and case.clocks.get(clock="closure").stopped_at is None
    shot(page, "case-reopened")
