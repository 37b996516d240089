"""In a real headless chromium: the office opens a case, reads its story, downloads the 舆情专报 as
DOCX and PDF, and a leader downloads a period report from the dashboard's report page."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document as read_docx
from pypdf import PdfReader

from response.tests.test_browser import browser, login  # noqa: F401 (the shared chromium fixture)
from response.tests.test_reports_support import TITLE, seed_case
from response.tests.test_views_support import fresh_dashboard_cache, people  # noqa: F401 (autouse)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def page(browser):  # noqa: F811 (the imported fixture)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


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
