"""The learned half of urgency: the shipped classifier, its blend with the lexicon, and
the once-measured blind set 4 floor."""
from __future__ import annotations

import dataclasses
import math
import time
from collections import Counter
from itertools import repeat
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from analysis.modelstore import load_model, shared_features
from analysis.tests.golden_corpus import golden_docs
from analysis.urgency import UrgencyConfig, UrgencyInput, load_default, score_urgency
from analysis.urgency_model import (
    DEFAULT_MODEL_DIR,
    POSITIVE_FIXTURES,
    UrgencyClassifier,
    _fixture_lines,
    load_urgency_model,
    model_text,
)

FIXTURES = Path(__file__).parent / "fixtures"
URGENCY_DATA = Path(__file__).resolve().parents[1] / "data" / "urgency"
FIRE = "今日凌晨某市一居民楼发生火灾，事故造成3人死亡、6人受伤，起火原因正在调查。"
LAWYER = ("某律师事务所律师收费太黑了！代理一个简单的离婚案收了我三万元，什么事都没做，"
          "打电话也不接，简直是骗子，强烈要求司法局严肃处理！")


@pytest.fixture(scope="module")
def cfg() -> UrgencyConfig:
    return load_default()


def test_shipped_model_meta_records_provenance_and_cv() -> None:
    _, meta = load_model(DEFAULT_MODEL_DIR)
    assert meta["kind"] == "urgency" and meta["labels"] == ["other", "emergency"]
    files = {d["file"] for d in meta["data"]}
    assert {"emergencies.txt", "teddy2020_messages.csv.gz"} <= files
    # Training data lives in analysis/data, never in the tests' fixtures.
    assert not (FIXTURES / "emergencies_blind4.txt").exists()
    assert {"emergencies_blind4.txt", "emergencies_blind5.txt"} <= files
    assert all(len(d["sha256"]) == 64 for d in meta["data"])
    # The shipped weight is on the CV grid and close to the trainer's pick (urgency.yaml says
    # why it is not the pick itself: levels come from the blended score).
    grid = meta["metrics"]["auc_by_model_weight"]
    best = grid[str(meta["metrics"]["best_model_weight"])]["mean_held_out_files"]
    assert grid[str(load_default().model_weight)]["mean_held_out_files"] >= best - 0.01
    size = sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir())
    assert size < 3_000_000


def test_fast_scorer_round_trips_the_saved_pipeline() -> None:
    pipeline, meta = load_model(DEFAULT_MODEL_DIR)
    fast = UrgencyClassifier(pipeline, meta)
    texts = [("", FIRE), ("", LAWYER), ("国务院常务会议", "研究部署进一步优化营商环境。" * 40),
             ("", "楼塌了半边，底下还压着人")]
    expected = pipeline.predict_proba([model_text(t, x) for t, x in texts])[:, 1]
    for (title, text), p in zip(texts, expected, strict=True):
        assert fast.probability(title, text) == pytest.approx(float(p), abs=1e-5)
    assert fast.probability("", FIRE) > 0.8 > 0.2 > fast.probability("", LAWYER)


def _string_counting_logit(pipeline, text: str) -> float:
    """The classifier as first shipped (f31c58f): analyzer strings, a Counter and a dict
    look-up per term, per block. The integer-code path must agree with it."""
    clf = pipeline.named_steps["clf"]
    coef = np.asarray(clf.coef_, dtype=np.float64)[0]
    z, offset = float(np.asarray(clf.intercept_)[0]), 0
    for _, vec in pipeline.named_steps["features"].transformer_list:
        vocab, idf = vec.vocabulary_, np.asarray(vec.idf_, dtype=np.float64)
        weight = coef[offset:offset + len(vocab)]
        offset += len(vocab)
        counts = Counter(vec.build_analyzer()(text))
        idx = np.fromiter(map(vocab.get, counts, repeat(-1)), dtype=np.int64, count=len(counts))
        keep = idx >= 0
        if not keep.any():
            continue
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))[keep]
        v = (1.0 + np.log(tf)) * idf[idx[keep]]
        z += float(v @ weight[idx[keep]]) / math.sqrt(float(v @ v))
    return z


