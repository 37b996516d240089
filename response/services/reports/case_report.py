"""The 舆情专报 for one case: 标题, 基本情况, 传播情况, 舆情研判, 处置情况, 下一步建议."""
from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from response.models import Case, CaseClock
from response.services.digest.text import one_line
from response.services.stats import VERDICT_LABELS, dismissed_at, verdict

from .document import Document, Heading, Image, Paragraph, Table, fmt_cell, fmt_time, percent
from .story import Spread, case_spread

NO_NEXT_STEPS = "（办公室尚未填写下一步建议。）"
EXCERPT_CHARS = 160


def _ended_at(case: Case) -> datetime | None:
    """When the case ended, as `yuqing stats` judges it: closure time, or the last dismissal in the audit."""
    if case.state == Case.State.CLOSED:
        return case.closed_at
    if case.state == Case.State.DISMISSED:
        return Case.objects.filter(pk=case.pk).annotate(at=dismissed_at("pk")).values_list("at", flat=True).first()
    return None


def clock_rows(case: Case, now: datetime) -> list[list[str]]:
    ended = _ended_at(case)
    rows = []
    for clock in CaseClock.objects.filter(case=case).order_by("due_at"):
        outcome = verdict(clock.due_at, clock.stopped_at, case.state, ended, now)
        rows.append([clock.get_clock_display(), fmt_cell(clock.started_at), fmt_cell(clock.due_at),
                     fmt_cell(clock.stopped_at) if clock.stopped_at else "未完成", VERDICT_LABELS[outcome],
                     one_line(clock.policy_note, 40) or "—"])
    return rows


def _basics(case: Case, spread: Spread, doc: Document) -> None:
    doc.add(Heading("一、基本情况"))
    first = spread.first
    lead = case.mentions.exclude(text="").order_by("published_at", "fetched_at").first()
    what = one_line(case.description, 600) if case.description else (
        one_line(lead.text, EXCERPT_CHARS) if lead else "")
    if first:
        sentence = f"{fmt_time(first.at)}，{first.publisher}（{first.medium}）发布《{first.title}》。"
    else:
        sentence = f"{fmt_time(case.opened_at)}，{case.get_channel_display()}渠道收到《{one_line(case.title, 80)}》。"
    doc.add(Paragraph(sentence + (f"主要内容：{what}" if what else "")))
    doc.add(Table(["项目", "内容"], [
        ["案件编号", case.number],
        ["渠道", case.get_channel_display()],
        ["首发媒体", f"{first.publisher}（{first.reach_label}）" if first else "—"],
        ["首发时间", fmt_cell(first.at) if first else "—"],
        ["涉及属地", "、".join(spread.places) or "未识别"],
        ["立案时间", fmt_cell(case.opened_at)],
    ], widths=[1, 3]))


def _spread(spread: Spread, doc: Document, now: datetime) -> None:
    doc.add(Heading("二、传播情况"))
    if not spread.copies:
        doc.add(Paragraph("本案件无关联的网络信息（来自留言板、12345 或人工登记），不涉及网络传播。"))
        return
    reach = "、".join(f"{label}{n}条" for label, n, _ in spread.by_reach if n)
    text = (f"截至{fmt_time(now)}，共监测到相关信息{len(spread.copies)}条，涉及{spread.source_count}个来源，"
            f"其中{reach}。首发于{fmt_time(spread.first.at)}，最近一条于{fmt_time(spread.last_at)}")
    peak = spread.peak_label()
    doc.add(Paragraph(text + (f"；传播高峰出现在{peak}。" if peak and len(spread.buckets) > 1 else "。")))
    png = spread.spread_png()
    if png:
        doc.add(Image(png, f"图1 相关信息传播趋势（按来源影响力，每{spread.unit}条数）"))
    doc.add(Table(["来源影响力", "信息条数", "来源数"],
                  [[label, str(n), str(s)] for label, n, s in spread.by_reach],
                  caption="表1 按来源影响力统计"))
    doc.add(Table(["媒体/网站", "影响力", "类型", "条数", "首次发布"],
                  [[o.name, o.reach_label, o.kind_label, str(o.count), fmt_cell(o.first_at)] for o in spread.outlets],
                  caption="表2 主要传播媒体", widths=[2.6, 1.1, 2.2, 0.8, 2.6]))


