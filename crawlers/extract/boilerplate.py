"""Site furniture that extractors let through into an article body, line by line.

trafilatura keeps a block when it looks like prose; on Chinese CMS templates that still lets
through breadcrumbs (``当前位置：首页 > …``), the info bar (``发布时间：… 来源：… 浏览次数``),
print/close links, share bars, "上一篇/下一篇", related-article lists and editor credits.

Decision: editorial credit lines (``责任编辑：X``, ``(责编：X、Y)``, ``编辑：X``, ``校对：X``,
``审核：X``) are **not** body. They name the site's staff, not the story's content, and keeping
them would make the same story differ between outlets (hurting duplicate detection).
"""

from __future__ import annotations

import re

# A whole short line that is furniture wherever it appears.
_FURNITURE_RE = re.compile(
    r"当前位置|您的位置|您现在的位置|所在位置|现在位置"
    r"|^[（(【\[]?\s*(?:责任编辑|責任編輯|责编|責編|编辑|編輯|校对|校對|审核|審核|审校|终审|初审|编审"
    r"|监制|主编|美编|图片编辑|视频编辑)\s*[:：]"
    r"|(?:责任编辑|責任編輯|责编)\s*[:：]"
    r"|发布时间|发布日期|發佈時間|浏览次数|浏览量|阅读次数|点击数|点击次数|访问量"
    r"|字[体號号]\s*[:：]?\s*[\[【]?\s*大\s*中\s*小"
    r"|打印本页|打印此页|关闭窗口|關閉窗口|【\s*打印\s*】|【\s*关闭\s*】|^打印\s+关闭$"
    r"|分享到|分享让更多人看到|扫一扫|用手机扫描|手机查看|在手机打开"
    r"|ICP备|ICP证|公网安备|网站标识码|版权所有|版權所有|Copyright|All Rights Reserved"
    r"|网站地图|联系我们|设为首页|加入收藏|无障碍|长者模式"
    r"|^阅读原文|阅读\s*\d+万?\+?$|^【\s*纠错\s*】"
    r"|^(?:第\s*\d+\s*页|上一页|下一页|首页|尾页|共\s*\d+\s*页|\d+|\s)+$"
    r"|^(?:网站首页|首页|首頁|主页|返回首页)\s*(?:>|›|»|→|＞|/|-)"
    # Video placeholders and the platform disclaimers under self-media articles (腾讯, 搜狐).
    r"|浏览器不支持|^(?:免责声明|平台声明|特别声明)\s*[:：].{0,60}(?:观点|立场|信息存储)",
    re.IGNORECASE,
)
# A line of interaction counters: "跟贴 12 人参与 56 举报", "点赞 12", "举报", "评论 (33)".
_COUNTERS_RE = re.compile(
    r"^(?:(?:跟贴|跟帖|评论|点赞|参与|阅读|举报|分享|收藏|转发|投诉|人|条|[\d.]+万?\+?|[()（）])\s*)+$"
)
_COUNTER_WORD_RE = re.compile(r"跟贴|跟帖|评论|点赞|参与|阅读|举报|分享|收藏|转发|投诉")
# A heading that starts the page's tail: related lists, navigation to neighbours.
_TAIL_START_RE = re.compile(
    r"^[-·•\s]*[【\[]?\s*(?:相关新闻|相关文章|相关推荐|相关阅读|相关链接|相关稿件|相關新聞|热点推荐|推荐阅读"
    r"|猜你喜欢|更多精彩|热门文章|热门推荐|上一篇|下一篇|上一條|下一條|上一条|下一条"
    r"|网友评论|热门评论|最新评论|全部评论|评论区)"
)
# A list entry with its own date ("- 某某新闻 2023-05-29"): an index of other articles.
# Portals and apps drop the year of this year's entries ("… 09-17 18:30", "… 01月17日 11:02").
_DATED_ENTRY_RE = re.compile(
    r"^[-·•]\s*.{2,60}?\s*(?:(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s*\d{1,2}:\d{2})?"
    r"|\d{1,2}[-月]\d{1,2}日?\s*\d{1,2}:\d{2})\s*$"
)
# The info bar under a headline: a date plus a label (来源/作者/编辑/浏览…) on one short line.
_FULL_DATE_RE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_INFO_LABEL_RE = re.compile(r"来源|來源|作者|编辑|編輯|浏览|瀏覽|点击|字号|字號|发布|發佈|阅读")
# "来源：X" / "作者：X" open both info bars and real sentences ("来源：国家统计局的数据显示，…"
# quoted from a report): only a short line, or one carrying several labels, is furniture.
_SOURCE_LABEL_RE = re.compile(
    r"^[（(【\[]?\s*(?:来源|來源|信息来源|文章来源|稿源|出处|出處|作者)\s*[:：]"
)
_LABEL_WITH_COLON_RE = re.compile(
    r"(?:来源|來源|作者|记者|编辑|編輯|责编|浏览|瀏覽|点击|字号|字號|时间|日期|发布|阅读)\s*[:：]"
)
_LABEL_LINE_MAX = 30
_SENTENCE_END_RE = re.compile(r"[。！？!?；;]")
# "澎湃新闻记者 邹娟", "本报记者 张三 通讯员 李四": a byline above the first paragraph.
_BYLINE_RE = re.compile(
    r"^[\u3400-\u9fff]{0,8}(?:记者|通讯员|作者|撰稿|文\s*[/／])\s*[:：]?\s*[\u3400-\u9fff·、\s]{2,30}$"
)
_SHORT = 80


