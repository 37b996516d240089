"""Documents a bureau files: the 舆情专报 for one case and period reports, as DOCX and PDF.

gather (case_report / period_report / story, reusing stats and the digest's gatherers) → one
neutral Document → docx_writer (python-docx) or pdf_writer (WeasyPrint over reports/report.html).
"""
from __future__ import annotations

from .case_report import case_document
from .document import Document
from .period_report import Period, period_document, year_paragraph

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def render(doc: Document, fmt: str) -> bytes:
    """The document's bytes in `fmt` ("docx" or "pdf")."""
    if fmt == "docx":
        from .docx_writer import write_docx

        return write_docx(doc)
    if fmt == "pdf":
        from .pdf_writer import write_pdf

        return write_pdf(doc)
    raise ValueError(f"不支持的格式：{fmt}（可选 docx、pdf）")


__all__ = ["FORMATS", "Document", "Period", "case_document", "period_document", "render", "year_paragraph"]
