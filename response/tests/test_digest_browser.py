"""Render the digest preview in headless chromium and keep a PNG for people to look at."""
from __future__ import annotations

from pathlib import Path

import pytest

from response.services import digest
from response.tests.test_digest_gather import WEEK, seed_week

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
def test_preview_renders_in_chromium(bureau, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("chromium is not installed at /usr/bin/chromium")
    seed_week(bureau)
    html = digest.preview(WEEK.label, "bureau").preview_html()
    page_file = tmp_path / "digest.html"
    page_file.write_text(html, encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "digest.png"
    requests: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 720, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            chart = page.locator("img")
            # The chart decoded (a broken data: URI has naturalWidth 0) and fits the 640px layout.
            assert chart.evaluate("i => i.complete && i.naturalWidth") >= 1000
            assert chart.bounding_box()["width"] <= 600
            assert page.locator("table").first.bounding_box()["width"] <= 720
            assert "本周监测到相关舆情 8 条" in page.inner_text("body")
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert shot.stat().st_size > 20_000
