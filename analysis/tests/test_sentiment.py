import time

import pytest

from analysis.sections import JUSTICE_MODEL_DIR
from analysis.sentiment import LABELS, SentimentResult, canonical_label, load_sentiment_model


@pytest.fixture(scope="module")
def model():
    return load_sentiment_model()


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("司法局工作人员态度恶劣，推诿扯皮，群众非常不满，太让人失望了", "negative"),
        ("市司法局召开2024年全市司法行政工作会议，部署全年重点工作", "neutral"),
        ("感谢法律援助中心的律师，耐心细致，帮我们全家讨回了公道，真心点赞！", "positive"),
    ],
)
def test_shipped_model_on_public_opinion_lines(model, text, label):
    [result] = model.predict([text])
    assert isinstance(result, SentimentResult)
    assert result.label == label
    assert set(result.scores) == set(LABELS)
    assert abs(sum(result.scores.values()) - 1.0) < 1e-3
    assert result.scores[label] == max(result.scores.values())


def test_terms_explain_the_predicted_class(model):
    [result] = model.predict(["这个律师太坑了，收钱不办事，强烈投诉"])
    assert result.label == "negative"
    assert result.terms
    _, top_weight = result.terms[0]
    assert top_weight > 0  # the strongest feature pushes towards the chosen class
    assert all(t.strip() and t not in {"，", ",", "的"} for t, _ in result.terms)


def test_meta_records_honest_holdout(model):
    holdout = model.meta["metrics"]["holdout"]
    assert holdout["macro_f1"] >= 0.70
    assert holdout["confusion"]["labels"] == list(LABELS)
    assert model.meta["data"][0]["file"] == "smp2020_ewect_usual.csv.gz"


def test_fast_on_short_texts(model):
    texts = ["今天去办事，窗口人员很耐心", "投诉无门，没人管"] * 500
    model.predict(texts[:10])
    started = time.perf_counter()
    model.predict(texts)
    # Measured ~5,000 texts/s on one core; the bar leaves room for a loaded CI machine.
    assert len(texts) / (time.perf_counter() - started) > 800


def test_long_and_empty_texts(model):
    results = model.predict(["", "司法局" * 5000])
    assert len(results) == 2
    assert all(r.label in LABELS for r in results)


def test_label_aliases():
    assert canonical_label("负面") == "negative"
    assert canonical_label(" Positive ") == "positive"
    assert canonical_label("surprise(ambiguous)") is None


def test_refuses_a_section_model():
    with pytest.raises(ValueError):
        load_sentiment_model(JUSTICE_MODEL_DIR)