def _judgement(case: Case, spread: Spread, doc: Document) -> None:
    doc.add(Heading("三、舆情研判"))
    counts = spread.by_sentiment
    total = sum(counts.values())
    if total:
        negative = counts.get("负面", 0)
        main = max(counts, key=lambda k: counts[k])
        doc.add(Paragraph(f"情感倾向：以{main}为主，" + "、".join(f"{k}{v}条" for k, v in counts.items() if v) +
                          f"，负面占比{percent(negative / total)}。"))
    level = str(case.level) if case.level else "未定级"
    doc.add(Paragraph(f"紧急程度：紧急度{spread.max_urgency}/100；案件级别：{level}。"))
    if spread.reasons:
        doc.add(Paragraph("研判依据：" + "；".join(f"（{i}）{r}" for i, r in enumerate(spread.reasons, 1)) + "。"))
    if spread.plans:
        doc.add(Paragraph("命中监测方案：" + "、".join(spread.plans) + "。"))


def _handling(case: Case, doc: Document, now: datetime) -> None:
    doc.add(Heading("四、处置情况"))
    co = "、".join(case.co_sections.values_list("name", flat=True))
    who = f"由{case.section.name}牵头办理" + (f"，{co}协办" if co else "")
    if case.leader:
        who += f"，分管领导{case.leader.last_name}{case.leader.first_name or case.leader.username}"
    if case.assignee:
        who += f"，承办人{case.assignee.last_name}{case.assignee.first_name or case.assignee.username}"
    doc.add(Paragraph(f"{who}；当前状态：{case.get_state_display()}。"))
    consultations = list(case.consultations.order_by("held_at"))
    if consultations:
        doc.add(Heading("（一）会商研判", level=2))
        for c in consultations:
            doc.add(Paragraph(f"{fmt_time(c.held_at)}，召开会商联席会议，参会：{one_line(c.participants, 200)}。"
                              f"会商结论：{one_line(c.conclusion, 400)}统一口径：{one_line(c.agreed_wording, 400)}"))
    responses = list(case.responses.order_by("responded_at"))
    doc.add(Heading("（二）回应情况" if consultations else "（一）回应情况", level=2))
    if responses:
        for r in responses:
            late = f"（补录：{one_line(r.late_reason, 100)}）" if r.late_reason else ""
            doc.add(Paragraph(f"{fmt_time(r.responded_at)}，{r.get_kind_display()}（{one_line(r.channel, 60)}）{late}："
                              f"{one_line(r.text, 400)}"))
    else:
        doc.add(Paragraph("截至本报告生成时尚未对外回应。"))
    rows = clock_rows(case, now)
    if rows:
        doc.add(Table(["时限", "起算", "到期", "完成", "结果", "依据"], rows, caption="表3 处置时限执行情况",
                      widths=[0.9, 1.9, 1.9, 1.9, 1.1, 2.6]))
    if case.summary:
        doc.add(Paragraph(f"办结情况：{one_line(case.summary, 600)}"))


def case_document(case: Case, now: datetime | None = None) -> Document:
    now = now or timezone.now()
    spread = case_spread(case)
    doc = Document(masthead="舆情专报", title=f"关于“{one_line(case.title, 60)}”的舆情专报",
                   bureau=settings.YUQING_BUREAU_NAME, generated_at=now,
                   filename=f"舆情专报-{case.number}", reference=case.number)
    _basics(case, spread, doc)
    _spread(spread, doc, now)
    _judgement(case, spread, doc)
    _handling(case, doc, now)
    doc.add(Heading("五、下一步建议"))
    steps = [line.strip() for line in case.next_steps.splitlines() if line.strip()]
    doc.add(*([Paragraph(line) for line in steps] or [Paragraph(NO_NEXT_STEPS)]))
    return doc
