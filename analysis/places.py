"""Place names on word boundaries, domestic or foreign, and where a story happened.

Substring matching read "威海地震" as 海地 and "江苏丹阳" as 苏丹. Here a gazetteer name counts
only where the tokenizer (``analysis.text``, rjieba) puts a word boundary before it and after
it (or where it begins a longer word: "美国驻华使馆", "威海市"), and where names overlap the
longer one wins. The gazetteers are ``analysis/data/places_cn.txt`` (provinces, cities,
counties, districts) and ``analysis/data/places_foreign.txt`` (countries, regions, cities),
built by ``analysis/data/make_places.py``; a bureau adds its own in ``urgency.yaml``.

``story_abroad`` decides whether a story reports an event abroad: it names a foreign place as
a location (not an embassy, a government or a relief team "in passing"; an institution such
as 联合国 only when no Chinese place is named at all), and no Chinese place is named before it
or right before an event word ("四川汶川发生地震……日本、俄罗斯救援队抵达" stays domestic).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple

import ahocorasick

from analysis.text import fold, tokenize_folded, trie_regex

DATA = Path(__file__).resolve().parent / "data"
DOMESTIC_FILE = DATA / "places_cn.txt"
FOREIGN_FILE = DATA / "places_foreign.txt"

# jieba cuts its input into runs of these characters before segmenting, so the words of a run
# do not depend on the text around it: a run is enough to know a name's boundaries.
_NON_RUN = re.compile(r"[^\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]")
_RUN_ASCII = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+#&._%-")


def _in_run(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fd5" or ch in _RUN_ASCII
_ENUM = re.compile(r"[、和与及，,]")
# What follows a foreign name mentioned in passing: its embassy, government, officials, media,
# experts, visitors or relief teams, or a list of countries ("日本、韩国等国").
_FOREIGN_PASSING = re.compile(
    r"(?:驻华|驻|大使|使馆|领馆|领事馆|政府|外交部|外长|总统|总理|首相|国王|议会|国会|方面|方|媒体|媒|"
    r"官员|专家|学者|记者|代表|客人|友人|留学生|游客|商人|企业|公司|籍|救援队|红十字|等国|"
    r"向|对华|同中国|和中国|与中国|同我国|与我国)")
# What may follow a name inside one word for the name to count ("威海市", "美国驻华使馆",
# "联合国安理会"), unlike words that merely start with one ("中东部地区", "印度洋").
_WORD_REST = re.compile(
    r"(?:省|市|县|区|州|盟|旗|镇|乡|村|岛|湾|港|人|籍|军|队|境内|当地|首都|海域|安理会|秘书长|机构|"
    + _FOREIGN_PASSING.pattern[3:-1] + r")")
# "28日本人": a date's 日 followed by 本人, not 日本.
_DATE_DIGITS = frozenset("0123456789〇一二三四五六七八九十")
# A Chinese place in a dateline ("新华社北京3月2日电") or a time zone is not where it happened.
_DOMESTIC_PASSING = re.compile(r"(?:\d{1,2}月)?\d{1,2}日(?:电|讯)|电(?=[\s（(])|时间")


_BREAK = re.compile(r"[，。；！？,;!?\n]")
# Words of a local report: with only passing foreign mentions ("德国专家参与救援"), these say the
# event happened here even when no place is named.
_HOME_DEIXIS = re.compile(
    r"我市|本市|我省|本省|我县|本县|我区|本区|全市|全县|市委|市政府|县委|县政府|区委|区政府|省委|"
    r"省政府|街道办|社区|乡镇|派出所|公安局|司法局|司法所|应急管理局|消防救援")


class Place(NamedTuple):
    name: str
    start: int
    end: int
    foreign: bool
    passing: bool   # named in passing (an embassy, a relief team, a dateline): not a location
    actor: bool = False  # a foreign institution (联合国): a location only when nothing else is


def _read(path: Path) -> list[str]:
    return [w.strip() for w in path.read_text("utf-8").splitlines()
            if w.strip() and not w.startswith("#")]


@lru_cache(maxsize=1)
def default_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(domestic, foreign) names of the shipped gazetteers."""
    return tuple(_read(DOMESTIC_FILE)), tuple(_read(FOREIGN_FILE))


