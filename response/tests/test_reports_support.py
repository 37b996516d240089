"""A seeded case record for the report tests (no tests here): one story carried by outlets of every
reach over an afternoon, opened as a level II case, consulted on, answered once in time and once
late; plus the year's board letters and 12345 transfers for the year-end paragraph."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from response import models as m
from response.services import casework
from response.services.cases import open_case
from response.tests.factories import CaseFactory, MentionFactory, SourceFactory

SH = ZoneInfo("Asia/Shanghai")
FIRST_AT = datetime(2026, 11, 20, 8, 0, tzinfo=SH)
OPENED_AT = datetime(2026, 11, 20, 16, 0, tzinfo=SH)
REPORT_AT = datetime(2026, 11, 23, 9, 0, tzinfo=SH)
TITLE = "网传芗城区某司法所工作人员调解时辱骂当事人"
TEXT = ("11月20日，有网友发帖称，芗城区某司法所工作人员在调解一起邻里纠纷时言语粗暴、辱骂当事人，"
        "并附有现场视频。帖子发布后引发多家媒体转载，网友质疑基层司法所服务态度。")
PLACE_PLAN = "属地-芗城"
NEXT_STEPS = "一、持续关注相关报道与网民评论走势，每日早晚各报告一次。\n二、督促基层工作科在三个工作日内公布调查结果。"

# (source slug, name, kind, reach, origin, minutes after FIRST_AT, sentiment)
COPIES = [
    ("mnrb", "闽南日报", m.Source.Kind.RSS, m.Reach.MUNICIPAL, "", 0, "negative"),
    ("zzsbs", "漳州身边事", m.Source.Kind.WECHAT, m.Reach.SELF_MEDIA, "", 70, "negative"),
    ("dnw", "东南网", m.Source.Kind.RSS, m.Reach.PROVINCIAL, "", 140, "negative"),
    ("dnw", "东南网", m.Source.Kind.RSS, m.Reach.PROVINCIAL, "福建日报", 160, "neutral"),
    ("rmw", "人民网", m.Source.Kind.RSS, m.Reach.NATIONAL, "", 305, "negative"),
    ("xcrm", "芗城融媒", m.Source.Kind.HTML, m.Reach.COUNTY, "", 330, "neutral"),
    ("zzsbs", "漳州身边事", m.Source.Kind.WECHAT, m.Reach.SELF_MEDIA, "", 420, "positive"),
]


@dataclass
class Seeded:
    case: m.Case
    event: m.Event
    copies: list[m.Mention]


def _copy(i: int, row: tuple, event: m.Event) -> m.Mention:
    slug, name, kind, reach, origin, minutes, sentiment = row
    at = FIRST_AT + timedelta(minutes=minutes)
    title = TITLE if i == 0 else f"{TITLE}（转载）"
    full = f"{title}\n{TEXT}"
    start = full.find("芗城区")
    return MentionFactory(
        source=SourceFactory(slug=slug, name=name, kind=kind, reach=reach), title=title, text=TEXT,
        url=f"https://{slug}.example.cn/news/2026/1120/{i}.html", origin=origin,
        published_at=at, fetched_at=at + timedelta(minutes=4), analysed_at=at + timedelta(minutes=5),
        sentiment=sentiment, sentiment_scores={"negative": 0.88 if sentiment == "negative" else 0.2},
        urgency=78 if i == 4 else 60, level="II",
        urgency_reasons=["负面情感概率 0.88", "国家级媒体人民网已转载", "事件已被 5 个网站转载"] if i == 4 else
        ["负面情感概率 0.88"],
        matched_plans=["基层司法所", PLACE_PLAN],
        keywords=[{"plan": PLACE_PLAN, "term": "芗城区", "start": start, "end": start + 3},
                  {"plan": "基层司法所", "term": "司法所", "start": full.find("司法所"), "end": full.find("司法所") + 3}],
        flagged=True, review=m.Mention.Review.CONFIRMED, event=event,
    )


def seed_case(bureau: dict) -> Seeded:
    """The story and its case, every act done at its own (frozen) time through the real services."""
    m.KeywordPlan.objects.get_or_create(name=PLACE_PLAN, defaults={
        "category": m.KeywordPlan.Category.PLACE, "expression": "芗城区"})
    event = m.Event.objects.create(key="evt-report-xc", title=TITLE, first_seen=FIRST_AT,
                                   last_seen=FIRST_AT + timedelta(minutes=420), size=len(COPIES), source_count=5,
                                   max_urgency=78, level="II")
    copies = [_copy(i, row, event) for i, row in enumerate(COPIES)]
    with freeze_time(OPENED_AT) as clock:
        case, _ = open_case(origin_key="event:evt-report-xc", title=TITLE, section=bureau["grassroots"],
                            level=m.Level.objects.get(code="II"), event=event, mentions=copies,
                            description="")
        clock.move_to(OPENED_AT + timedelta(hours=1))
        casework.record_consultation(case, None, held_at=OPENED_AT + timedelta(hours=1),
                                     participants="分管领导、办公室、基层工作科",
                                     conclusion="情况基本属实，当事工作人员暂停调解工作。",
                                     agreed_wording="我局已关注到相关情况，正在调查核实，将依法依规处理。",
                                     sections=[bureau["grassroots"], bureau["office"]])
        clock.move_to(OPENED_AT + timedelta(hours=4, minutes=30))
        casework.record_response(case, None, text="我局已关注到网民反映的情况，已成立调查组核查。",
                                 channel="局官方微信公众号", kind=m.CaseResponse.Kind.FIRST_STATEMENT)
        clock.move_to(OPENED_AT + timedelta(hours=42))
        casework.record_response(case, None, text="召开新闻发布会通报初步调查结果。", channel="新闻发布会",
                                 kind=m.CaseResponse.Kind.RESPONSE)
    case.next_steps = NEXT_STEPS
    case.save(update_fields=["next_steps"])
    case.refresh_from_db()
    return Seeded(case=case, event=event, copies=copies)


def seed_year(bureau: dict) -> dict[str, int]:
    """The year's other channels: message-board posts, leader-mailbox letters, 12345 transfers."""
    board = SourceFactory(slug="board", name="市司法局网上留言板", kind=m.Source.Kind.BOARD)
    mailbox = SourceFactory(slug="mailbox", name="市司法局领导信箱", kind=m.Source.Kind.BOARD)
    hotline = SourceFactory(slug="12345", name="12345 转办", kind=m.Source.Kind.HOTLINE)
    plan = [(board, m.Channel.BOARD, "咨询法律援助申请条件", 3), (mailbox, m.Channel.BOARD, "反映律师收费过高", 1),
            (hotline, m.Channel.HOTLINE_COMPLAINT, "投诉公证处办证拖延", 2),
            (hotline, m.Channel.HOTLINE_ENQUIRY, "咨询社区矫正报到手续", 2)]
    n = 0
    for source, channel, title, count in plan:
        for _ in range(count):
            n += 1
            at = datetime(2026, 3, 1, 10, 0, tzinfo=SH) + timedelta(days=7 * n)
            case = CaseFactory(title=f"{title}（{n}）", channel=channel, opened_at=at, section=bureau["lawyers"],
                               state=m.Case.State.CLOSED if n % 2 else m.Case.State.HANDLING,
                               closed_at=at + timedelta(days=2) if n % 2 else None)
            case.mentions.add(MentionFactory(source=source, title=case.title, published_at=at, fetched_at=at,
                                             url=f"https://gov.example.cn/{source.slug}/{n}"))
    return {"网上留言": 3, "领导信箱": 1, "12345": 4}
