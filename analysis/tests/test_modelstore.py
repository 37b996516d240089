import json
import logging
import warnings

import numpy as np
import pytest

from analysis import sections
from analysis.modelstore import (
    META_FILE,
    ModelVersionWarning,
    check_versions,
    library_versions,
    load_model,
    provenance,
    save_model,
)
from analysis.training import DATA_DIR, read_labelled

TEXTS = ["我想申请法律援助", "律师乱收费怎么投诉", "公证处办理继承公证", "社区矫正对象外出请假"]


@pytest.fixture(scope="module")
def seed_rows():
    return read_labelled(DATA_DIR / "justice_sections_seed.csv")


def fitted(rows):
    pipeline = sections.build_pipeline(len(rows))
    pipeline.fit([t for t, _ in rows], [lab for _, lab in rows])
    return pipeline


def test_round_trip_gives_identical_predictions_and_full_meta(tmp_path, seed_rows):
    pipeline = fitted(seed_rows)
    before = pipeline.predict_proba(TEXTS)
    data_file = DATA_DIR / "justice_sections_seed.csv"
    save_model(
        pipeline, tmp_path, kind="sections", labels=list(pipeline.classes_),
        data=provenance([data_file], {data_file.name: len(seed_rows)}), metrics={"macro_f1": 0.5},
    )
    loaded, meta = load_model(tmp_path)
    # Saving stores float32 weights (in place); the loaded model is exactly the saved one,
    # and within rounding of the model as trained.
    assert (loaded.predict_proba(TEXTS) == pipeline.predict_proba(TEXTS)).all()
    assert np.allclose(loaded.predict_proba(TEXTS), before, atol=1e-5)
    assert list(loaded.predict(TEXTS)) == ["legal_aid", "lawyers", "notary", "corrections"]
    assert meta["kind"] == "sections"
    assert meta["labels"] == sorted({lab for _, lab in seed_rows})
    assert meta["data"][0]["rows"] == len(seed_rows) and len(meta["data"][0]["sha256"]) == 64
    assert {"python", "scikit-learn", "numpy", "jieba", "rjieba"} <= set(meta["versions"])
    assert meta["metrics"] == {"macro_f1": 0.5}
    assert meta["tokenizer"] == "analysis.text.tokenize"
    assert meta["created_at"].endswith("+00:00")


def test_version_mismatch_warns_and_logs(tmp_path, seed_rows, caplog):
    pipeline = fitted(seed_rows[:60])
    save_model(pipeline, tmp_path, kind="sections", labels=list(pipeline.classes_), data=[], metrics={})
    meta = json.loads((tmp_path / META_FILE).read_text("utf-8"))
    meta["versions"]["scikit-learn"] = "0.24.2"
    (tmp_path / META_FILE).write_text(json.dumps(meta), "utf-8")
    with (
        caplog.at_level(logging.WARNING, logger="analysis.modelstore"),
        pytest.warns(ModelVersionWarning, match="scikit-learn 0.24.2"),
    ):
        load_model(tmp_path)
    assert any(r.message == "model.version_mismatch" for r in caplog.records)


def test_matching_versions_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_versions({"versions": library_versions()}) == []


def test_fast_vectorizer_equals_scikit_learn_transform(seed_rows):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from analysis.modelstore import text_features

    texts = [t for t, _ in seed_rows]
    features = text_features(min_df=1)
    fitted_matrix = features.fit_transform(texts)  # scikit-learn's own counting path
    for _, vectorizer in features.transformer_list:
        ours = vectorizer.transform(texts + ["未见过的词语 ＡＢＣ", ""])
        theirs = TfidfVectorizer.transform(vectorizer, texts + ["未见过的词语 ＡＢＣ", ""])
        assert abs(ours - theirs).max() < 1e-6
    assert abs(features.transform(texts) - fitted_matrix).max() < 1e-6
