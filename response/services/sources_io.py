"""Sources as YAML: `yuqing sources load FILE.yaml` / `yuqing sources export`."""
from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from response.models import Source

# Search sources: bounds on what one run asks of someone else's search box.
SEARCH_MAX_PAGES = 10
SEARCH_MAX_QUERIES = 200
SEARCH_INT_OPTIONS = {  # option → (smallest, largest, what it is)
    "max_pages": (1, SEARCH_MAX_PAGES, "每个关键词最多翻页数"),
    "max_queries": (1, SEARCH_MAX_QUERIES, "每次最多搜索的关键词数"),
    "first_page": (0, 1000, "第一页的页码"),
    "page_step": (1, 1000, "页码步长"),
}

EDITABLE = ("name", "kind", "url", "reach", "weight", "schedule_minutes", "encoding",
            "selectors", "settings", "enabled")


class SourcesRejected(ValidationError):
    """Some sources in the file broke a rule. The valid ones were loaded; each rejected one is
    named with its reason, so the office can fix the file and load it again."""

    def __init__(self, rejected: list[str], created: int, updated: int) -> None:
        self.rejected, self.created, self.updated = rejected, created, updated
        summary = f"其余采集源已载入：新增 {created}，更新 {updated}"
        super().__init__([*rejected, summary])

    def __str__(self) -> str:
        # The command prints str(exc): one reason per line reads better than a Python list.
        return "\n".join(self.messages)


def _validate(row: dict[str, Any], index: int) -> None:
    missing = [k for k in ("slug", "name", "kind") if not row.get(k)]
    if missing:
        raise ValidationError(f"第 {index + 1} 个采集源缺少字段: {', '.join(missing)}")
    if row["kind"] not in Source.Kind.values:
        raise ValidationError(f"采集源 {row['slug']}: 未知类型 {row['kind']!r}，可选 {Source.Kind.values}")


def _is_codec(name: object) -> bool:
    try:
        codecs.lookup(str(name))
    except LookupError:
        return False
    return True


def _string_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def search_problems(row: dict[str, Any]) -> list[str]:
    """What is wrong with a search source's URL template and options (empty when nothing).

    The template must be an http(s) address holding ``{query}``; ``{page}`` is optional (without
    it the results page's own "下一页" link is followed)."""
    problems = []
    url = str(row.get("url") or "")
    if "{query}" not in url:
        problems.append("（地址）：关键词搜索类采集源的地址必须是含 {query} 占位符的网址模板，"
                        "例如 http://so.example.cn/s?q={query}&page={page}")
    elif urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        problems.append("（地址）：搜索地址模板必须以 http:// 或 https:// 开头并包含网站域名")
    if row.get("encoding") and not _is_codec(row["encoding"]):
        problems.append(f"（编码）：无法识别的编码 {row['encoding']!r}，例如 gbk、gb18030、utf-8")
    options = row.get("settings") or {}
    if not isinstance(options, dict):
        return [*problems, "（采集参数）：应为键值对"]
    for key, (low, high, label) in SEARCH_INT_OPTIONS.items():
        if key in options:
            value = options[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                problems.append(f"（采集参数）：{key}（{label}）应为 {low} 到 {high} 之间的整数，当前为 {value!r}")
    if "query_encoding" in options and not _is_codec(options["query_encoding"]):
        problems.append(f"（采集参数）：query_encoding 无法识别的编码 {options['query_encoding']!r}")
    for key in ("queries", "plans"):
        if key in options and not _string_list(options[key]):
            problems.append(f"（采集参数）：{key} 应为非空文字的列表")
    own = options.get("plan_queries")
    if own is not None and not (isinstance(own, dict) and all(
            isinstance(v, str) and v.strip() or _string_list(v) for v in own.values())):
        problems.append("（采集参数）：plan_queries 应为 “监测方案名称: 搜索词或搜索词列表” 的键值对")
    selectors = row.get("selectors") or {}
    if not isinstance(selectors, dict) or not all(isinstance(v, str) for v in selectors.values()):
        problems.append("（选择器）：应为 “名称: CSS 或 XPath 表达式” 的键值对")
    return problems


def _reasons(source: Source, exc: ValidationError) -> list[str]:
    """One line per broken rule, each naming the source and the field as the admin labels it."""
    lines = []
    for field, messages in exc.message_dict.items():
        where = "" if field == NON_FIELD_ERRORS else f"（{Source._meta.get_field(field).verbose_name}）"
        lines.extend(f"采集源 {source.slug}{where}：{message}" for message in messages)
    return lines


def _load_row(row: dict[str, Any], index: int) -> bool:
    """Validate one row as the admin would (Source.clean included) before anything is saved.
    Returns whether the source was created."""
    if not isinstance(row, dict):
        raise ValidationError(f"第 {index + 1} 个采集源格式错误：应为键值对")
    _validate(row, index)
    source = Source.objects.filter(slug=row["slug"]).first() or Source(slug=row["slug"])
    created = source.pk is None
    for key in EDITABLE:
        if key in row:
            setattr(source, key, row[key])
    # Checked on the merged source: a row updating only the name keeps the stored template.
    if source.kind == Source.Kind.SEARCH and (problems := search_problems(
            {key: getattr(source, key) for key in ("url", "encoding", "settings", "selectors")})):
        raise ValidationError([f"采集源 {source.slug}{problem}" for problem in problems])
    try:
        source.full_clean(exclude=["crawl_state"])
    except ValidationError as exc:
        raise ValidationError(_reasons(source, exc)) from exc
    source.save()
    return created


def load_sources(path: Path | str, *, substitutions: dict[str, str] | None = None) -> tuple[int, int]:
    """Create or update sources by slug. Returns (created, updated).

    A source that breaks a rule (missing field, unknown kind, a board read less than twice a
    day, …) is not loaded; the others are, and SourcesRejected names every rejected one.
    """
    text = Path(path).read_text(encoding="utf-8")
    for key, value in (substitutions or {}).items():
        text = text.replace("{" + key + "}", value)
    data = yaml.safe_load(text) or {}
    rows = data.get("sources", data) if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise ValidationError("采集源文件格式错误：应为 sources: 下的列表")
    created = updated = 0
    rejected: list[str] = []
    with transaction.atomic():
        for index, row in enumerate(rows):
            try:
                was_created = _load_row(row, index)
            except ValidationError as exc:
                rejected.extend(exc.messages)
                continue
            created += was_created
            updated += not was_created
    if rejected:
        raise SourcesRejected(rejected, created, updated)
    return created, updated


def export_sources() -> str:
    rows = []
    for source in Source.objects.order_by("slug"):
        row = {"slug": source.slug}
        for key in EDITABLE:
            value = getattr(source, key)
            if value in ("", {}, None):
                continue
            row[key] = value
        rows.append(row)
    return yaml.safe_dump({"sources": rows}, allow_unicode=True, sort_keys=False)
