"""The fast place scan (issue 13 follow-up) finds exactly what the slow one found.

Place names are found with a two-character ``PairIndex`` instead of pyahocorasick, word
boundaries come from one tokenizer call per text's stories, and the foreign stories of a text
are resolved together. Each test compares the fast path with a plain reference on real
新闻联播 transcripts (the benchmark's corpus) and on edge cases."""
from __future__ import annotations

import gzip
import json
import re
from itertools import accumulate
from pathlib import Path

import ahocorasick
import pytest

from analysis import places as P
from analysis.places import Boundaries, Gazetteer, story_abroad
from analysis.text import PairIndex, code_points, fold, tokenize_folded, trie_regex
from analysis.urgency import UrgencyConfig, _split_foreign, load_default

NEWS = Path(__file__).resolve().parents[1] / "data" / "xinwenlianbo_sample300.jsonl.gz"


@pytest.fixture(scope="module")
def cfg() -> UrgencyConfig:
    return load_default()


@pytest.fixture(scope="module")
def news() -> list[str]:
    with gzip.open(NEWS, "rt", encoding="utf-8") as fh:
        rows = [json.loads(x) for x in fh]
    return [f"{r['title']}\n{r['text']}" for r in rows[:120]]


def _kinds(g: Gazetteer) -> dict[str, int]:
    assert g._pairs is not None
    return g._pairs.kinds


def _reference_names(kinds: dict[str, int], folded: str) -> list[tuple[int, int, str, int]]:
    """Every occurrence of every name, overlaps included, as the automaton found them."""
    auto = ahocorasick.Automaton()
    for key, kind in kinds.items():
        auto.add_word(key, (key, kind))
    auto.make_automaton()
    return sorted((end + 1 - len(key), end + 1, key, kind) for end, (key, kind) in auto.iter(folded))


def _reference_fits(folded: str, start: int, end: int) -> bool:
    """``Boundaries.fits`` as it was: the run around the name tokenized on its own."""
    breaks = [m.start() for m in P._NON_RUN.finditer(folded)]
    lo = max([b + 1 for b in breaks if b < start], default=0)
    hi = min([b for b in breaks if b >= start], default=len(folded))
    if hi < end:
        return True
    ends = list(accumulate(map(len, tokenize_folded(folded[lo:hi])), initial=lo))
    words = dict(zip(ends, ends[1:]))
    if start not in words:
        return False
    if start and folded[start] in "日月" and folded[start - 1] in P._DATE_DIGITS:
        return False
    if end in words or end == hi:
        return True
    return words[start] > end and bool(P._WORD_REST.match(folded, end))


def test_break_table_is_the_tokenizer_run_class() -> None:
    bmp = "".join(chr(c) for c in range(0x10000))
    breaks = {m.start() for m in P._NON_RUN.finditer(bmp)}
    assert {c for c in range(0x10000) if P._BREAK_LUT[c]} == breaks
    # Astral characters become 0, a break, as the regex's negated class treats them.
    assert code_points("日本\U0001F600美国").tolist() == [0x65E5, 0x672C, 0, 0x7F8E, 0x56FD]


def test_shipped_gazetteer_scans_without_the_automaton(cfg: UrgencyConfig) -> None:
    g = cfg._compiled["places"]
    assert g._pairs is not None and g._all is None


def test_every_name_occurrence_is_found(cfg: UrgencyConfig, news: list[str]) -> None:
    g = cfg._compiled["places"]
    kinds = _kinds(g)
    for text in news[:40] + ["威海地震", "江苏丹阳", "日", "", "印度尼西亚\U0001F600苏丹\x00海地"]:
        folded = fold(text)
        bounds = Boundaries(folded)
        want = _reference_names(kinds, folded)
        assert g._occurrences(bounds, 0, len(folded)) == want
        assert g.foreign_names(bounds) == [n for n in want if n[3] in (1, 2)]
        lo, hi = len(folded) // 3, 2 * len(folded) // 3
        assert g._occurrences(bounds, lo, hi) == [n for n in want if lo <= n[0] and n[1] <= hi]


