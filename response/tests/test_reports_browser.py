"""In a real headless chromium: the office opens a case, reads its story, downloads the 舆情专报 as
DOCX and PDF, and a leader downloads a period report from the dashboard's report page."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from docx import Document as read_docx
from pypdf import PdfReader

from response.tests.test_reports_support import TITLE, seed_case
from response.tests.test_views_support import fresh_dashboard_cache, people  # noqa: F401 (autouse)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    # As in test_browser.py: Playwright's sync API keeps an event loop on this thread, the ORM
    # calls in the test bodies are still synchronous, so Django's async guard must stand aside.
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
                                  timezone_id="Asia/Shanghai", accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-1234")
    with page.expect_navigation():
        page.click("button[type=submit]")


def download(page, selector: str) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    return Path(info.value.path()).read_bytes()


def test_office_downloads_the_case_report_as_docx_and_pdf(page, live_server, bureau):
    people(bureau)
    seeded = seed_case(bureau)
    login(page, live_server, "office")
    page.goto(f"{live_server.url}/cases/{seeded.case.pk}/")
    docx = read_docx(io.BytesIO(download(page, "#report-docx")))
    assert any(p.text == "五、下一步建议" for p in docx.paragraphs) and len(docx.inline_shapes) == 1
    pdf = PdfReader(io.BytesIO(download(page, "#report-pdf")))
    assert "二、传播情况" in "".join(p.extract_text() for p in pdf.pages)

    page.click("text=传播情况")
    page.wait_for_url("**/stories/*/")
    assert TITLE in page.locator("h1").inner_text()
    assert page.locator("img.chart").count() == 2
    # The chart really is an image the browser decoded, not a broken placeholder.
    assert page.eval_on_selector("#spread img.chart", "img => img.naturalWidth") >= 1000
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "story.png"), full_page=True)


def test_leader_downloads_a_period_report_from_the_dashboard(page, live_server, bureau):
    people(bureau)
    seed_case(bureau)
    login(page, live_server, "leader")
    page.goto(f"{live_server.url}/dashboard/")
    page.click("a.report-link")
    page.wait_for_url("**/reports/")
    page.fill("input[name=from]", "2026-11-16")
    page.fill("input[name=to]", "2026-11-22")
    docx = read_docx(io.BytesIO(download(page, "button:has-text('下载 DOCX')")))
    assert docx.paragraphs[0].text == "舆情周报"
    pdf = PdfReader(io.BytesIO(download(page, "button:has-text('下载 PDF')")))
    assert "重点舆情" in "".join(p.extract_text() for p in pdf.pages)
