"""The 舆情专报 and period reports, generated from a seeded case record and read back: python-docx
for headings, tables and the chart image; pypdf for Chinese text, embedded fonts and the image."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from docx import Document as read_docx
from freezegun import freeze_time
from pypdf import PdfReader

from response import models as m
from response.services import reports
from response.services.reports.story import case_spread
from response.tests.test_reports_support import (
    FIRST_AT,
    NEXT_STEPS,
    REPORT_AT,
    TITLE,
    seed_case,
    seed_year,
)

pytestmark = pytest.mark.django_db

# The generated documents land here for a human look (rendered to PNG in review).
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CASE_HEADINGS = ["一、基本情况", "二、传播情况", "三、舆情研判", "四、处置情况", "五、下一步建议"]


@pytest.fixture
def seeded(bureau):
    return seed_case(bureau)


@pytest.fixture
def case_doc(seeded):
    with freeze_time(REPORT_AT):
        return reports.case_document(seeded.case)


def docx_text(data: bytes):
    doc = read_docx(io.BytesIO(data))
    return doc, "\n".join(p.text for p in doc.paragraphs)


def pdf_fonts(reader: PdfReader) -> list[tuple[str, bool]]:
    """(font name, embedded?) for every font on every page; a CID font's file hangs off its descendant."""
    out = []
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descriptor_owner = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descriptor_owner.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            out.append((str(font.get("/BaseFont")), embedded))
    return out


def test_spread_counts_copies_by_reach_first_publisher_and_peak(seeded):
    spread = case_spread(seeded.case)
    assert spread.first.publisher == "闽南日报" and spread.first.at == FIRST_AT
    # A syndicated copy is credited to the outlet it names (福建日报 via 东南网).
    assert [(label, n) for label, n, _ in spread.by_reach] == [
        ("国家级", 1), ("省级", 2), ("市级", 1), ("县级", 1), ("自媒体", 2)]
    assert spread.outlets[0].name == "人民网"
    assert {o.name for o in spread.outlets} == {"人民网", "东南网", "福建日报", "闽南日报", "芗城融媒", "漳州身边事"}
    assert spread.unit == "小时" and len(spread.buckets) == 8  # 08时 … 15时
    assert spread.peak_label() == "11月20日10时（2条）"
    assert spread.places == ["芗城区"]
    assert spread.reasons[1] == "国家级媒体人民网已转载" and spread.max_urgency == 78
    assert sum(sum(v) for _, v, _ in spread.reach_series()) == 7


def test_case_report_docx_has_sections_table_chart_and_office_marks(case_doc, seeded):
    data = reports.render(case_doc, "docx")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report-case.docx").write_bytes(data)
    doc, text = docx_text(data)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert [h for h in headings if h in CASE_HEADINGS] == CASE_HEADINGS
    title = next(p for p in doc.paragraphs if p.style.name == "Title")
    assert title.text == f"关于“{TITLE}”的舆情专报"
    assert "舆情专报" in doc.paragraphs[0].text  # the red masthead
    basics = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert basics["案件编号"] == seeded.case.number
    assert basics["首发媒体"] == "闽南日报（市级）" and basics["首发时间"] == "2026-11-20 08:00"
    assert basics["涉及属地"] == "芗城区"
    reach = [[c.text for c in row.cells] for row in doc.tables[1].rows]
    assert reach[1] == ["国家级", "1", "1"] and reach[5] == ["自媒体", "2", "1"]
    clocks = {row.cells[0].text: row.cells[4].text for row in doc.tables[-1].rows[1:]}
    # First statement 4.5 h after opening (limit 5 h): met; the press conference came after 24 h: late.
    assert clocks == {"首次发布": "按时", "回应": "超时", "办结": "进行中"}
    assert len(doc.inline_shapes) == 1 and doc.inline_shapes[0].width > 0  # the spread chart
    assert "负面4条" in text and "紧急度78/100" in text and "II级 重大" in text
    assert "会商结论：情况基本属实" in text
    for line in NEXT_STEPS.splitlines():
        assert line in text
    header = doc.sections[0].header.paragraphs[0].text
    assert "内部资料 注意保存" in header and "市司法局" in header
    footer_xml = doc.sections[0].footer._element.xml
    assert "PAGE" in footer_xml  # page number field
    body_font = doc.styles["Normal"].element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
    assert body_font == "仿宋"
    assert "2026年11月23日 09:00 生成" in text


def test_case_report_pdf_text_is_chinese_fonts_embedded_chart_is_an_image(case_doc):
    data = reports.render(case_doc, "pdf")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report-case.pdf").write_bytes(data)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    for wanted in ["舆情专报", "内部资料 注意保存", *CASE_HEADINGS, "人民网", "芗城区", "超时", "持续关注相关报道"]:
        assert wanted in text, wanted
    assert "— 1 —" in text  # page numbers
    fonts = pdf_fonts(reader)
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert any("CJK" in name for name, _ in fonts)
    # WeasyPrint shares one resource dictionary between pages: count each image object once.
    images = {img.name: img for page in reader.pages for img in page.images}
    assert len(images) == 1
    assert next(iter(images.values())).image.width >= 1000  # the chart, at 200 dpi
    assert reader.metadata.title == case_doc.title