def test_batched_boundaries_equal_one_run_at_a_time(cfg: UrgencyConfig, news: list[str]) -> None:
    g = cfg._compiled["places"]
    checked = 0
    for text in news:
        folded = fold(text)
        names = _reference_names(_kinds(g), folded)
        got = Boundaries(folded).fits_all(names)
        assert got == [_reference_fits(folded, s, e) for s, e, _, _ in names], text[:40]
        checked += len(names)
    assert checked > 600
    # The date trap and a name at a run's edge.
    for text, name, want in [("28日本人参加", "日本", False), ("日本、韩国", "日本", True),
                             ("欧美国家", "美国", False), ("美国驻华使馆", "美国", True)]:
        folded = fold(text)
        start = folded.index(name)
        assert Boundaries(folded).fits(start, start + len(name)) is want
        assert _reference_fits(folded, start, start + len(name)) is want


def test_stories_abroad_equal_starts_find_then_story_abroad(cfg: UrgencyConfig,
                                                            news: list[str]) -> None:
    g, terms = cfg._compiled["places"], cfg._compiled["category"]
    judged = 0
    for text in news + ["我市派出所：日本、韩国游客走失\n美国发生枪击", "中东部地区降雨\n沿海地区"]:
        folded = fold(text)
        spans = [m.span() for m in re.finditer(r"[^\n]+", text)]
        starts = g.foreign_starts(folded, Boundaries(folded))
        want = [story_abroad(text[lo:hi], g, terms, g.find(text, folded, (lo, hi)),
                             folded[lo:hi])[0] if any(lo <= s < hi for s in starts) else None
                for lo, hi in spans]
        assert g.stories_abroad(folded, spans, Boundaries(folded), terms) == want
        judged += sum(w is not None for w in want)
    assert judged > 150
    # The places of a story are those ``find`` gives, whatever decided it.
    folded = fold(news[0])
    spans = [m.span() for m in re.finditer(r"[^\n]+", news[0])]
    bounds = Boundaries(folded)
    g.stories_abroad(folded, spans, bounds, terms)
    assert g.find_spans(folded, spans, bounds) == [g.find(news[0], folded, sp) for sp in spans]


def test_single_character_names_use_the_automaton() -> None:
    g = Gazetteer(domestic=["京", "杨美村"], foreign=["美国"])
    assert g._pairs is None and g._all is not None
    assert [p.name for p in g.find("京美国发生地震")] == ["京", "美国"]
    assert [p.name for p in g.find("杨美村发生山体滑坡，美国专家参与救援")] == ["杨美村", "美国"]
    assert Gazetteer([], []).find("美国发生地震") == []


def test_pair_index_finditer_is_re_finditer(cfg: UrgencyConfig, news: list[str]) -> None:
    terms = list(cfg._compiled["term_category"])
    pattern, index = trie_regex(terms), PairIndex(terms)
    for text in news + ["火灾火情火灾事故", "聚集性疫情聚集", ""]:
        assert [m.span() for m in index.finditer(pattern, text)] == \
            [m.span() for m in pattern.finditer(text)]
    assert not PairIndex.accepts(["火"]) and not PairIndex.accepts(["\U0001F600火"])
    with pytest.raises(ValueError):
        PairIndex(["火"])


def test_a_news_article_is_tokenized_in_two_calls(cfg: UrgencyConfig, news: list[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """What made place matching slow: one tokenizer call (and word list) per run naming a
    place, ~19 per 2,000-character article, and a second scan of each story's text."""
    calls: list[int] = []

    def counting(folded: str) -> list[str]:
        calls.append(len(folded))
        return tokenize_folded(folded)

    monkeypatch.setattr(P, "tokenize_folded", counting)
    article = "\n".join(news[:4])
    home, abroad, _ = _split_foreign(article, cfg)
    assert abroad  # international news: some stories are about abroad
    assert 1 <= len(calls) <= 2
