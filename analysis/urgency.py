"""Urgency score (0-100), level (I-IV) and Chinese reasons for one document.

The score is a sum of explainable signals: an emergency of one of the four
national categories actually happening, casualties with their numbers, mass
incidents, misconduct allegations, negative sentiment (weighted low so an
angry routine complaint cannot outrank a real emergency), source reach and the
size/growth of the event. Every weight, threshold and lexicon is data
(``analysis/config/urgency.yaml``) so a bureau can change them.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from analysis.places import Boundaries, Gazetteer, Place
from analysis.text import PairIndex, fold, trie_regex

DEFAULT_CONFIG_PATH = Path(__file__).parent / "config" / "urgency.yaml"
LEVELS = ("I", "II", "III", "IV")


def _alternation(terms: list[str]) -> re.Pattern[str]:
    return trie_regex(terms)


@lru_cache(maxsize=8)
def _pair_index(terms: tuple[str, ...]) -> PairIndex | None:
    """Built once per word list: every configuration load asks for one."""
    return PairIndex(terms) if PairIndex.accepts(terms) else None


@dataclass(frozen=True)
class UrgencyConfig:
    weights: dict[str, float]
    casualty_points: dict[str, list[tuple[int, float]]]
    reach_points: dict[str, float]
    reach_labels: dict[str, str]
    levels: dict[str, float]
    casualty_levels: dict[str, dict[str, int]]
    cue_window: int
    categories: dict[str, list[str]]
    occurrence_cues: list[str]
    dampeners: list[str]
    mass_incident: list[str]
    misconduct: list[str]
    violent_enforcement: list[str] = field(default_factory=list)
    foreign_places: list[str] = field(default_factory=list)
    officials: list[str] = field(default_factory=list)
    mass_incident_weak: list[str] = field(default_factory=list)
    harmless_frames: list[str] = field(default_factory=list)
    frame_terms: list[str] = field(default_factory=list)
    own_nationals: list[str] = field(default_factory=list)
    not_places: list[str] = field(default_factory=list)
    # Places added to the shipped gazetteers (analysis/places.py): a bureau's own villages and
    # districts, foreign institutions named but never a location (联合国, 北约).
    domestic_places: list[str] = field(default_factory=list)
    foreign_actors: list[str] = field(default_factory=list)
    # Share of the final score given to the text classifier (0 = lexicon only) and its
    # model directory (None = the shipped analysis/models/urgency).
    model_weight: float = 0.0
    model_path: str | None = None
    _compiled: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> UrgencyConfig:
        cfg = cls(
            weights={k: float(v) for k, v in d["weights"].items()},
            casualty_points={k: [(int(a), float(b)) for a, b in rows]
                             for k, rows in d["casualty_points"].items()},
            reach_points={k: float(v) for k, v in d.get("reach_points", {}).items()},
            reach_labels=dict(d.get("reach_labels", {})),
            levels={k: float(v) for k, v in d.get("levels", {}).items()},
            casualty_levels={k: {lv: int(n) for lv, n in v.items()}
                             for k, v in d.get("casualty_levels", {}).items()},
            cue_window=int(d.get("cue_window", 25)),
            categories={k: list(v) for k, v in d["categories"].items()},
            occurrence_cues=list(d.get("occurrence_cues", [])),
            dampeners=list(d.get("dampeners", [])),
            mass_incident=list(d.get("mass_incident", [])),
            misconduct=list(d.get("misconduct", [])),
            violent_enforcement=list(d.get("violent_enforcement", [])),
            foreign_places=list(d.get("foreign_places", [])),
            officials=list(d.get("officials", [])),
            mass_incident_weak=list(d.get("mass_incident_weak", [])),
            harmless_frames=list(d.get("harmless_frames", [])),
            frame_terms=list(d.get("frame_terms", [])),
            own_nationals=list(d.get("own_nationals", [])),
            not_places=list(d.get("not_places", [])),
            domestic_places=list(d.get("domestic_places", [])),
            foreign_actors=list(d.get("foreign_actors", [])),
            model_weight=float(d.get("model", {}).get("weight", 0.0)),
            model_path=_model_path(d.get("model", {}).get("path")),
        )
        if not 0.0 <= cfg.model_weight <= 1.0:
            raise ValueError(f"model.weight must be within 0..1, got {cfg.model_weight}")
        unknown = set(cfg.levels) - set(LEVELS)
        if unknown:
            raise ValueError(f"unknown urgency levels: {sorted(unknown)}")
        term_category = {t: c for c, terms in cfg.categories.items() for t in terms}
        cfg._compiled.update(
            category=_alternation(list(term_category)), term_category=term_category,
            # The event words are looked for only where two of their first characters occur
            # (``_events``): the regex alone cost ~30 µs on a 2,000-character article.
            category_index=_pair_index(tuple(sorted(term_category))),
            cue=_alternation(cfg.occurrence_cues), damp=_alternation(cfg.dampeners),
            mass=_alternation(cfg.mass_incident),
            mass_weak=_alternation(cfg.mass_incident_weak),
            misconduct=_alternation(cfg.misconduct + cfg.violent_enforcement),
            violent=_alternation(cfg.violent_enforcement),
            officials=_alternation(cfg.officials),
            places=Gazetteer.default(cfg.domestic_places, cfg.foreign_places, cfg.not_places,
                                     cfg.foreign_actors),
            harmless=_alternation(cfg.harmless_frames),
            frame=_alternation(cfg.frame_terms),
            nationals=_alternation(cfg.own_nationals),
        )
        return cfg

    @classmethod
    def load(cls, path: str | Path) -> UrgencyConfig:
        with open(path, encoding="utf-8") as fh:
            return cls.from_dict(yaml.safe_load(fh))

    @classmethod
    def load_default(cls) -> UrgencyConfig:
        """The shipped weights and lexicons with the default bureau's levels and floors."""
        from analysis.bureau import load_bureau_file  # analysis.bureau builds on this module

        return load_bureau_file().urgency_config(cls.load(DEFAULT_CONFIG_PATH))


