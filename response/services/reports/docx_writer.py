"""A report Document as DOCX (python-docx), laid out like a government document: red masthead,
小标宋 title, 黑体/楷体 headings, 仿宋 body, "内部资料 注意保存" in the header, page numbers in the footer.

Fonts are named, not embedded: the office PCs that open the file have the GB/T 9704 fonts, and
Word substitutes its own where one is missing.
"""
from __future__ import annotations

import io

from docx import Document as new_docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from .document import (
    BODY_FONTS,
    CLASSIFICATION,
    HEADING_FONTS,
    MASTHEAD_RED,
    SUBHEADING_FONTS,
    TITLE_FONTS,
    Document,
    Heading,
    Image,
    Paragraph,
    Table,
)

BODY_PT, TABLE_PT, NOTE_PT = 16, 10.5, 10.5  # 三号 body, 五号 tables, as official documents are set
RED = RGBColor.from_string(MASTHEAD_RED)
TEXT_WIDTH_CM = 15.6  # A4 less the 2.8 cm and 2.6 cm side margins


def _font(target, family: str, size: float | None = None, bold: bool | None = None,
          colour: RGBColor | None = None) -> None:
    """Set a run's or a style's font, including the East Asian slot Word uses for Chinese."""
    font = target.font
    font.name = family
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if colour is not None:
        font.color.rgb = colour
    rpr = target.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), family)


def _styles(docx) -> None:
    normal = docx.styles["Normal"]
    _font(normal, BODY_FONTS[1], BODY_PT)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(28)
    fmt.space_after = Pt(0)
    for name, family, size, bold in (("Title", TITLE_FONTS[0], 22, False), ("Heading 1", HEADING_FONTS[0], 16, False),
                                     ("Heading 2", SUBHEADING_FONTS[1], 16, True)):
        style = docx.styles[name]
        _font(style, family, size, bold, RGBColor(0, 0, 0))
        style.font.italic = False
        style.paragraph_format.space_before = Pt(6 if name != "Title" else 12)
        style.paragraph_format.space_after = Pt(6 if name != "Title" else 18)
        style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        style.paragraph_format.first_line_indent = None
        # The built-in Title style draws a blue rule under itself; official titles have none.
        ppr = style.element.get_or_add_pPr()
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES): Word and LibreOffice fill it in when laying out the page."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == instruction:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instruction} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)
    _font(run, BODY_FONTS[1], 14)


def _border(paragraph, side: str, colour: str, size: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    line = OxmlElement(f"w:{side}")
    for key, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "4"), ("w:color", colour)):
        line.set(qn(key), value)
    bdr.append(line)
    ppr.append(bdr)


def _page(docx, doc: Document) -> None:
    section = docx.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    # The default template's Header style puts a centre stop first; the bureau's name goes right.
    docx.styles["Header"].paragraph_format.tab_stops.clear_all()
    header = section.header.paragraphs[0]
    header.paragraph_format.tab_stops.add_tab_stop(Cm(TEXT_WIDTH_CM), WD_TAB_ALIGNMENT.RIGHT)
    _font(header.add_run(f"{CLASSIFICATION}\t{doc.bureau}"), BODY_FONTS[1], 10.5)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(footer.add_run("— "), BODY_FONTS[1], 14)
    _field(footer, "PAGE")
    _font(footer.add_run(" —"), BODY_FONTS[1], 14)


def _masthead(docx, doc: Document) -> None:
    banner = docx.add_paragraph()
    banner.alignment = WD_ALIGN_PARAGRAPH.CENTER
    banner.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _font(banner.add_run(doc.masthead), TITLE_FONTS[0], 36, False, RED)
    line = docx.add_paragraph()
    line.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    line.paragraph_format.tab_stops.add_tab_stop(Cm(TEXT_WIDTH_CM), WD_TAB_ALIGNMENT.RIGHT)
    _font(line.add_run(f"{doc.bureau}　{doc.reference}\t{doc.date_label}"), BODY_FONTS[1], 14)
    _border(line, "bottom", MASTHEAD_RED, 18)
    docx.add_heading(doc.title, level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER


def _cell(cell, text: str, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    paragraph.paragraph_format.first_line_indent = None
    _font(paragraph.add_run(text), BODY_FONTS[1], TABLE_PT, bold)


def _caption(docx, text: str) -> None:
    p = docx.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    p.paragraph_format.space_before, p.paragraph_format.space_after = Pt(6), Pt(3)
    _font(p.add_run(text), HEADING_FONTS[0], NOTE_PT)


def _table(docx, block: Table) -> None:
    if block.caption:
        _caption(docx, block.caption)
    table = docx.add_table(rows=1, cols=len(block.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, block.header):
        _cell(cell, text, bold=True)
    for row in block.rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            _cell(cell, str(text))
    table.autofit = False
    shares = block.widths or [1] * len(block.header)
    total = sum(shares)
    # Word reads the cells' widths, LibreOffice the grid's: set both.
    for column, share in zip(table.columns, shares):
        column.width = Cm(TEXT_WIDTH_CM * share / total)
    for row in table.rows:
        for cell, share in zip(row.cells, shares):
            cell.width = Cm(TEXT_WIDTH_CM * share / total)
    docx.add_paragraph().paragraph_format.line_spacing = Pt(8)


def write_docx(doc: Document) -> bytes:
    docx = new_docx()
    _styles(docx)
    _page(docx, doc)
    core = docx.core_properties
    core.title, core.author, core.keywords = doc.title, doc.bureau, CLASSIFICATION
    _masthead(docx, doc)
    for block in doc.blocks:
        if isinstance(block, Heading):
            docx.add_heading(block.text, level=block.level)
        elif isinstance(block, Paragraph):
            p = docx.add_paragraph()
            if block.note:
                p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
                _font(p.add_run(block.text), BODY_FONTS[1], NOTE_PT, colour=RGBColor(0x55, 0x55, 0x55))
            else:
                p.paragraph_format.first_line_indent = Pt(BODY_PT * 2)  # 首行缩进两字
                p.add_run(block.text)
        elif isinstance(block, Table):
            _table(docx, block)
        elif isinstance(block, Image):
            p = docx.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            p.add_run().add_picture(io.BytesIO(block.png), width=Cm(block.width_cm))
            _caption(docx, block.caption)
    end = docx.add_paragraph()
    end.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    end.paragraph_format.space_before = Pt(18)
    _font(end.add_run(f"{doc.bureau}　{doc.generated_label} 生成"), BODY_FONTS[1], 12)
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()
