"""A report Document as PDF: the HTML template reports/report.html rendered by WeasyPrint, which
embeds (subsets) the fonts it uses, so the PDF reads the same on any machine and prints as filed."""
from __future__ import annotations

import base64

from django.template.loader import render_to_string

from .document import (
    BODY_FONTS,
    CLASSIFICATION,
    HEADING_FONTS,
    SUBHEADING_FONTS,
    TITLE_FONTS,
    Document,
    Heading,
    Image,
    Paragraph,
    Table,
)


def _families(names: tuple[str, ...], generic: str) -> str:
    return ", ".join(f'"{n}"' for n in names) + f", {generic}"


def _block(block) -> dict:
    if isinstance(block, Heading):
        return {"kind": "heading", "b": block}
    if isinstance(block, Paragraph):
        return {"kind": "paragraph", "b": block}
    if isinstance(block, Table):
        widths = None
        if block.widths:
            total = sum(block.widths)
            widths = [f"{w / total * 100:.1f}%" for w in block.widths]
        return {"kind": "table", "b": block, "widths": widths}
    if isinstance(block, Image):
        return {"kind": "image", "b": block,
                "src": "data:image/png;base64," + base64.b64encode(block.png).decode("ascii")}
    raise TypeError(f"unknown block {block!r}")


def render_html(doc: Document) -> str:
    """The HTML the PDF is made from (also useful to look at in a browser)."""
    return render_to_string("reports/report.html", {
        "doc": doc, "blocks": [_block(b) for b in doc.blocks], "classification": CLASSIFICATION,
        # Goes into a CSS string: no quote or backslash may end it early.
        "bureau_css": doc.bureau.replace("\\", "").replace('"', "").replace("\n", " ").replace("<", ""),
        "title_fonts": _families(TITLE_FONTS, "serif"), "heading_fonts": _families(HEADING_FONTS, "sans-serif"),
        "subheading_fonts": _families(SUBHEADING_FONTS, "serif"), "body_fonts": _families(BODY_FONTS, "serif"),
    })


def write_pdf(doc: Document) -> bytes:
    # Imported here: WeasyPrint loads Pango when imported, which only report generation needs.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # The template refers to nothing outside itself (images are data: URIs): a fetcher allowing
    # only data: means a crawled title can never make the renderer read a file or a URL.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=render_html(doc), url_fetcher=fetcher).write_pdf()
