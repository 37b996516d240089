"""The batch look-ups behind full analysis give what the per-string and per-band paths give:
word 1-2-grams by token id (fast_vectorizer) and LSH bands keyed once per document (events)."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from analysis.events import EventIndex
from analysis.features import _analysed, shared_features

NEWS = Path(__file__).resolve().parent.parent / "data" / "xinwenlianbo_sample300.jsonl.gz"


@pytest.fixture(scope="module")
def news() -> list[str]:
    with gzip.open(NEWS, "rt", encoding="utf-8") as fh:
        return [f"{r['title']}\n{r['text']}" for r in map(json.loads, fh)][:120]


def _by_row(found: tuple[np.ndarray, np.ndarray, np.ndarray]) -> list[dict[int, float]]:
    cols, tf, sizes = found
    bounds = np.concatenate(([0], np.cumsum(sizes)))
    return [dict(zip(cols[a:b].tolist(), tf[a:b].tolist(), strict=True))
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _word_vectorizers():
    from analysis.sections import load_section_model
    from analysis.sentiment import load_sentiment_model

    for model in (load_sentiment_model(), load_section_model()):
        yield dict(model.features.transformer_list)["words"]


def test_word_ids_count_what_the_term_strings_count(news: list[str]) -> None:
    docs = [t[:n] for t in news for n in (40, 331)] + ["", "　\n", "ＡＢＣ律師亂收費！！ ok 2023年"]
    for vec in _word_vectorizers():
        spec = (vec.analyzer.keywords.get("low", 1), vec.analyzer.keywords.get("high", 2))
        with shared_features():
            want = vec._term_columns(docs)
            got = vec._word_id_columns(docs, spec)
        assert got is not None
        assert got[0].dtype == want[0].dtype and got[1].dtype == want[1].dtype
        assert np.array_equal(got[2], want[2])
        assert _by_row(got) == _by_row(want)
        if spec[1] == 2:  # bigrams are found too, not only unigrams
            names = {col: term for term, col in vec.vocabulary_.items()}
            assert any(" " in names[c] for c in got[0].tolist())


def test_a_token_with_a_space_falls_back_to_the_strings() -> None:
    vec = next(_word_vectorizers())
    with shared_features():
        _analysed("社区 矫正")._tokens = ["社区 矫正", "对象"]  # "社区 矫正 对象" is ambiguous by ids
        assert vec._word_id_columns(["社区 矫正"], (1, 2)) is None
        assert vec.transform(["社区 矫正"]).shape == (1, len(vec.vocabulary_))


def test_band_keys_are_datasketchs_and_assign_keeps_its_events(news: list[str]) -> None:
    texts = news + [t[6:] + "\n（来源：央视网）" for t in news[:40]]
    fast, plain = EventIndex(), EventIndex()
    plain._band_keys = lambda m: None  # datasketch's own query and insert
    m = fast.minhash(texts[0])
    bands = fast._band_keys(m)
    assert bands == [fast._lsh._H(m.hashvalues[a:b]) for a, b in fast._lsh.hashranges]
    keys = [fast.assign(f"d{i}", t) for i, t in enumerate(texts)]
    assert keys == [plain.assign(f"d{i}", t) for i, t in enumerate(texts)]
    assert sum(k != f"d{i}" for i, k in enumerate(keys)) >= 40  # the reposts joined their stories
    assert dict(fast._lsh.keys._dict) == dict(plain._lsh.keys._dict)
    for a, b in zip(fast._lsh.hashtables, plain._lsh.hashtables, strict=True):
        assert dict(a._dict) == dict(b._dict)
    assert fast.similar(texts[3]) == plain.similar(texts[3])