def test_case_without_items_or_advice_says_so(bureau):
    case = m.Case.objects.create(number="YQ2026-000900", origin_key="test:bare", title="来信反映法律援助申请受理慢",
                                 channel=m.Channel.BOARD, section=bureau["legal_aid"], opened_at=REPORT_AT)
    with freeze_time(REPORT_AT):
        doc = reports.case_document(case)
    _, text = docx_text(reports.render(doc, "docx"))
    assert "不涉及网络传播" in text and "办公室尚未填写下一步建议" in text
    assert "截至本报告生成时尚未对外回应" in text


def test_year_report_ends_with_the_paragraph_the_year_end_report_quotes(seeded, bureau):
    seed_year(bureau)
    with freeze_time(REPORT_AT):
        doc = reports.period_document(date(2026, 1, 1), date(2026, 12, 31))
    assert doc.masthead == "舆情年报" and doc.title == "市司法局2026年度舆情报告"
    assert doc.headings()[-1] == "五、年度办理情况"
    paragraph = [b.text for b in doc.blocks if isinstance(b, reports.document.Paragraph)][-2]
    assert paragraph.startswith("2026年，我局共办理网上留言3件、领导信箱1件，“12345”政务平台转办的投诉咨询建议件4件")
    # The seeded story's case answered its response clock late: 0 of 1 on time; board/hotline cases
    # opened months ago with their clocks long past due count against the rate too.
    assert "回应按时率" in paragraph and "监测处置网络舆情1件" in paragraph
    data = reports.render(doc, "docx")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report-year.docx").write_bytes(data)
    docx, text = docx_text(data)
    year_table = [[c.text for c in r.cells] for r in docx.tables[-1].rows]
    assert year_table[0] == ["类别", "收到（件）", "已办理（件）"]
    assert year_table[1][:2] == ["网上留言", "3"] and year_table[3][:2] == ["12345转办件", "4"]
    assert len(docx.inline_shapes) == 2  # volume by reach, sentiment
    pdf = PdfReader(io.BytesIO(reports.render(doc, "pdf")))
    assert "“12345”政务平台转办的投诉咨询建议件4件" in "".join(p.extract_text() for p in pdf.pages).replace("\n", "")


def test_week_report_is_a_weekly_without_year_paragraph(seeded):
    with freeze_time(REPORT_AT):
        doc = reports.period_document(date(2026, 11, 16), date(2026, 11, 22))
    assert doc.masthead == "舆情周报" and "2026年第47周" in doc.title
    assert "年度办理情况" not in " ".join(doc.headings())
    volume = doc.blocks[1].text
    assert volume.startswith("2026年第47周") and "共监测到相关舆情7条，其中负面4条（占比57.1%）" in volume
    stories = next(b for b in doc.blocks if isinstance(b, reports.document.Table))
    assert stories.rows[0][1] == TITLE and stories.rows[0][2] == "7"


def test_section_report_covers_only_the_section(seeded, bureau):
    seed_year(bureau)  # those cases belong to 律师工作科
    with freeze_time(REPORT_AT):
        own = reports.period_document(date(2026, 11, 1), date(2026, 11, 30), "grassroots")
        other = reports.period_document(date(2026, 1, 1), date(2026, 12, 31), "notary")
    assert own.title == "市司法局基层工作科2026年11月舆情报告" and own.masthead == "舆情月报"
    assert "四、采集源运行情况" not in own.headings()  # the office's business
    sections = next(b for b in own.blocks if isinstance(b, reports.document.Table) and b.caption == "表4 按科室统计")
    assert sections.rows == [["基层工作科", "1"], ["合计", "1"]]
    assert "未监测到相关舆情" in other.blocks[1].text
    notary_year = [b for b in other.blocks if isinstance(b, reports.document.Paragraph)][-2].text
    assert "网上留言0件、领导信箱0件" in notary_year


def test_report_command_writes_both_formats(seeded, tmp_path):
    docx_path, pdf_path = tmp_path / "zb.docx", tmp_path / "week.pdf"
    out = io.StringIO()
    call_command("report", "case", seeded.case.number, "--format", "docx", "-o", str(docx_path), stdout=out)
    assert "已生成" in out.getvalue()
    doc, _ = docx_text(docx_path.read_bytes())
    assert any(p.text == "五、下一步建议" for p in doc.paragraphs)
    call_command("report", "period", "--from", "2026-11-16", "--to", "2026-11-22", "--format", "pdf",
                 "-o", str(pdf_path), stdout=io.StringIO())
    assert "舆情周报" in PdfReader(str(pdf_path)).pages[0].extract_text().replace(" ", "")  # letter-spaced masthead
    with pytest.raises(CommandError, match="没有编号"):
        call_command("report", "case", "YQ2026-999999", "-o", str(docx_path))
    with pytest.raises(CommandError, match="结束日期不能早于开始日期"):
        call_command("report", "period", "--from", "2026-11-30", "--to", "2026-11-01", "-o", str(pdf_path))
    with pytest.raises(CommandError, match="没有代码"):
        call_command("report", "period", "--from", "2026-11-01", "--to", "2026-11-30", "--section", "nope",
                     "-o", str(pdf_path))


def test_hostile_title_cannot_reach_outside_the_template(bureau, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("机密")
    case = m.Case.objects.create(
        number="YQ2026-000901", origin_key="test:hostile", section=bureau["office"], opened_at=REPORT_AT,
        title=f'<img src="file://{secret}"><link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
        description='</p><iframe src="http://127.0.0.1:9/"></iframe>')
    with freeze_time(REPORT_AT):
        data = reports.render(reports.case_document(case), "pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "<img src=" in text and "机密" not in text  # shown as text, never loaded