def load_default() -> UrgencyConfig:
    return UrgencyConfig.load_default()


def _model_path(path: str | None) -> str | None:
    """A relative model path is relative to the ``analysis`` package (like the YAML's own
    default), so the config works from any working directory."""
    if not path:
        return None
    p = Path(path)
    return str(p if p.is_absolute() else Path(__file__).parent / p)


@dataclass
class UrgencyInput:
    title: str = ""
    text: str = ""
    sentiment_scores: dict[str, float] | None = None
    reach: str | None = None            # national|provincial|municipal|county|self_media
    event_size: int = 1                 # documents in the event
    event_sources: int = 0              # distinct sites carrying it
    growth_per_hour: float = 0.0        # new documents in the last hour


@dataclass
class UrgencyResult:
    score: int
    level: str | None
    reasons: list[str]


# --- casualty numbers -----------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9, "几": 2, "数": 2, "上": 1}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_NUM = r"(\d+(?:\.\d+)?(?:余|多)?万?|[零〇一二两三四五六七八九十百千万数几上]+|多)(?:余|多)?"
_UNIT = r"(?:名|人|位|具|例)"
_GAP = r"[^，。；！？,;!?\d]{0,10}?"
_DEATH = r"(?:死亡|遇难|身亡|丧生|罹难|殒命|溺亡|丧命|离世|去世|不治|殉职|无生命体征|遗体)"
_MISSING = r"(?:失联|失踪|下落不明|被困|被埋|落水)"
_INJURED = (r"(?:受伤|伤势|轻伤|重伤|烧伤|烫伤|冻伤|炸伤|砸伤|摔伤|划伤|刺伤|砍伤|咬伤|擦伤|扭伤|骨折|送医|"
            r"送往医院|送院|入院|就医|救治|住院|症状|不适|重症|危重|头晕|恶心|呕吐|腹泻|腹痛|昏厥|晕倒|中毒|窒息)")