def _probability(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def test_code_path_equals_string_counting_on_fixture_texts() -> None:
    """Every fixture sentence and every golden document (news, messages, Weibo posts, empty,
    traditional/full-width): probabilities within 1e-9, with and without shared features."""
    pipeline, meta = load_model(DEFAULT_MODEL_DIR)
    fast = UrgencyClassifier(pipeline, meta)
    texts = [model_text(d.get("title") or "", d.get("text") or "") for d in golden_docs()]
    for name in POSITIVE_FIXTURES:
        texts += [t for _, t in _fixture_lines(name)]
    texts += ["", "　", "𠮷野家 ＡＢＣ", "火灾" * 300]
    assert len(texts) > 800
    want = [_probability(_string_counting_logit(pipeline, t)) for t in texts]
    alone = [_probability(fast.logit(t)) for t in texts]
    with shared_features():
        shared = [_probability(fast.logit(t)) for t in texts]
    assert max(abs(a - b) for a, b in zip(want, alone, strict=True)) < 1e-9
    assert max(abs(a - b) for a, b in zip(want, shared, strict=True)) < 1e-9
    assert min(want) < 0.01 and max(want) > 0.99  # both classes are exercised


def test_model_is_loaded_once_and_is_fast() -> None:
    model = load_urgency_model()
    assert load_urgency_model() is model
    text = FIRE * 12  # beyond the 400-character lead the classifier reads
    model.probability("", text)
    start = time.perf_counter()
    for _ in range(200):
        model.probability("某市通报", text)
    per_article = (time.perf_counter() - start) / 200
    assert per_article < 0.003  # ~0.2 ms measured; loose for a shared 2-core machine


def test_blend_reason_and_lawyer_complaint_below_fire(cfg: UrgencyConfig) -> None:
    angry = {"negative": 0.98, "neutral": 0.01, "positive": 0.01}
    complaint = score_urgency(UrgencyInput(text=LAWYER, sentiment_scores=angry), cfg)
    fire = score_urgency(UrgencyInput(text=FIRE, sentiment_scores=angry), cfg)
    assert complaint.score < 15 <= 60 <= fire.score
    assert complaint.level is None and fire.level in ("I", "II", "III")
    assert any(r.startswith("文本判别：突发事件概率") for r in fire.reasons)
    assert "突发事件：火灾（事故灾难）" in fire.reasons  # lexicon reasons stay


def test_model_weight_zero_is_the_lexicon_alone(cfg: UrgencyConfig) -> None:
    lexicon_only = dataclasses.replace(cfg, model_weight=0.0)
    r = score_urgency(UrgencyInput(text="楼塌了半边，底下还压着人，邻居们正拿铁锹在挖"), lexicon_only)
    assert not any(x.startswith("文本判别") for x in r.reasons)
    blended = score_urgency(UrgencyInput(text="楼塌了半边，底下还压着人，邻居们正拿铁锹在挖"), cfg)
    assert blended.score > r.score  # the eyewitness post the lexicon has no word for


def test_model_weight_is_validated() -> None:
    import yaml
    d = yaml.safe_load((Path(__file__).parents[1] / "config/urgency.yaml").read_text("utf-8"))
    d["model"]["weight"] = 1.5
    with pytest.raises(ValueError):
        UrgencyConfig.from_dict(d)


def test_out_of_fold_auc_of_every_hand_written_file() -> None:
    # Blind sets 4 and 5 are training rows now; what stays honest is the leave-one-file-out
    # figure of each file at the shipped weight: a model that never saw the file scored it
    # (0.944 / 0.937 when they were blind, 0.974 / 0.973 out of fold at the shipped 0.6).
    _, meta = load_model(DEFAULT_MODEL_DIR)
    grid = meta["metrics"]["auc_by_model_weight"]
    row = grid[str(load_default().model_weight)]
    assert row["emergencies_blind4.txt"] >= 0.965 and row["emergencies_blind5.txt"] >= 0.965
    assert row["mean_held_out_files"] >= 0.98
    assert grid["0.0"]["emergencies_blind4.txt"] < 0.8  # the lexicon alone, for contrast


def test_blind5_regression(cfg: UrgencyConfig) -> None:
    # Not blind (trained on): guards the scorer around the shipped model against regressions.
    lines = (URGENCY_DATA / "emergencies_blind5.txt").read_text("utf-8").splitlines()
    rows = [x.split("|", 2) for x in lines if x.strip() and not x.startswith("#")]
    assert len(rows) >= 110
    y = [group == "emergency" for group, _, _ in rows]
    s = [score_urgency(UrgencyInput(text=text), cfg).score for _, _, text in rows]
    assert roc_auc_score(y, s) >= 0.99