def is_furniture(line: str) -> bool:
    """Whether a single body line is site furniture rather than article text."""
    line = line.strip()
    if not line:
        return True
    if len(line) > _SHORT:
        return False
    if _FULL_DATE_RE.search(line) and _INFO_LABEL_RE.search(line):
        return True
    if _SOURCE_LABEL_RE.match(line):
        return (len(line) <= _LABEL_LINE_MAX
                or len(_LABEL_WITH_COLON_RE.findall(line)) >= 2)
    if _COUNTERS_RE.match(line) and _COUNTER_WORD_RE.search(line):
        return True
    return bool(_FURNITURE_RE.search(line) or _DATED_ENTRY_RE.match(line))


def _is_header_leftover(line: str, title: str) -> bool:
    """A line before the first paragraph that repeats the headline or is a dated link."""
    if len(line) > 60 + len(title) or _SENTENCE_END_RE.search(line):
        return False  # a sentence is body, even when it contains the headline's words
    squashed, norm_title = re.sub(r"\s+", "", line), re.sub(r"\s+", "", title)
    if norm_title and (squashed in norm_title or norm_title in squashed):
        return True
    return len(line) <= 60 and bool(_FULL_DATE_RE.search(line) or _BYLINE_RE.match(line))


# How far into the body a repeated headline may sit with only page header (logo, column name)
# before it.
_HEADLINE_WINDOW = 4


def _after_repeated_headline(lines: list[str], title: str) -> int:
    """Index just past a headline repeated near the top when only short, sentence-less lines
    (a logo text, a column name) precede it; 0 when there is none."""
    norm_title = re.sub(r"\s+", "", title)
    if len(norm_title) < 4:
        return 0
    for index, line in enumerate(lines[:_HEADLINE_WINDOW]):
        if re.sub(r"\s+", "", line) == norm_title:
            return index + 1
        if len(line) > 40 or _SENTENCE_END_RE.search(line):
            return 0
    return 0


def clean_body(text: str, title: str = "") -> str:
    """Remove furniture lines, a repeated headline and the related-articles tail."""
    lines = [line.strip() for line in text.replace("\r", "").split("\n")]
    lines = [line for line in lines if line]
    # The tail (related lists, neighbours) starts at its heading; nothing after it is body.
    for index, line in enumerate(lines):
        if index > 0 and len(line) <= 40 and _TAIL_START_RE.match(line):
            lines = lines[:index]
            break
    kept = [line for line in lines if not is_furniture(line)]
    kept = kept[_after_repeated_headline(kept, title):]
    while kept and _is_header_leftover(kept[0], title):
        kept.pop(0)
    return "\n".join(kept).strip()