_CASUALTY_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("deaths", re.compile(_NUM + _UNIT + _GAP + _DEATH)),
    ("deaths", re.compile(r"(?:死亡|遇难)(?:人数)?(?:已)?(?:升至|上升至|增至|增加到|达到?|为)" + _NUM)),
    ("deaths", re.compile(r"(?:打捞出|发现)" + _NUM + r"具遗体")),
    ("deaths", re.compile(_NUM + r"死(?=" + _NUM + r"伤|[，。、；\s]|$)")),
    ("injured", re.compile(r"死" + _NUM + r"伤")),
    ("missing", re.compile(_NUM + _UNIT + _GAP + _MISSING)),
    ("injured", re.compile(_NUM + _UNIT + _GAP + _INJURED)),
    ("injured", re.compile(r"(?:受伤|伤者)(?:人数)?(?:升至|增至|达到?|为)" + _NUM)),
    # Outbreak counts: "累计报告发病学生48例", "已累计报告本地病例136例".
    ("injured", re.compile(r"(?:发病|病例|患者|感染者|确诊)[^，。；！？\d]{0,6}?" + _NUM + r"(?:例|人|名)")),
    ("evacuated", re.compile(r"(?:转移|疏散|撤离|安置)[^，。；\d]{0,6}?" + _NUM + r"(?:人|名)")),
    ("evacuated", re.compile(r"受灾(?:人口|群众)[^，。；\d]{0,4}?" + _NUM)),
]
# A person noun followed by a death word: "服刑人员在狱中死亡" counts one death.
_PERSON = (r"(?:人员|男子|女子|老人|儿童|孩子|学生|幼儿|工人|村民|居民|司机|乘客|游客|患者|病人|产妇|婴儿|"
           r"新生儿|骑手|行人|民警|辅警|职工|员工|矿工|船员|在押人员|服刑人员|嫌疑人|当事人|家属|摊贩|商户)")
_CASUALTY_PATTERNS.append(
    ("deaths", re.compile(r"()" + _PERSON + r"[^，。；！？\d]{0,6}?(?:死亡|身亡|遇难|丧生|溺亡)")))
_CROWD = re.compile(r"(数十|数百|上百|上千|数千|上万|\d{2,}|[一二三四五六七八九两]?[十百千万])余?"
                    r"(?:名|人|位|辆)")
_VAGUE = re.compile(r"(多人|人员|大量人员|重大|群死群伤|有人|有[^，。有]{1,3})"
                    r"(伤亡|死亡|遇难|受伤|被困|失联|落水)"
                    r"|(致|导致|造成)其?[^，。]{0,6}(受伤|骨折|住院|死亡|身亡)")
_NO_CASUALTIES = re.compile(r"(未|无|没有|暂无)(造成)?(人员)?伤亡")
_NEGATION = re.compile(r"(未|无|没有|暂无|不|避免|防止|杜绝)[^，。]{0,4}$")


def parse_cn_number(token: str) -> int | None:
    """'12' → 12, '三' → 3, '十二' → 12, '二十一' → 21, '数十' → 20, '2.3万' → 23000."""
    token = token.strip()
    if token == "多":  # "多名受伤": more than one, number unknown
        return 2
    token = token.rstrip("余多") or token
    if not token:
        return None
    if token[0].isdigit():
        token = token.replace("余", "").replace("多", "")
        mult = 10000 if token.endswith("万") else 1
        try:
            return int(float(token.rstrip("万")) * mult)
        except ValueError:
            return None
    total, digit = 0, None
    for ch in token:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    total += digit or 0
    return total or None


# Every casualty pattern contains one of these words; most routine text has none,
# so one search skips the patterns below.
_CASUALTY_TRIGGER = _alternation(
    re.sub(r"[()?:]", "", f"{_DEATH}|{_MISSING}|{_INJURED}").split("|")
    + ["死", "伤", "转移", "疏散", "撤离", "安置", "受灾", "发病", "病例", "患者", "感染者", "确诊"])


def _near(text: str, trigger: re.Pattern[str], reach: int) -> str:
    """Only the stretches within ``reach`` characters of a trigger word, joined
    by full stops: every casualty pattern spans fewer characters than that, and
    a long article has few such stretches, so the patterns scan far less text."""
    spans: list[list[int]] = []
    for m in trigger.finditer(text):
        lo, hi = max(0, m.start() - reach), m.end() + reach
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = hi
        else:
            spans.append([lo, hi])
    return "。".join(text[lo:hi] for lo, hi in spans)