class Gazetteer:
    """Domestic and foreign place names; ``not_places`` are names that contain a place and are
    none ("非洲猪瘟", "北京时间"), ``actors`` are foreign institutions (联合国, 北约): named, never a
    location."""

    def __init__(self, domestic: Iterable[str], foreign: Iterable[str],
                 not_places: Iterable[str] = (), actors: Iterable[str] = ()):
        # kind: 0 domestic, 1 foreign location, 2 foreign actor, 3 not a place. A name on two
        # lists takes the later kind (a bureau's not_places beat a gazetteer entry).
        kinds: dict[str, int] = {}
        for kind, names in enumerate((domestic, foreign, actors, not_places)):
            for name in names:
                key = fold(name.strip())
                if key:
                    kinds[key] = kind
        self._all = ahocorasick.Automaton()
        self._foreign = ahocorasick.Automaton()
        for key, kind in kinds.items():
            self._all.add_word(key, (key, kind))
            if kind in (1, 2):
                self._foreign.add_word(key, key)
        self._all.make_automaton()
        if len(self._foreign):
            self._foreign.make_automaton()
        # A character-trie regex finds "no foreign name here" faster than the automaton's
        # iterator on the paragraphs most texts are made of.
        self._foreign_any = trie_regex([k for k, kind in kinds.items() if kind in (1, 2)])

    @classmethod
    def default(cls, extra_domestic: Iterable[str] = (), extra_foreign: Iterable[str] = (),
                not_places: Iterable[str] = (), actors: Iterable[str] = ()) -> Gazetteer:
        """The shipped gazetteers plus a configuration's names. Built once per distinct set of
        extra names: every ``UrgencyConfig`` load asks for one, and building costs ~1.5 MB of
        temporaries and ~20 ms."""
        return _default_gazetteer(tuple(extra_domestic), tuple(extra_foreign),
                                  tuple(not_places), tuple(actors))

    def may_name_foreign(self, folded: str) -> bool:
        """A cheap pre-check: some foreign name occurs as a substring of the folded text."""
        return self._foreign_any.search(folded) is not None

    def foreign_starts(self, folded: str, bounds: Boundaries | None = None) -> list[int]:
        """Where foreign names occur on word boundaries (a superset of ``find``'s foreign
        places: longer names are not resolved yet). Most texts whose substrings hit a name
        ("中东部地区", "沿海地区") are settled here, and a caller looks up the Chinese places
        only of the paragraphs that name something foreign."""
        if not self.may_name_foreign(folded):
            return []
        bounds = bounds or Boundaries(folded)
        # Longer names are not cut here: they are rarely inside other words ("俄罗斯"), and
        # ``find`` checks every name of a story that reaches it; the two-character names
        # (海地, 苏丹, 中东, 日本) are the substring traps, and checking them settles most texts.
        return sorted(end + 1 - len(key) for end, key in self._foreign.iter(folded)
                      if len(key) > 2 or bounds.fits(end + 1 - len(key), end + 1))

    def find(self, text: str, folded: str | None = None, span: tuple[int, int] | None = None,
             bounds: Boundaries | None = None) -> list[Place]:
        """Places named in ``text`` on word boundaries, in order, overlaps resolved.
        ``folded``: the caller's ``fold(text)``; ``span``: only the places within
        ``text[lo:hi]``, with offsets from ``lo``; ``bounds``: the caller's ``Boundaries`` of
        ``folded`` (words already cut are not cut again)."""
        folded = fold(text) if folded is None else folded
        lo, hi = span or (0, len(folded))
        candidates = []
        for end_idx, (key, kind) in self._all.iter(folded, lo, hi):
            start = end_idx + 1 - len(key)
            candidates.append((start, end_idx + 1, key, kind))
        if not candidates:
            return []
        # Longest first: "印度尼西亚" over "印度", "内蒙古" over "蒙古", "非洲猪瘟" over "非洲".
        candidates.sort(key=lambda c: (c[0] - c[1], c[0]))
        taken = bytearray(len(folded))
        kept = []
        bounds = bounds or Boundaries(folded)
        for start, end, key, kind in candidates:
            if any(taken[start:end]):
                continue
            if kind != 3 and not bounds.fits(start, end):
                continue
            taken[start:end] = b"\x01" * (end - start)
            if kind != 3:
                kept.append((start, end, key, kind))
        kept.sort()
        places = _mark_passing(folded, kept)
        return [p._replace(start=p.start - lo, end=p.end - lo) for p in places] if lo else places


@lru_cache(maxsize=8)
def _default_gazetteer(extra_domestic: tuple[str, ...], extra_foreign: tuple[str, ...],
                       not_places: tuple[str, ...], actors: tuple[str, ...]) -> Gazetteer:
    domestic, foreign = default_names()
    return Gazetteer([*domestic, *extra_domestic], [*foreign, *extra_foreign], not_places, actors)


