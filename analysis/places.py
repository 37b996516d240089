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

Speed (national news names ~30 places in 2,000 characters): names are found where their first
two characters occur (``analysis.text.PairIndex``, one numpy pass), only the runs around names
of stories that name something foreign are tokenized, those of a text in one or two tokenizer
calls, and ``Gazetteer.stories_abroad`` judges a text's stories together.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple

import ahocorasick
import numpy as np

from analysis.text import PairIndex, code_points, fold, tokenize_folded, trie_regex

DATA = Path(__file__).resolve().parent / "data"
DOMESTIC_FILE = DATA / "places_cn.txt"
FOREIGN_FILE = DATA / "places_foreign.txt"

# jieba cuts its input into runs of these characters before segmenting, so the words of a run
# do not depend on the text around it: a run is enough to know a name's boundaries.
_NON_RUN = re.compile(r"[^\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]")
_RUN_ASCII = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+#&._%-")


def _in_run(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fd5" or ch in _RUN_ASCII


# ``_NON_RUN`` as a lookup over the BMP (astral characters, mapped to 0, break runs as the
# regex's negated class does): a text's runs come from the code-point array its names are
# found with, instead of a second regex scan with a match object per break.
_BREAK_LUT = np.ones(0x10000, dtype=bool)
_BREAK_LUT[0x4E00:0x9FD6] = False
_BREAK_LUT[[ord(c) for c in _RUN_ASCII]] = False

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
        self._pairs = _PairTable.build(kinds)
        self._all: ahocorasick.Automaton | None = None
        if self._pairs is None:
            # Names the pair table cannot hold (one character, astral): the automaton finds
            # them, at ~70 ns a character (its root has a child per first character).
            self._all = ahocorasick.Automaton()
            for key, kind in kinds.items():
                self._all.add_word(key, (key, kind))
            self._all.make_automaton()
        # A character-trie regex finds "no foreign name here" cheaply on the paragraphs most
        # texts are made of.
        self._foreign_any = trie_regex([k for k, kind in kinds.items() if kind in (1, 2)])

    @classmethod
    def default(cls, extra_domestic: Iterable[str] = (), extra_foreign: Iterable[str] = (),
                not_places: Iterable[str] = (), actors: Iterable[str] = ()) -> Gazetteer:
        """The shipped gazetteers plus a configuration's names. Built once per distinct set of
        extra names: every ``UrgencyConfig`` load asks for one, and building one keeps ~1.8 MB
        (most of it the pair index), peaks at ~2.5 MB and takes ~0.1 s."""
        return _default_gazetteer(tuple(extra_domestic), tuple(extra_foreign),
                                  tuple(not_places), tuple(actors))

    def may_name_foreign(self, folded: str) -> bool:
        """A cheap pre-check: some foreign name occurs as a substring of the folded text."""
        return self._foreign_any.search(folded) is not None

    def foreign_names(self, bounds: Boundaries) -> list[tuple[int, int, str, int]]:
        """Every occurrence of a foreign name in ``bounds.folded``, boundaries not checked
        (kept on ``bounds``): none means nothing foreign is named at all."""
        if bounds.foreign_of is not self:
            bounds.foreign = self._occurrences(bounds, 0, len(bounds.folded), foreign=True)
            bounds.foreign_of = self
        return bounds.foreign

    def foreign_starts(self, folded: str, bounds: Boundaries | None = None) -> list[int]:
        """Where foreign names occur on word boundaries (a superset of ``find``'s foreign
        places: longer names are not resolved yet). Most texts whose substrings hit a name
        ("中东部地区", "沿海地区") are settled here, and a caller looks up the Chinese places
        only of the paragraphs that name something foreign."""
        bounds = bounds or Boundaries(folded)
        names = self.foreign_names(bounds)
        # Longer names are not cut here: they are rarely inside other words ("俄罗斯"), and
        # ``find`` checks every name of a story that reaches it; the two-character names
        # (海地, 苏丹, 中东, 日本) are the substring traps, and checking them settles most texts.
        fit = iter(bounds.fits_all([n for n in names if n[1] - n[0] <= 2]))
        return [start for start, end, _, _ in names if end - start > 2 or next(fit)]

    def find(self, text: str, folded: str | None = None, span: tuple[int, int] | None = None,
             bounds: Boundaries | None = None) -> list[Place]:
        """Places named in ``text`` on word boundaries, in order, overlaps resolved.
        ``folded``: the caller's ``fold(text)``; ``span``: only the places within
        ``text[lo:hi]``, with offsets from ``lo``; ``bounds``: the caller's ``Boundaries`` of
        ``folded`` (words already cut are not cut again)."""
        folded = fold(text) if folded is None else folded
        return self.find_spans(folded, [span or (0, len(folded))], bounds)[0]

    def find_spans(self, folded: str, spans: Sequence[tuple[int, int]],
                   bounds: Boundaries | None = None) -> list[list[Place]]:
        """``find`` within each (lo, hi) of ``spans`` of the folded text: the places of each,
        with offsets from its ``lo``. The spans' runs are tokenized in one call."""
        bounds = bounds or Boundaries(folded)
        found = [self._occurrences(bounds, lo, hi) for lo, hi in spans]
        fit = bounds.fits_all([c for candidates in found for c in candidates])
        return self._resolve(folded, spans, found, fit)

    def stories_abroad(self, folded: str, spans: Sequence[tuple[int, int]], bounds: Boundaries,
                       event_terms: re.Pattern[str] | None = None) -> list[bool | None]:
        """``story_abroad`` of each story folded[lo:hi] of ``spans``, or None for a story that
        names nothing foreign on word boundaries (as ``foreign_starts`` judges); the same as
        finding each story's places first, with less work: the runs of all stories are
        tokenized in at most two calls, and a story naming only foreign places, one of them a
        two-character name on word boundaries, and no words of a local report is abroad
        without its other names being cut (most foreign news in national broadcasts)."""
        foreign = self.foreign_names(bounds)
        out: list[bool | None] = [None] * len(spans)
        if not foreign:
            return out
        starts = [n[0] for n in foreign]
        named = [(k, self._occurrences(bounds, lo, hi)) for k, (lo, hi) in enumerate(spans)
                 if _any_within(starts, lo, hi)]
        short = [c for _, candidates in named for c in candidates
                 if c[3] in (1, 2) and c[1] - c[0] <= 2]
        fit = dict(zip([(c[0], c[1]) for c in short], bounds.fits_all(short)))
        rest = []
        for k, candidates in named:
            if not any(kind in (1, 2) and (end - start > 2 or fit[start, end])
                       for start, end, _, kind in candidates):
                continue  # only substrings of other words ("中东部", "沿海地区")
            lo, hi = spans[k]
            if (all(c[3] in (1, 2) for c in candidates)
                    and any(c[1] - c[0] <= 2 and fit[c[0], c[1]] for c in candidates)
                    and not _HOME_DEIXIS.search(folded, lo, hi)):
                # No Chinese place (nor a not-a-place name that could swallow the foreign
                # one) is named, and a foreign one is on word boundaries, so some foreign
                # place is kept: abroad, whichever are in passing (``story_abroad``'s first
                # rule), and the story's other names need not be cut.
                out[k] = True
            else:
                rest.append((k, candidates))
        found = self._resolve(folded, [spans[k] for k, _ in rest], [c for _, c in rest],
                              bounds.fits_all([c for _, cs in rest for c in cs]))
        for (k, _), places in zip(rest, found):
            lo, hi = spans[k]
            out[k] = story_abroad(folded[lo:hi], self, event_terms, places, folded[lo:hi])[0]
        return out

    @staticmethod
    def _resolve(folded: str, spans: Sequence[tuple[int, int]],
                 found: list[list[tuple[int, int, str, int]]], fits: list[bool]) -> list[list[Place]]:
        """The places of each span from its candidates and their ``fits``, in order."""
        fit = iter(fits)
        out = []
        for (lo, hi), candidates in zip(spans, found):
            # Longest first: "印度尼西亚" over "印度", "内蒙古" over "蒙古", "非洲猪瘟" over
            # "非洲" (no two candidates share a start and an end: the tuples sort on those).
            ranked = sorted([(s - e, s, e, key, kind, next(fit)) for s, e, key, kind in candidates])
            taken = bytearray(hi - lo)
            kept = []
            for _, start, end, key, kind, ok in ranked:
                if 1 in taken[start - lo:end - lo]:
                    continue
                if kind != 3 and not ok:
                    continue
                taken[start - lo:end - lo] = b"\x01" * (end - start)
                if kind != 3:
                    kept.append((start, end, key, kind))
            kept.sort()
            out.append(_mark_passing(folded, kept, lo))
        return out

    def _occurrences(self, bounds: Boundaries, lo: int, hi: int,
                     foreign: bool = False) -> list[tuple[int, int, str, int]]:
        """Every occurrence of a name (only foreign ones if ``foreign``) within
        folded[lo:hi], as (start, end, key, kind) by start then end, overlaps included. Where
        names may begin is found once per text and kept on ``bounds``; the names themselves
        are looked up only where asked (a text's foreign names, its foreign stories' names)."""
        folded = bounds.folded
        if bounds.names_of is not self:
            if self._pairs is not None:
                marks = self._pairs.index.marks(bounds.codes())
                begins = marks.nonzero()[0]
                bounds.names = (begins.tolist(),
                                begins.compress(marks.take(begins) & _FOREIGN_GROUP).tolist())
            else:
                assert self._all is not None
                names = sorted((end + 1 - len(key), end + 1, key, kind)
                               for end, (key, kind) in self._all.iter(folded))
                bounds.names = (names, [n[0] for n in names])
            bounds.names_of = self
        if self._pairs is None:
            names, starts = bounds.names
            i = bisect_left(starts, lo)
            return [n for n in names[i:bisect_left(starts, hi, i)]
                    if n[1] <= hi and (not foreign or n[3] in (1, 2))]
        begins = bounds.names[1 if foreign else 0]
        first = bisect_left(begins, lo)
        get = self._pairs.kinds.get
        lengths = self._pairs.foreign_lengths if foreign else self._pairs.lengths
        out = []
        for i in begins[first:bisect_left(begins, hi - 1, first)]:
            for size in lengths[folded[i:i + 2]]:
                if i + size > hi:
                    break
                key = folded[i:i + size]
                kind = get(key)
                if kind is not None and (not foreign or kind in (1, 2)):
                    out.append((i, i + size, key, kind))
        return out


# The PairIndex group of foreign names (kinds 1 and 2); all other names are group 2.
_FOREIGN_GROUP = 1


class _PairTable:
    """The gazetteer's names by their first two characters, for finding every occurrence.

    A name begins wherever its first two characters do (``PairIndex``: one numpy pass over
    the text), and only there are the name lengths of that pair looked up: news names ~50
    such pairs in 2,000 characters. pyahocorasick's iterator cost ~70 ns a character here
    (its root has a child for each of the ~900 first characters)."""

    def __init__(self, kinds: dict[str, int]):
        self.kinds = kinds
        self.index = PairIndex(kinds, {k: _FOREIGN_GROUP if kind in (1, 2) else 2
                                       for k, kind in kinds.items()})
        lengths: dict[str, set[int]] = {}
        foreign: dict[str, set[int]] = {}
        for key, kind in kinds.items():
            lengths.setdefault(key[:2], set()).add(len(key))
            if kind in (1, 2):
                foreign.setdefault(key[:2], set()).add(len(key))
        self.lengths = {pair: tuple(sorted(ls)) for pair, ls in lengths.items()}
        self.foreign_lengths = {pair: tuple(sorted(ls)) for pair, ls in foreign.items()}

    @classmethod
    def build(cls, kinds: dict[str, int]) -> _PairTable | None:
        """None when some name is a single character or not in the BMP."""
        return cls(kinds) if PairIndex.accepts(kinds) else None


@lru_cache(maxsize=8)
def _default_gazetteer(extra_domestic: tuple[str, ...], extra_foreign: tuple[str, ...],
                       not_places: tuple[str, ...], actors: tuple[str, ...]) -> Gazetteer:
    domestic, foreign = default_names()
    return Gazetteer([*domestic, *extra_domestic], [*foreign, *extra_foreign], not_places, actors)


class Boundaries:
    """Word boundaries of the runs of ``folded``, tokenized only where a name was found, and
    where a gazetteer's names occur in it: what the look-ups of one text share."""

    def __init__(self, folded: str):
        self.folded = folded
        # A run's start: (shift, words) from ``fits_all``.
        self.cache: dict[int, tuple[int, dict[int, int]]] = {}
        self._breaks: list[int] | None = None
        self._codes: np.ndarray | None = None
        # Where a gazetteer's names may begin in this text (``Gazetteer._occurrences``), and
        # which gazetteer.
        self.names_of: Gazetteer | None = None
        self.names: tuple[list, list] = ([], [])
        self.foreign_of: Gazetteer | None = None
        self.foreign: list[tuple[int, int, str, int]] = []

    def codes(self) -> np.ndarray:
        """The text's code points, astral ones as 0 (no name holds them, and they break runs)."""
        if self._codes is None:
            self._codes = code_points(self.folded)
        return self._codes

    def fits(self, start: int, end: int) -> bool:
        """Whether folded[start:end] is a word of its run, or begins one as a name with its
        suffix ("美国驻华使馆", "威海市")."""
        return self.fits_all(((start, end),))[0]

    def fits_all(self, names: Sequence[tuple[int, ...]]) -> list[bool]:
        """``fits`` of each name (start, end, ...): a story's names at once, so that the runs
        around them are tokenized in one call. A story names a handful of places in as many
        runs, and for a short run the tokenizer call and its word list cost more than the
        cutting; the runs are joined with "，" (jieba cuts its input into runs first, so a
        run's words are the same alone or joined)."""
        breaks = self._breaks
        if breaks is None:
            # One vectorised scan per text, then each name's run is two bisections. Runs are
            # found around names rather than listed: a text has far more runs than names.
            breaks = self._breaks = _BREAK_LUT.take(self.codes()).nonzero()[0].tolist()
        folded, cache = self.folded, self.cache
        n, last = len(folded), len(breaks)
        runs, todo = [], {}
        for name in names:
            j = bisect_left(breaks, name[0])
            lo, hi = (breaks[j - 1] + 1 if j else 0), (breaks[j] if j < last else n)
            runs.append((lo, hi))
            if hi >= name[1] and lo not in cache:
                todo[lo] = hi
        if todo:
            tokens = tokenize_folded("，".join([folded[lo:hi] for lo, hi in todo.items()]))
            ends = list(accumulate(map(len, tokens), initial=0))
            # Each word's start in the joined text mapped to its end; a run's offsets are its
            # offsets in the joined text less its shift.
            words = dict(zip(ends, ends[1:]))
            at = 0
            for lo, hi in todo.items():
                cache[lo] = (at - lo, words)
                at += hi - lo + 1
        out = []
        for name, (lo, hi) in zip(names, runs):
            start, end = name[0], name[1]
            if hi < end:
                out.append(True)  # a name with punctuation in it: no word to cut
                continue
            shift, words = cache[lo]
            if start + shift not in words or (
                    # "28日本人": a date's 日 followed by 本人, not 日本.
                    start and folded[start] in "日月" and folded[start - 1] in _DATE_DIGITS):
                out.append(False)
            elif end == hi or end + shift in words:
                out.append(True)
            else:
                # Begins a longer word: only as a name with its suffix.
                out.append(words[start + shift] > end + shift
                           and bool(_WORD_REST.match(folded, end)))
        return out


def _any_within(starts: list[int], lo: int, hi: int) -> bool:
    """Some of the sorted ``starts`` lies within [lo, hi)."""
    i = bisect_left(starts, lo)
    return i < len(starts) and starts[i] < hi


def _mark_passing(folded: str, kept: list[tuple[int, int, str, int]], lo: int = 0) -> list[Place]:
    """``kept`` as places, with offsets from ``lo``."""
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
        places.append(Place(key, start - lo, end - lo, kind in (1, 2), passing, kind == 2))
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