def extract_casualties(text: str) -> dict[str, int]:
    """Largest number reported per kind (reports repeat and update counts)."""
    return _casualties_near(_near(text, _CASUALTY_TRIGGER, 40))


def _casualties_near(text: str) -> dict[str, int]:
    found: dict[str, int] = {}
    if not text:
        return found
    for kind, pattern in _CASUALTY_PATTERNS:
        for m in pattern.finditer(text):
            n = parse_cn_number(m.group(1)) if m.group(1) else 1
            if n and n < 1_000_000:
                found[kind] = max(found.get(kind, 0), n)
    return found


_PARAGRAPH_BREAKS = re.compile(r"(\n+)")


def _split_foreign(text: str, cfg: UrgencyConfig) -> tuple[str, str, Iterable[Place]]:
    """(domestic paragraphs, paragraphs reporting an event abroad, the places of the latter).
    The text is folded once and its place names found once; a story (a paragraph, with a
    headline line before it) that names nothing foreign on word boundaries is home without
    further look-ups, and the places of the others are looked up together."""
    folded = fold(text)
    bounds = Boundaries(folded)
    places = cfg._compiled["places"]
    if not places.foreign_names(bounds):
        return text, "", []
    stories: list[tuple[str, tuple[int, int]]] = []
    pending, pending_start = "", -1
    # Every other piece is a run of line breaks between paragraphs.
    pieces = _PARAGRAPH_BREAKS.split(text)
    ends = list(accumulate(map(len, pieces)))
    for k in range(0, len(pieces), 2):
        piece, pos = pieces[k], ends[k]
        start = pos - len(piece) if pending_start < 0 else pending_start
        # A short line without a full stop is a headline: judge it with its story.
        if len(piece) < 40 and not piece.rstrip().endswith(("。", "！", "？")):
            pending, pending_start = pending + piece + "\n", start
            continue
        stories.append((pending + piece, (start, pos)))
        pending, pending_start = "", -1
    if pending:
        stories.append((pending, (pending_start, len(text))))
    judged = places.stories_abroad(folded, [span for _, span in stories], bounds,
                                   cfg._compiled["category"])
    if all(abroad is None for abroad in judged):
        return text, "", []  # names foreign only as parts of other words ("中东部", "沿海地区")
    # A story about abroad that names Chinese nationals stays home: Chinese citizens hurt or
    # held abroad are a 涉外突发事件 the government answers for at home.
    nationals = cfg._compiled["nationals"]
    home, abroad, abroad_spans = [], [], []
    for (story, span), is_abroad in zip(stories, judged):
        if is_abroad and not nationals.search(story):
            abroad.append(story)
            abroad_spans.append(span)
        else:
            home.append(story)
    # Their places, found when asked (``_foreign_place``): rarely needed, and the runs already
    # cut are not cut again.
    return "\n".join(home), "\n".join(abroad), _AbroadPlaces(places, folded, abroad_spans, bounds)


class _AbroadPlaces:
    """The places of the stories about abroad, looked up story by story when read."""

    def __init__(self, gazetteer: Gazetteer, folded: str, spans: list[tuple[int, int]],
                 bounds: Boundaries):
        self.gazetteer, self.folded, self.spans, self.bounds = gazetteer, folded, spans, bounds

    def __iter__(self) -> Iterator[Place]:
        for span in self.spans:
            yield from self.gazetteer.find_spans(self.folded, [span], self.bounds)[0]


def _foreign_place(places: Iterable[Place]) -> str:
    """The first foreign location named in the paragraphs judged to be about abroad, given
    their places (the same as looking them up in the joined paragraphs, which hold the same
    runs: a place name never spans a line break), else the first foreign actor named. The
    places are read only as far as the first location."""
    actor = None
    for p in places:
        if p.foreign and not p.passing and not p.actor:
            return p.name
        if p.actor and actor is None:
            actor = p.name
    return actor or "境外"


_LETTER = re.compile(r"尊敬的[^，。！\n]{0,12}(?:领导|书记|市长|县长|局长|厅长|主任|先生|女士)")
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;\n]*")
_STOPS = "。！？；!?;\n"
_CLAUSE_BREAK = re.compile(r"[，。；！？,;!?\n]")


