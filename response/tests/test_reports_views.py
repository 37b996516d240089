"""Report downloads, the period form and 下一步建议 in the web UI: who gets what (404 for others)."""
from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document as read_docx
from freezegun import freeze_time
from pypdf import PdfReader

from response import models as m
from response.tests.test_reports_support import REPORT_AT, seed_case
from response.tests.test_views_support import fresh_dashboard_cache, people  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(bureau):
    users = people(bureau)
    head = users["notary_staff"]
    bureau["notary"].head = head
    bureau["notary"].save(update_fields=["head"])
    return users


@pytest.fixture
def seeded(bureau):
    return seed_case(bureau)


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["office", "leader", "duty"])
def test_bureau_viewers_download_the_case_report_in_both_formats(client, users, seeded, who):
    login(client, users[who])
    with freeze_time(REPORT_AT):
        docx = client.get(reverse("case_report", args=[seeded.case.pk, "docx"]))
        pdf = client.get(reverse("case_report", args=[seeded.case.pk, "pdf"]))
    assert docx.status_code == 200 and pdf.status_code == 200
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in docx["Content-Disposition"] and seeded.case.number in docx["Content-Disposition"]
    assert docx["Cache-Control"] == "no-store"
    doc = read_docx(io.BytesIO(docx.content))
    assert any(p.text == "二、传播情况" for p in doc.paragraphs)
    assert "三、舆情研判" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)


def test_other_sections_get_404_for_the_case_report_and_unknown_format_is_404(client, users, seeded):
    login(client, users["lawyer_staff"])  # 律师工作科; the case is 基层工作科's
    assert client.get(reverse("case_report", args=[seeded.case.pk, "pdf"])).status_code == 404
    login(client, users["office"])
    assert client.get(reverse("case_report", args=[seeded.case.pk, "odt"])).status_code == 404


def test_case_page_links_reports_and_story_and_office_edits_next_steps(client, users, seeded):
    login(client, users["office"])
    page = client.get(reverse("case", args=[seeded.case.pk])).content.decode()
    assert reverse("case_report", args=[seeded.case.pk, "docx"]) in page
    assert reverse("story", args=[seeded.event.pk]) in page
    assert 'name="next_steps"' in page
    response = client.post(reverse("case_next_steps", args=[seeded.case.pk]), {"next_steps": "  请法治宣传科准备答问口径。 "})
    assert response.status_code == 302
    seeded.case.refresh_from_db()
    assert seeded.case.next_steps == "请法治宣传科准备答问口径。"
    entry = m.AuditEntry.objects.filter(case=seeded.case, action="next_steps").get()
    assert entry.new == "请法治宣传科准备答问口径。" and "持续关注" in entry.old
    assert "填写下一步建议" in client.get(reverse("case", args=[seeded.case.pk])).content.decode()


def test_leader_reads_next_steps_but_cannot_write_them(client, users, seeded):
    login(client, users["leader"])
    page = client.get(reverse("case", args=[seeded.case.pk])).content.decode()
    assert 'name="next_steps"' not in page and "持续关注相关报道" in page
    assert client.post(reverse("case_next_steps", args=[seeded.case.pk]), {"next_steps": "改"}).status_code == 403
    login(client, users["lawyer_staff"])
    assert client.post(reverse("case_next_steps", args=[seeded.case.pk]), {"next_steps": "改"}).status_code == 404
    seeded.case.refresh_from_db()
    assert seeded.case.next_steps.startswith("一、持续关注")


def test_period_reports_bureau_for_leaders_own_section_for_heads(client, users, seeded):
    url = reverse("report_period", args=["docx"])
    week = {"from": "2026-11-16", "to": "2026-11-22"}
    login(client, users["leader"])
    with freeze_time(REPORT_AT):
        response = client.get(url, week)
    assert response.status_code == 200
    doc = read_docx(io.BytesIO(response.content))
    assert doc.paragraphs[0].text == "舆情周报"
    assert client.get(reverse("report_period_form")).status_code == 200

    login(client, users["notary_staff"])  # head of 公证工作科
    form = client.get(reverse("report_period_form")).content.decode()
    assert 'value="notary"' in form and 'value="lawyers"' not in form and ">全局<" not in form
    with freeze_time(REPORT_AT):
        own = client.get(reverse("report_period", args=["pdf"]), {**week, "section": "notary"})
    assert own.status_code == 200 and "公证工作科" in PdfReader(io.BytesIO(own.content)).pages[0].extract_text()
    assert client.get(url, week).status_code == 404  # the bureau's report
    assert client.get(url, {**week, "section": "grassroots"}).status_code == 404

    login(client, users["lawyer_staff"])  # staff, not a head
    assert client.get(reverse("report_period_form")).status_code == 404
    assert client.get(url, {**week, "section": "lawyers"}).status_code == 404


def test_period_report_rejects_bad_dates(client, users):
    login(client, users["office"])
    response = client.get(reverse("report_period", args=["pdf"]), {"from": "2026-11-30", "to": "2026-11-01"})
    assert response.status_code == 302 and response["Location"] == reverse("report_period_form")
    response = client.get(reverse("report_period", args=["pdf"]), {"from": "2025-01-01", "to": "2026-12-31"})
    assert response.status_code == 302
