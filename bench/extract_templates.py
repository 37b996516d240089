"""Score our extractor and trafilatura alone on the template set (crawlers/tests/files/templates).

    .venv/bin/python -m bench.extract_templates

Same pages, same run, same checks (exact title, publish day, first and last body line present,
none of the page's boilerplate in the body): clean pages and per-field counts, dev and
held-out splits. trafilatura gets the decoded page and the URL, with its own metadata.
"""

from __future__ import annotations

from typing import Any

import trafilatura

from crawlers.tests.test_real_templates import ours, page_html, score


def trafilatura_alone(case: dict[str, Any]) -> dict[str, Any]:
    doc = trafilatura.bare_extraction(page_html(case), url=case["url"], with_metadata=True)
    data = doc.as_dict() if doc is not None else {}
    return {"title": data.get("title"), "date": data.get("date"), "text": data.get("text")}


def main() -> None:
    for name, extract in (("yuqing", ours), ("trafilatura", trafilatura_alone)):
        for split in ("dev", "held_out", "blind", None):
            result = score(extract, split)
            fields = " ".join(f"{k} {v}" for k, v in result["fields"].items())
            print(f"{name:12} {split or 'all':9} clean {result['clean']:2}/{result['pages']:2}  {fields}")


if __name__ == "__main__":
    main()