def _drop_harmless(text: str, cfg: UrgencyConfig) -> tuple[str, str | None]:
    """(text without drill/commemoration/publicity sentences, the frame word if
    the first sentence frames the whole text as harmless)."""
    comp = cfg._compiled
    hits = list(comp["harmless"].finditer(text))
    if not hits:
        return text, None
    first = _SENTENCE.match(text)
    frame = comp["frame"].search(first.group(0)) if first else None
    if frame:
        return "", frame.group(0)
    kept, pos = [], 0
    for m in hits:
        if m.start() < pos:
            continue  # already inside a dropped sentence
        start = max(text.rfind(ch, 0, m.start()) for ch in _STOPS) + 1
        ends = [i for i in (text.find(ch, m.end()) for ch in _STOPS) if i >= 0]
        end = min(ends) + 1 if ends else len(text)
        kept.append(text[pos:max(pos, start)])
        pos = end
    kept.append(text[pos:])
    return "".join(kept), None


def _clause(text: str, start: int, end: int) -> str:
    """The clause (between commas/full stops) around text[start:end]."""
    left = text[max(0, start - 40):start]
    right = text[end:end + 40]
    return _CLAUSE_BREAK.split(left)[-1] + text[start:end] + _CLAUSE_BREAK.split(right, 1)[0]


def _by_official(text: str, cfg: UrgencyConfig) -> bool:
    """Violence words near an official actor (城管, 民警 ...): violent enforcement."""
    comp, w = cfg._compiled, cfg.cue_window
    return any(comp["officials"].search(text[max(0, m.start() - w):m.end() + w])
               for m in comp["violent"].finditer(text))


def _vague_casualties(text: str) -> bool:
    return any(not _NEGATION.search(text[max(0, m.start() - 8):m.start()])
               for m in _VAGUE.finditer(text))


# --- scoring --------------------------------------------------------------

def _tier(rows: list[tuple[int, float]], n: int) -> float:
    return max((pts for minimum, pts in rows if n >= minimum), default=0.0)


def _events(text: str, cfg: UrgencyConfig) -> tuple[dict[str, str], dict[str, str], int]:
    """Categories with an occurrence cue (events), merely mentioned ones, and
    how many distinct event terms had a cue (more terms, stronger evidence)."""
    comp, w = cfg._compiled, cfg.cue_window
    events: dict[str, str] = {}
    mentions: dict[str, str] = {}
    terms: set[str] = set()
    index = comp.get("category_index")
    for m in index.finditer(comp["category"], text) if index else comp["category"].finditer(text):
        term = m.group(0)
        if term in terms:
            continue  # already seen happening: repeats add nothing
        category = comp["term_category"][term]
        window = text[max(0, m.start() - w):m.end() + w]
        happened = (comp["cue"].search(window)
                    and not comp["damp"].search(_clause(text, m.start(), m.end())))
        (events if happened else mentions).setdefault(category, term)
        if happened:
            terms.add(term)
    for category in events:
        mentions.pop(category, None)
    return events, mentions, len(terms)


class LexiconReading(NamedTuple):
    score: float                  # 0-100, before the classifier is mixed in
    reasons: list[str]
    casualties: dict[str, int]
    domestic: str                 # title + text without paragraphs about foreign places
    frame: str | None             # drill/commemoration word framing the whole text


@dataclass
class _Tally:
    """The running lexicon score and its reasons, in the order the signals are read."""
    weights: dict[str, float]
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def add(self, points: float, *reasons: str) -> None:
        self.score += points
        self.reasons.extend(reasons)


def lexicon_score(inp: UrgencyInput, config: UrgencyConfig | None = None) -> LexiconReading:
    """The explainable signals alone: lexicon score, Chinese reasons and casualties."""
    cfg = config or load_default()
    full = f"{inp.title}\n{inp.text}" if inp.title else inp.text
    domestic, abroad, abroad_places = _split_foreign(full, cfg)
    # Drills, simulations and anniversaries describe incidents that did not
    # happen now: they are read only for mentions, never for events or casualties.
    text, frame = _drop_harmless(domestic, cfg)
    tally = _Tally(cfg.weights)
    if frame:
        tally.reasons.append(f"常规报道：{frame}（演练/纪念等，非正在发生的事件）")
    events = _score_events(tally, text, domestic, (abroad, abroad_places), cfg)
    casualties = _score_casualties(tally, text, events, cfg)
    _score_crowds(tally, text, cfg)
    _score_misconduct(tally, text, cfg)
    _score_context(tally, inp, full, cfg)
    return LexiconReading(min(100.0, max(0.0, tally.score)), tally.reasons, casualties,
                          domestic, frame)


