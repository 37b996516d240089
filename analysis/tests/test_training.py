import csv
import gzip
import random

import pytest

from analysis import training
from analysis.sections import load_section_model
from analysis.sentiment import load_sentiment_model


def write_csv(path, rows, gz=False):
    opener = gzip.open if gz else open
    with opener(path, "wt", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def smp_subset():
    rows = training.read_labelled(training.DATA_DIR / "smp2020_ewect_usual.csv.gz")
    return random.Random(3).sample(rows, 900)


def test_train_and_evaluate_sentiment_small(tmp_path, smp_subset):
    weibo = write_csv(tmp_path / "weibo.csv", smp_subset)
    reviews = training.read_labelled(training.DATA_DIR / "waimai_10k.csv.gz")
    aux = write_csv(tmp_path / "reviews.csv.gz", random.Random(4).sample(reviews, 600), gz=True)
    metrics = training.train("sentiment", [weibo, aux], tmp_path / "model", refit_all=False)
    holdout = metrics["holdout"]
    # Only the in-domain file is held out; the review rows only train, down-weighted.
    assert holdout["n"] == pytest.approx(0.2 * sum(1 for _, label in smp_subset if "surprise" not in label), abs=2)
    assert metrics["aux_weight"] < 1.0
    assert 0.4 < holdout["macro_f1"] <= 1.0
    model = load_sentiment_model(tmp_path / "model")
    assert [d["file"] for d in model.meta["data"]] == ["weibo.csv", "reviews.csv.gz"]

    again = training.evaluate("sentiment", weibo, tmp_path / "model", holdout_only=True)
    assert again["macro_f1"] == holdout["macro_f1"]
    assert set(again) >= {"accuracy", "macro_f1", "per_class", "confusion"}
    matrix = again["confusion"]["matrix"]
    assert sum(map(sum, matrix)) == holdout["n"]


def test_train_sections_on_any_text_label_csv(tmp_path):
    rows = training.read_labelled(training.DATA_DIR / "teddy2020_messages.csv.gz")
    subset = random.Random(5).sample(rows, 500)
    data = write_csv(tmp_path / "bureau.csv", subset)
    metrics = training.train("sections", [data], tmp_path / "m")
    assert metrics["holdout"]["n"] == 100
    assert metrics["holdout"]["macro_f1"] > 0.6
    model = load_section_model(tmp_path / "m")
    assert set(model.labels) == {lab for _, lab in subset}
    result = training.evaluate("sections", data, tmp_path / "m")
    assert result["confusion"]["labels"] == sorted(model.labels)
    assert 0.0 <= result["accuracy"] <= 1.0


def test_small_sections_data_is_cross_validated(tmp_path):
    rows = training.read_labelled(training.DATA_DIR / "justice_sections_seed.csv")
    data = write_csv(tmp_path / "seed.csv", rows[:150])  # 6 sections, the 7th with one row
    metrics = training.train("sections", [data], tmp_path / "m")
    assert "cross_validated" in metrics and "holdout" not in metrics
    assert metrics["cross_validated"]["n"] == 149
    assert len(load_section_model(tmp_path / "m").labels) == 7


def test_holdout_split_is_deterministic_and_stratified():
    labels = ["a"] * 50 + ["b"] * 30 + ["c"] * 3
    tr1, te1 = training.holdout_split(labels)
    _, te2 = training.holdout_split(labels)
    assert te1 == te2 and not set(tr1) & set(te1)
    assert sum(labels[i] == "a" for i in te1) == 10 and sum(labels[i] == "b" for i in te1) == 6
    assert all(labels[i] != "c" for i in te1)  # too small to hold out


def test_bad_input(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("内容编号,备注\n你好,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="text,label"):
        training.read_labelled(bad)
    with pytest.raises(ValueError):
        training.train("urgency", [bad], tmp_path / "m")


def test_saved_model_learns_from_every_row_after_the_held_out_measure(tmp_path):
    rows = training.read_labelled(training.DATA_DIR / "teddy2020_messages.csv.gz")
    data = write_csv(tmp_path / "bureau.csv", random.Random(6).sample(rows, 500))
    metrics = training.train("sections", [data], tmp_path / "model")
    assert metrics["refit_on_all_rows"] and metrics["final_rows"] == 500
    assert metrics["holdout"]["n"] == pytest.approx(100, abs=2)


def test_read_labelled_accepts_other_exports_of_the_same_data(tmp_path):
    path = tmp_path / "teddy_raw.csv"
    path.write_bytes("留言主题,留言详情,一级标签\n"
                     "A市某小区噪音扰民,夜间施工噪音严重影响休息,城乡建设\n".encode("gb18030"))
    assert training.read_labelled(path) == [("A市某小区噪音扰民夜间施工噪音严重影响休息", "城乡建设")]
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="text,label"):
        training.read_labelled(tmp_path / "bad.csv")


def test_cross_topic_validation_holds_out_clusters_of_the_training_split(tmp_path, smp_subset):
    # The split that chose AUX_SHARE (docs/analysis.md, "Domain shift"), on a small sample: each
    # topic cluster of the training split is scored by a model that never saw it.
    weibo = write_csv(tmp_path / "weibo.csv", smp_subset)
    reviews = training.read_labelled(training.DATA_DIR / "waimai_10k.csv.gz")
    aux = write_csv(tmp_path / "reviews.csv", random.Random(5).sample(reviews, 300))
    result = training.cross_topic_validation([weibo, aux], shares=(0.0, 0.4), k=2)
    n_train = len(training.sentiment_splits([weibo])["files"][0]["train"])
    assert sum(result["clusters"]) == n_train  # the 20 % test split is never read
    assert set(result["by_share"]) == {"0.0", "0.4"}
    for row in result["by_share"].values():
        assert len(row["folds"]) == 2 and 0.2 < row["mean"] <= 1.0
    assert result["by_share"]["0.0"] != result["by_share"]["0.4"]  # the reviews do take part
