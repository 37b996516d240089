"""Rendering details: chart with and without a CJK font, subject per scope, escaping, figures wording."""
from __future__ import annotations

import struct
from datetime import date, timedelta
from pathlib import Path

from response.services.digest import Week, gather, render, scope_for
from response.services.digest.charts import CJK_FONT_FILES, cjk_font, trend_png
from response.services.digest.render import delta, percent
from response.tests.test_digest_gather import WEEK, seed_week

DAYS = [date(2026, 11, 23) + timedelta(days=i) for i in range(7)]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_chart_uses_the_installed_cjk_font_and_falls_back_without_one():
    if Path(CJK_FONT_FILES[0]).exists():  # Debian's fonts-noto-cjk: its Simplified-Chinese face
        assert cjk_font() == "Noto Sans CJK SC"
    chinese = trend_png(DAYS, [2, 1, 2, 1, 1, 0, 1], [1, 0, 1, 0, 1, 0, 1], [2, 0, 1, 0, 0, 0, 0])
    english = trend_png(DAYS, [0] * 7, [0] * 7, [0] * 7, font=None)  # an all-zero week still draws
    assert png_size(chinese) == png_size(english) == (1280, 480)
    assert chinese != english


def test_wording_of_changes():
    assert delta(8, 4) == "较上周 +4（+100%）"
    assert delta(3, 4) == "较上周 -1（-25%）"
    assert delta(2, 0) == "较上周 +2（上周为0）"
    assert delta(5, 5) == "与上周持平"
    assert percent(3 / 8) == "38%" and percent(None) == "—"


def test_section_render_subject_and_escaping(bureau):
    seed_week(bureau)
    bureau["lawyers"].name = "律师工作科<b>"
    bureau["lawyers"].save()
    rendered = render(gather(WEEK, scope_for("lawyers")))
    assert rendered.subject == "【市司法局·律师工作科<b>】舆情周报 2026年第48周（11月23日—11月29日）"
    assert "律师工作科&lt;b&gt;" in rendered.html and "律师工作科<b>" not in rendered.html
    assert "<title>【市司法局·律师工作科&lt;b&gt;】" in rendered.html
    assert list(rendered.images) == ["trend@yuqing"]
    assert "cid:" not in rendered.preview_html()


def test_empty_week_has_no_chart_and_no_event_sections(bureau):
    rendered = render(gather(Week.parse("2026-W10"), scope_for("bureau")))
    assert rendered.images == {}
    assert "本周未监测到相关舆情" in rendered.text and "重点事件" not in rendered.text
    assert "二、案件办理" in rendered.text and "三、采集源状态" in rendered.text
