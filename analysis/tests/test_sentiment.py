import json
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from sklearn.metrics import f1_score

from analysis.sections import JUSTICE_MODEL_DIR
from analysis.sentiment import (
    LABELS,
    MAX_CHARS,
    SHORT_CHARS,
    SentimentResult,
    canonical_label,
    load_sentiment_model,
    sentence_chunks,
    split_sentences,
)


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


# ---------------------------------------------------------------- news register, long texts

NEWS_EVAL = Path(__file__).resolve().parent / "fixtures" / "sentiment_news_eval.jsonl"


def test_news_register_reports_of_harm_read_negative(model):
    results = model.predict([
        "龙海区一社区矫正对象脱管后持刀伤人致2人死亡，当地司法局被指监管不力",
        "网传某司法所工作人员暴力执法殴打当事人 视频引发关注",
    ])
    assert [r.label for r in results] == ["negative", "negative"]
    assert "持刀" in dict(results[0].terms) or "伤人" in dict(results[0].terms)
    assert "暴力执法" in dict(results[1].terms)


def test_news_eval_set_macro_f1(model):
    # 72 hand-labelled news-style items, never trained on (docs/analysis.md: 0.565 before the
    # news cues and sentence reading, 0.878 after).
    rows = [json.loads(line) for line in NEWS_EVAL.read_text("utf-8").splitlines()]
    assert Counter(r["label"] for r in rows) == {"negative": 24, "neutral": 24, "positive": 24}
    predicted = [r.label for r in model.predict([r["text"] for r in rows], explain=False)]
    assert f1_score([r["label"] for r in rows], predicted, average="macro") >= 0.8


CALM_PARAGRAPH = (
    "市司法局位于人民路东段，内设办公室、律师工作科、公证工作科等科室。"
    "今年以来，全市共办理公证事项一万余件，受理行政复议案件三百余件。"
    "各司法所按照年度计划开展普法宣传和人民调解工作，档案管理逐步规范。"
)


def test_harm_reported_late_in_a_long_article_still_counts(model):
    # The incident sits beyond the characters the model reads; the cue scan of the tail finds it.
    calm = CALM_PARAGRAPH * 12
    assert len(calm) > MAX_CHARS
    [plain] = model.predict([calm])
    assert plain.label == "neutral"
    [result] = model.predict([calm + "当晚，一名社区矫正对象持刀行凶，造成2人死亡。" + CALM_PARAGRAPH])
    assert result.label == "negative"
    assert {"行凶", "死亡"} & set(dict(result.terms))


def test_one_violent_sentence_lifts_a_factual_article(model):
    lead = "网传某区一名司法所工作人员暴力执法殴打当事人。"
    text = lead + CALM_PARAGRAPH * 4
    assert len(text) > SHORT_CHARS  # read chunk by chunk
    [result] = model.predict([text])
    assert result.label == "negative"
    assert result.scores["negative"] > 0.5


def test_explanations_leave_out_numbers_and_dates(model):
    [result] = model.predict(["2024年3月15日，某县发生一起交通事故，造成5人死亡12人受伤"])
    assert result.label == "negative"
    terms = [t for t, _ in result.terms]
    assert terms and not any(re.fullmatch(r"[\d.]*[年月日]?", t) for t in terms)


def test_sentences_and_chunks():
    text = "标题一句。第二句话很短！第三句？\n第四句"
    assert split_sentences(text) == ["标题一句。", "第二句话很短！", "第三句？", "第四句"]
    long = "开头。" + "这是一句大约二十个字的普通陈述句子内容。" * 12
    chunks = sentence_chunks(long)
    assert chunks[0] == "开头。" and "".join(chunks) == long
    assert all(len(c) >= 100 for c in chunks[1:-1])


def test_a_2kb_article_costs_less_than_jieba(model):
    import jieba

    article = (CALM_PARAGRAPH * 20)[:2000]
    articles = [article[i:] + article[:i] for i in range(0, 200, 10)]
    jieba.lcut("预热")
    model.predict(articles[:2])

    def best(fn) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
        return min(times)

    ours = best(lambda: model.predict(articles))
    theirs = best(lambda: [jieba.lcut(a) for a in articles])
    # Measured ~0.5x of jieba.lcut's time; the bar leaves room for a loaded machine.
    assert ours < theirs


def test_label_spellings_of_other_data_sets_map_to_the_three_classes():
    from analysis.sentiment import canonical_label, numeric_scale

    assert [canonical_label(x) for x in ("angry", "sad", "fear", "happy", "surprise", "neutral", "负面")] == [
        "negative", "negative", "negative", "positive", None, "neutral", "negative"]
    assert canonical_label("0") == "negative" and canonical_label("1") == "positive"  # binary review sets
    three = numeric_scale({"-1", "0", "1"})
    assert [canonical_label(x, three) for x in ("-1", "0", "1")] == ["negative", "neutral", "positive"]
    zero_two = numeric_scale({"0", "1", "2"})
    assert [canonical_label(x, zero_two) for x in ("0", "1", "2")] == ["negative", "neutral", "positive"]
    assert numeric_scale({"0", "1"}) is None


def test_evaluate_reads_an_emotion_labelled_file(tmp_path):
    from analysis.training import evaluate

    data = tmp_path / "virus.csv"
    data.write_text("text,label\n"
                    "气死我了，排了三个小时队还没轮到，工作人员还爱答不理,angry\n"
                    "今天终于拿到了法律援助，真心感谢援助律师的帮助,happy\n"
                    "明天上午九点在市民广场举行普法宣传活动,neutral\n"
                    "没想到会这样,surprise\n", encoding="utf-8")
    result = evaluate("sentiment", data)
    assert sum(map(sum, result["confusion"]["matrix"])) == 3  # surprise is left out, the rest are scored


def test_neutrally_written_lead_of_a_violent_incident_is_negative(model):
    # The demo's I级 item as the Analyzer reads it (title + 300-character lead, scored whole):
    # an official, calm register, but a knife attack with 2 dead by a person under the
    # bureau's supervision is negative 舆情.
    title = "龙海区一社区矫正对象脱管后持刀伤人致2人死亡 市司法局连夜回应"
    body = ("记者从市司法局获悉，11月26日晚，龙海区一名正在接受社区矫正的人员在脱管期间持刀伤人，"
            "造成2人死亡、3人受伤，伤者已送医救治，嫌疑人已被警方控制。\n事发后，市司法局连夜召开会议，"
            "成立工作组赶赴现场，配合公安机关开展调查，并对全市社区矫正对象开展全面排查，逐一核实监管情况。")
    r = model.predict([f"{title}\n{body}"[:300]])[0]
    assert r.label == "negative" and r.scores["negative"] >= 0.5
    # A calm two-sentence notice with no harm in it stays neutral.
    calm = model.predict(["市司法局召开全市社区矫正工作会议。会议部署了下一阶段的排查和教育帮扶工作。"])[0]
    assert calm.label == "neutral"