def _score_events(tally: _Tally, text: str, unframed: str,
                  foreign: tuple[str, Iterable[Place]],
                  cfg: UrgencyConfig) -> dict[str, str]:
    """Emergencies happening at home (or, failing those, abroad or merely mentioned).
    ``foreign``: the paragraphs about abroad and their places."""
    w = tally.weights
    abroad, abroad_places = foreign
    events, mentions, n_terms = _events(text, cfg)
    # Events abroad count only when none happened here.
    foreign_events = _events(abroad, cfg)[0] if abroad and not events else {}
    if foreign_events:
        place = _foreign_place(abroad_places)
        tally.add(w.get("foreign_event", 0.0),
                  *[f"境外事件：{term}（{place}），本地影响有限"
                    for term in list(foreign_events.values())[:2]])
    if events:
        tally.add(w["emergency_event"] + w["extra_category"] * (len(events) - 1)
                  + w.get("extra_term", 0.0) * min(3, n_terms - 1),
                  *[f"突发事件：{term}（{cat}）" for cat, term in events.items()])
        return events
    if text != unframed:
        # Terms in drill/commemoration sentences still count as mentions.
        held, said, _ = _events(unframed, cfg)
        mentions = {**held, **said, **mentions}
    if mentions:
        tally.add(w["emergency_mention"],
                  *[f"提及：{term}（{cat}，未见事件发生）" for cat, term in mentions.items()])
    return events


_CASUALTY_LABELS = {"deaths": "伤亡：死亡", "missing": "伤亡：失踪/被困", "injured": "伤亡：受伤",
                    "evacuated": "紧急转移/疏散："}


def _score_casualties(tally: _Tally, text: str, events: dict[str, str],
                      cfg: UrgencyConfig) -> dict[str, int]:
    """Counted casualties by tier, else vague or "none reported"; harm alone is an incident."""
    w = tally.weights
    near = _near(text, _CASUALTY_TRIGGER, 40)
    casualties = _casualties_near(near)
    points, reasons = 0.0, []
    for kind, label in _CASUALTY_LABELS.items():
        n = casualties.get(kind, 0)
        if n:
            points += _tier(cfg.casualty_points.get(kind, []), n)
            reasons.append(f"{label} {n} 人")
    if not points and _vague_casualties(near):
        points = w["vague_casualties"]
        reasons.append("伤亡：报道有人员伤亡（未给出人数）")
    elif not points and events and _NO_CASUALTIES.search(text):
        # An incident report that states the casualty count (none) is still a report.
        points = w.get("no_casualties_reported", 0.0)
        reasons.append("伤亡：暂无人员伤亡报告")
    tally.add(points, *reasons)
    harmed = (casualties.get("deaths", 0) + casualties.get("missing", 0) > 0
              or casualties.get("injured", 0) >= 3)
    if not events and harmed:
        # People died, went missing or were hurt in numbers: an incident even if
        # the lexicon has no word for what happened.
        tally.score += w.get("casualty_event", 0.0)
        tally.reasons.insert(0, "突发事件：造成人员伤亡（类型未识别）")
    return casualties


def _score_crowds(tally: _Tally, text: str, cfg: UrgencyConfig) -> None:
    """Mass-incident words and the crowd's size; petition words alone weigh little."""
    w, comp = tally.weights, cfg._compiled
    mass = sorted(set(comp["mass"].findall(text)))
    weak = sorted(set(comp["mass_weak"].findall(text)))
    if mass:
        tally.add(w["mass_incident"] + (w["mass_incident_extra"] if len(mass + weak) > 1 else 0),
                  "群体性事件迹象：" + "、".join((mass + weak)[:4]))
        crowd = max((parse_cn_number(m.group(1)) or 0 for m in _CROWD.finditer(text)), default=0)
        if crowd >= 10:
            tally.add(w.get("crowd", 0.0), f"群体规模：约 {crowd} 人以上")
    elif weak:
        # "多次上访无果" in a single citizen's letter is routine, not a crowd.
        tally.add(w.get("mass_incident_weak", 0.0), "信访/维权：" + "、".join(weak[:4]))


