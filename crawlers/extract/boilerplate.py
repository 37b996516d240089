"""Site furniture that extractors let through into an article body, line by line.

trafilatura keeps a block when it looks like prose; on Chinese CMS templates that still lets
through breadcrumbs (``当前位置：首页 > …``), the info bar (``发布时间：… 来源：… 浏览次数``),
print/close links, share bars, "上一篇/下一篇", related-article lists and editor credits.

Decision: editorial credit lines (``责任编辑：X``, ``(责编：X、Y)``, ``编辑：X``, ``校对：X``,
``审核：X``) are **not** body. They name the site's staff, not the story's content, and keeping
them would make the same story differ between outlets (hurting duplicate detection).

Promotion and notices the site prints around every article are not body either: "扫描二维码
关注…官方微信", 违法和不良信息举报 lines, 报料 hotlines, "更多猛料", newsletter and app promos,
免责声明/风险提示 blocks (everything from such a heading on), and lines that are only the text
of a link on the page (navigation, sidebar headline lists, "上一篇：…"), unless they name a
document (attachments) or sign a notice off above its date.
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
    r"|浏览器不支持|^(?:免责声明|平台声明|特别声明)\s*[:：].{0,60}(?:观点|立场|信息存储)"
    # Follow/scan promos, report lines, newsroom hotlines, app and newsletter promos.
    r"|二维码.{0,6}(?:关注|下载|订阅)|扫码(?:关注|下载|订阅|阅读)"
    r"|长按(?:识别|关注)|点击上方|点个?\s*[“\"「]?\s*在看|^-*\s*(?:END|End)\s*-*$"
    r"|^(?:关键词|关键字|标签|TAGS?|Tags?)\s*(?:[:：]|>>|»|＞＞)"
    # "（汉江日报全媒体记者 王磊 通讯员 刘芳）": the credit in brackets, wherever it stands.
    r"|^[（(]\s*[\u3400-\u9fff]{0,12}(?:记者|通讯员|作者|撰稿|摄影)[\u3400-\u9fff·、\s]{1,40}[）)]$"
    r"|(?:官方微信|官方微博|微信公众号|微信号)\s*[:：]"
    r"|违法和不良信息举报|不良信息举报"
    r"|(?:新闻)?报料(?:热线|电话|邮箱|微信|QQ)?\s*[:：]|报料热线|爆料(?:热线|电话|邮箱|微信|通道)"
    r"|投稿(?:邮箱|热线|电话|信箱)|更多猛料|更多精彩|我要评论|发表评论"
    r"|订阅.{0,20}(?:简报|早报|晚报|快讯|周报|精选|邮件|邮箱)|newsletter|立即订阅"
    r"|阅读全文$|展开全文|阅读体验更佳|^[▲△↑]"
    r"|往期回顾|版面导航|^第\s*[A-Z]?\d+\s*版\s*[:：]"
    r"|位访客|访问量\s*[:：]|\d\s*[×xX*]\s*\d+\s*分辨率|分辨率.{0,6}浏览|建议使用.{0,20}浏览"
    r"|^原标题\s*[:：]|(?:主办|承办|协办|主管)(?:单位)?\s*[:：]|[\u3400-\u9fff]\s*(?:主办|承办)$",
    re.IGNORECASE,
)
# Furniture only when the line is not a sentence: "扫描二维码进行预约。" or "市民可拨打举报电话反映。"
# in a story are body; "扫描二维码" under an image, "举报电话：0571-…" in a footer are not.
_BARE_FURNITURE_RE = re.compile(
    r"(?:扫描|扫一扫|扫|长按|识别).{0,6}二维码|点击(?:图片|这里|此处)|上一期|下一期"
    r"|(?:关注|订阅|下载|打开).{0,16}(?:官方微信|官方微博|微信公众号|公众号|视频号|抖音号|客户端|APP)"
    r"|举报(?:电话|邮箱|热线|中心)|报警电话|新闻热线|线索征集|报料|更多资讯|获取更多|敬请关注|欢迎关注"
)
# Disclaimers run long ("本文仅代表作者观点，不代表本网立场，如有侵权请联系删除"): a line up to
# _NOTICE_MAX characters carrying one of these is the site's notice, not the story.
_NOTICE_RE = re.compile(
    # Headings only at the start: "公司发布郑重声明称……", "发布地质灾害风险提示" are news.
    r"^[【\[]?\s*(?:免责声明|版权声明|郑重声明|平台声明|风险提示)\s*[】\]]?\s*[:：]"
    r"|仅代表(?:作者|个人|原作者)(?:本人)?(?:的)?(?:观点|意见|看法)"
    r"|不代表(?:本|我)(?:网|站|平台|刊|报|号)|不代表.{0,10}(?:网|站|平台|号|资讯|新闻)\s*的?(?:立场|观点)"
    r"|转载目的在于|如有侵权|(?:不得|禁止|请勿|严禁).{0,6}(?:转载|复制|建立镜像)"
    r"|风险自负|入市需谨慎|信息存储空间服务|本网站所刊载信息"
)
_NOTICE_MAX = 200
# A heading that opens the site's notice block: nothing after it is story.
_NOTICE_HEAD_RE = re.compile(
    r"^[【\[]?\s*(?:免责声明|版权声明|郑重声明|特别声明|平台声明|风险提示|声明)\s*[】\]]?\s*[:：]?\s*"
    # ... about the article or the site: "特别声明：本次招聘不收取任何费用" is the notice's own.
    r"(?:$|本文|本站|本网|本平台|本号|本内容|该文|以上|凡本|文章|此文)"
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
    r"|网友评论|热门评论|最新评论|全部评论|评论区|往期推荐|往期回顾|为你推荐|为您推荐|精彩推荐"
    r"|编辑推荐|今日推荐|热点新闻|热门排行|点击排行|热闻|本版新闻|最新文章|最近文章|延伸阅读)"
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
    r"(?:来源|來源|作者|记者|编辑|編輯|责编|浏览|瀏覽|点击|字号|字號|时间|日期|发布|阅读"
    r"|文字|图片|摄影|审核|校对|统筹|制作|视频|通讯员)\s*[:：]"
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
    if not re.search(r"\w", line):  # "】", "|", "-- ": what is left of a tool bar
        return True
    if len(line) <= _NOTICE_MAX and _NOTICE_RE.search(line):
        return True
    if len(line) > _SHORT:
        return False
    # A credits line: "文字：党委宣传部 图片：校新闻中心 审核：刘俊".
    if len(_LABEL_WITH_COLON_RE.findall(line)) >= 2 and not _SENTENCE_END_RE.search(line):
        return True
    if _FULL_DATE_RE.search(line) and _INFO_LABEL_RE.search(line):
        return True
    if _SOURCE_LABEL_RE.match(line):
        return (len(line) <= _LABEL_LINE_MAX
                or len(_LABEL_WITH_COLON_RE.findall(line)) >= 2)
    if _COUNTERS_RE.match(line) and _COUNTER_WORD_RE.search(line):
        return True
    if _BARE_FURNITURE_RE.search(line) and not re.search(r"[。！？!?]$", line):
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


_FILE_NAME_RE = re.compile(r"\.(?:docx?|xlsx?|et|wps|pdf|ofd|pptx?|zip|rar|7z|txt)\s*$", re.IGNORECASE)
_DATE_LINE_RE = re.compile(
    r"^(?:(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
    r"|[〇零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日)$"
)
_NAV_SPLIT_RE = re.compile(r"[\s|｜·•/]+")
_SIGN_OFF_MAX = 30


def _squashed(line: str) -> str:
    return re.sub(r"\s+", "", line)


def _is_link_line(line: str, link_texts: frozenset[str]) -> bool:
    """A line that is only a link's text (navigation, a sidebar headline, "上一篇：…"), or a
    row of short links ("网站首页 政务公开 办事服务")."""
    if _SENTENCE_END_RE.search(line) or _FILE_NAME_RE.search(line):
        return False
    squashed = _squashed(line)
    if squashed in link_texts:
        return True
    # "- 某某新闻 2024-11-20": a linked headline with its date.
    undated = _squashed(_FULL_DATE_RE.sub("", re.sub(r"\d{1,2}[-:]\d{2}", "", line))).strip("-·•")
    if undated != squashed and len(undated) >= 6 and undated in link_texts:
        return True
    tokens = [t for t in _NAV_SPLIT_RE.split(line) if t]
    return len(tokens) >= 3 and sum(t in link_texts for t in tokens) * 2 >= len(tokens)


_NAV_WORD_RE = re.compile(r"首页|导航|新闻|动态|公开|服务|互动|简介|中心|频道|专题|论坛|登录|注册|概况|信息")


def _is_nav_run(lines: list[str], index: int, link_texts: frozenset[str] = frozenset()) -> bool:
    """Whether ``lines[index]`` belongs to a run of three or more very short lines without
    punctuation that holds a link or a menu word: menu items that a table or list layout
    turned into lines. A list of names ("张三 / 李四 / 王五" in a 公示) holds neither."""
    def short(line: str) -> bool:
        return len(line) <= 8 and not re.search(r"[，,。！？；：:、]", line) and not _DATE_LINE_RE.match(line)
    if not short(lines[index]):
        return False
    start = end = index
    while start > 0 and short(lines[start - 1]):
        start -= 1
    while end + 1 < len(lines) and short(lines[end + 1]):
        end += 1
    run = lines[start:end + 1]
    return len(run) >= 3 and any(
        _squashed(line) in link_texts or _NAV_WORD_RE.search(line) for line in run)


def _sign_off(lines: list[str]) -> set[int]:
    """Indexes of a notice's sign-off (issuer, then its date, at the very end): kept even when
    the issuer's name is also the site's logo link."""
    if not lines or not _DATE_LINE_RE.match(_squashed(lines[-1])):
        return set()
    keep = {len(lines) - 1}
    for index in range(len(lines) - 2, max(-1, len(lines) - 4), -1):
        line = lines[index]
        if len(line) > _SIGN_OFF_MAX or _SENTENCE_END_RE.search(line):
            break
        keep.add(index)
    return keep


def clean_body(text: str, title: str = "", *, link_texts: frozenset[str] = frozenset()) -> str:
    """Remove furniture lines, a repeated headline, the related-articles tail and the site's
    notice block; with ``link_texts`` (the squashed texts of the page's links) also lines that
    are only a link."""
    lines = [line.strip() for line in text.replace("\r", "").split("\n")]
    lines = [line for line in lines if line and line.strip("|").strip()]
    # Table rows from a layout table come through as "| a | b |": each cell is a line.
    lines = [cell.strip() for line in lines for cell in
             (line.strip("|").split("|") if line.startswith("|") else [line]) if cell.strip()]
    # The tail (related lists, neighbours, the 免责声明 block) starts at its heading; nothing
    # after it is body.
    for index, line in enumerate(lines):
        # A notice heading cuts only in the body's second half: "特别声明：……" high up in an
        # announcement is its content.
        if index > 0 and ((len(line) <= 40 and _TAIL_START_RE.match(line))
                          or (index >= len(lines) // 2 and _NOTICE_HEAD_RE.match(line))):
            lines = lines[:index]
            break
    lines = [line for index, line in enumerate(lines)
             if not (is_furniture(line) or _is_nav_run(lines, index, link_texts))]
    # Trailing footer links first, so that a sign-off followed by the footer menu is still
    # recognised as the end of the notice.
    while lines and link_texts and _is_link_line(lines[-1], link_texts):
        lines.pop()
    protected = _sign_off(lines)
    kept = [line for index, line in enumerate(lines)
            if index in protected or not (link_texts and _is_link_line(line, link_texts))]
    kept = kept[_after_repeated_headline(kept, title):]
    while kept and _is_header_leftover(kept[0], title):
        kept.pop(0)
    return "\n".join(kept).strip()