class Boundaries:
    """Word boundaries of the runs of ``folded``, tokenized only where a name was found."""

    def __init__(self, folded: str):
        self.folded = folded
        self.cache: dict[int, tuple[set[int], dict[int, int]]] = {}
        self._breaks: list[int] | None = None

    def _run(self, start: int, end: int) -> tuple[int, int] | None:
        """The run around folded[start:end] (None if the name itself holds a non-run character).
        Runs are found around each name rather than over the whole text: a text has far more
        runs than names."""
        breaks = self._breaks
        if breaks is None:
            # One C-level scan per text, then each name's run is two bisections.
            breaks = self._breaks = [m.start() for m in _NON_RUN.finditer(self.folded)]
        j = bisect_left(breaks, start)
        if j < len(breaks) and breaks[j] < end:
            return None
        lo = breaks[j - 1] + 1 if j else 0
        return lo, (breaks[j] if j < len(breaks) else len(self.folded))

    def fits(self, start: int, end: int) -> bool:
        run = self._run(start, end)
        if run is None:
            return True  # a name with punctuation in it: no word to cut
        lo, hi = run
        starts, token_end = self._words(lo, hi)
        if start not in starts:
            return False
        if start and self.folded[start] in "日月" and self.folded[start - 1] in _DATE_DIGITS:
            return False
        if end in starts or end == hi:
            return True
        # Begins a longer word: only as a name with its suffix ("美国驻华使馆", "威海市").
        return token_end[start] > end and bool(_WORD_REST.match(self.folded, end))

    def _words(self, lo: int, hi: int) -> tuple[set[int], dict[int, int]]:
        got = self.cache.get(lo)
        if got is None:
            ends = list(accumulate(map(len, tokenize_folded(self.folded[lo:hi])), initial=lo))
            got = self.cache[lo] = (set(ends[:-1]), dict(zip(ends, ends[1:])))
        return got


def _mark_passing(folded: str, kept: list[tuple[int, int, str, int]]) -> list[Place]:
    places = []
    for i, (start, end, key, kind) in enumerate(kept):
        if kind == 0:
            passing = bool(_DOMESTIC_PASSING.match(folded, end))
        else:
            # Skip the rest of a list of foreign names ("日本、韩国等国"): what follows the last
            # one says whether the whole list is a location or a group of actors.
            tail, j = end, i + 1
            while (j < len(kept) and kept[j][3] in (1, 2)
                   and _ENUM.fullmatch(folded[tail:kept[j][0]] or "x")):
                tail, j = kept[j][1], j + 1
            passing = bool(_FOREIGN_PASSING.match(folded, tail))
        places.append(Place(key, start, end, kind in (1, 2), passing, kind == 2))
    return places


def story_abroad(story: str, gazetteer: Gazetteer, event_terms: re.Pattern[str] | None = None,
                 places: list[Place] | None = None,
                 folded: str | None = None) -> tuple[bool, str | None]:
    """(whether ``story`` reports an event abroad, the first foreign place named as a location).

    Abroad when a foreign place is named as a location and no Chinese place is named as the
    event's location: before the first foreign location, or just before an event word of
    ``event_terms`` ("汶川地震", "昆明火车站发生暴恐"). ``places`` and ``folded``: the story's
    places (offsets within it) and fold when the caller already found them in a longer text."""
    folded = fold(story) if folded is None else folded
    if places is None:
        if not gazetteer.may_name_foreign(folded):
            return False, None
        places = gazetteer.find(story, folded)
    mentioned = [p for p in places if p.foreign]
    if not mentioned:
        return False, None
    domestic = [p for p in places if not p.foreign and not p.passing]
    foreign = [p for p in mentioned if not p.passing and not p.actor]
    if not domestic:
        # No Chinese place: a foreign story, even where the paragraph names its country only
        # in passing ("据美国媒体报道，多人死亡") — unless only passing mentions and the words of
        # a local report ("我市", "派出所") say it happened here.
        if not foreign and _HOME_DEIXIS.search(folded):
            return False, None
        return True, (foreign or mentioned)[0].name
    if not foreign:
        return False, None  # embassies, relief teams, 联合国 quoted on a Chinese event
    if domestic[0].start < foreign[0].start:
        return False, None
    if event_terms is not None:
        for p in domestic:
            m = event_terms.search(folded, p.end, p.end + 12)
            if (m and not _BREAK.search(folded, p.end, m.start())
                    and not _foreign_before_in_sentence(folded, foreign, p.start)):
                return False, None
    return True, foreign[0].name


def _foreign_before_in_sentence(folded: str, foreign: list[Place], pos: int) -> bool:
    """A foreign location earlier in the same sentence makes a later name part of it
    ("加拿大……不列颠哥伦比亚省火情最为严重")."""
    start = max(folded.rfind(ch, 0, pos) for ch in "。！？；!?;\n") + 1
    return any(start <= p.start < pos for p in foreign)