def _score_misconduct(tally: _Tally, text: str, cfg: UrgencyConfig) -> None:
    """Misconduct allegations; violence near an official actor weighs as violent enforcement."""
    w = tally.weights
    misconduct = sorted(set(cfg._compiled["misconduct"].findall(text)))
    if misconduct:
        violent = _by_official(text, cfg)
        label = "暴力执法/殴打指控：" if violent else "执法/廉政问题指控："
        tally.add(w.get("violent_enforcement", w["misconduct"]) if violent else w["misconduct"],
                  label + "、".join(misconduct[:4]))


def _score_context(tally: _Tally, inp: UrgencyInput, full: str, cfg: UrgencyConfig) -> None:
    """Form of the text, sentiment, the source's reach and how the story spreads."""
    w = tally.weights
    if w.get("letter_form") and _LETTER.search(full[:80]):
        tally.add(w["letter_form"], "文体：致领导的来信（信访件，非新闻报道）")
    negative = float((inp.sentiment_scores or {}).get("negative", 0.0))
    if negative >= 0.5:
        tally.add(w["negative_sentiment"] * negative, f"情感：负面（{negative:.0%}）")
    if inp.reach and inp.reach in cfg.reach_points:
        tally.add(cfg.reach_points[inp.reach],
                  f"来源影响力：{cfg.reach_labels.get(inp.reach, inp.reach)}")
    if inp.event_sources > 1:
        tally.add(min(w["event_sources_max"], 2.5 * math.log2(1 + inp.event_sources)),
                  f"传播：{inp.event_sources} 个网站转载（共 {inp.event_size} 篇）")
    if inp.growth_per_hour >= 1:
        tally.add(min(w["growth_max"], 2.5 * math.log2(1 + inp.growth_per_hour)),
                  f"传播：1 小时内新增 {inp.growth_per_hour:g} 篇")


def score_urgency(inp: UrgencyInput, config: UrgencyConfig | None = None) -> UrgencyResult:
    cfg = config or load_default()
    lex = lexicon_score(inp, cfg)
    score, reasons = lex.score, lex.reasons
    weight = cfg.model_weight
    if weight > 0:
        # Mixed in after the lexicon so every lexicon reason stays; the classifier reads
        # registers the lexicon has no word for (eyewitness posts, statistics, relief work).
        # Whether an incident is local and real is the lexicon's call: the classifier reads
        # only the domestic paragraphs, and a text framed as a drill or commemoration in its
        # first sentence is not read at all (its simulated incident reads like a real one).
        from analysis.urgency_model import load_urgency_model
        if lex.frame:
            p, note = 0.0, "文本判别：演练/纪念类报道，不计突发事件概率"
        elif not lex.domestic.strip():
            p, note = 0.0, "文本判别：境外报道，不计突发事件概率"
        else:
            full = f"{inp.title}\n{inp.text}" if inp.title else inp.text
            model = load_urgency_model(cfg.model_path)
            p = (model.probability(inp.title, inp.text) if lex.domestic == full
                 else model.probability("", lex.domestic))
            note = f"文本判别：突发事件概率 {p:.2f}"
        score = (1.0 - weight) * score + weight * 100.0 * p
        reasons.append(note)
    final = round(min(100.0, max(0.0, score)))
    level = _level(final, lex.casualties, cfg)
    return UrgencyResult(score=final, level=level, reasons=reasons)


def _level(score: int, casualties: dict[str, int], cfg: UrgencyConfig) -> str | None:
    candidates = [lv for lv in LEVELS if lv in cfg.levels and score >= cfg.levels[lv]]
    for kind, floors in cfg.casualty_levels.items():
        n = casualties.get(kind, 0)
        candidates += [lv for lv in LEVELS if lv in floors and n >= floors[lv]]
    # LEVELS is ordered most severe first; the most severe candidate wins.
    return min(candidates, key=LEVELS.index) if candidates else None
