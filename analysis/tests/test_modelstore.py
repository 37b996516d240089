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


def _reference_transform(vectorizer, docs):
    """FastTfidfVectorizer.transform as first written (a COO pass, scipy's multiply): the
    speed work on it must not move a single bit."""
    from collections import Counter

    from scipy import sparse
    from sklearn.preprocessing import normalize

    analyze = vectorizer.build_analyzer()
    rows, cols, tfs = [], [], []
    for r, doc in enumerate(docs):
        for term, n in Counter(analyze(doc)).items():
            if term in vectorizer.vocabulary_:
                rows.append(r)
                cols.append(vectorizer.vocabulary_[term])
                tfs.append(n)
    x = sparse.csr_matrix((np.asarray(tfs, dtype=np.float64), (rows, cols)),
                          shape=(len(docs), len(vectorizer.vocabulary_)))
    x.sort_indices()
    np.log(x.data, x.data)
    x.data += 1.0
    x = x.multiply(vectorizer.idf_).tocsr()
    return normalize(x, norm="l2", copy=False).astype(vectorizer.dtype)


def test_shipped_vectorizers_are_bitwise_identical_with_shared_features():
    """Shared analysis (one fold, one segmentation, one count per text for every model) and
    the direct CSR build give exactly the matrices of the plain per-vectorizer path."""
    from analysis.modelstore import seed_folded, shared_features
    from analysis.sections import MODELS_DIR, load_section_model
    from analysis.sentiment import load_sentiment_model
    from analysis.text import fold

    docs = [t for t, _ in read_labelled(DATA_DIR / "justice_sections_seed.csv")][:40]
    docs += ["", "  \n ", "ＡＢＣ　律師事務所亂收費！！", "a", "就这"]
    models = [load_sentiment_model(), load_section_model(), load_section_model(MODELS_DIR / "sections_teddy")]
    with shared_features():
        for d in docs[:10]:
            seed_folded(d, fold(d))
        shared = [[v.transform(docs) for _, v in m.features.transformer_list] for m in models]
    for model, got in zip(models, shared, strict=True):
        for (_, vectorizer), x in zip(model.features.transformer_list, got, strict=True):
            want = _reference_transform(vectorizer, docs)
            plain = vectorizer.transform(docs)
            for m in (x, plain):
                assert m.dtype == want.dtype
                assert np.array_equal(m.indptr, want.indptr)
                assert np.array_equal(m.indices, want.indices)
                assert np.array_equal(m.data, want.data)


def test_refitted_vectorizer_does_not_reuse_old_character_codes(seed_rows):
    from analysis.modelstore import text_features

    texts = [t for t, _ in seed_rows]
    chars = dict(text_features(min_df=1).transformer_list)["chars"]
    chars.fit(texts[:20])
    first = chars.transform(["社区矫正对象请假"])
    chars.fit(texts[100:])
    again = chars.transform(["社区矫正对象请假"])
    want = _reference_transform(chars, ["社区矫正对象请假"])
    assert first.shape != again.shape
    assert np.array_equal(again.indices, want.indices) and np.array_equal(again.data, want.data)


def test_the_fallback_setting_uses_scikit_learns_transform(seed_rows, monkeypatch):
    """YUQING_FAST_VECTORIZER=0 switches every vectorizer to scikit-learn's own transform, and the
    two agree: the contract above is what makes the switch safe to flip either way."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from analysis.fast_vectorizer import fast_path_enabled
    from analysis.modelstore import text_features

    texts = [t for t, _ in seed_rows]
    features = text_features(min_df=1)
    features.fit(texts)
    fast = features.transform(texts)
    calls = []
    original = TfidfVectorizer.transform
    monkeypatch.setattr(TfidfVectorizer, "transform", lambda self, docs: calls.append(1) or original(self, docs))
    monkeypatch.setenv("YUQING_FAST_VECTORIZER", "0")
    assert not fast_path_enabled()
    slow = features.transform(texts)
    assert len(calls) == len(features.transformer_list)
    assert abs(fast - slow).max() < 1e-6


def test_shipped_pickles_name_the_modelstore_path():
    """Shipped models were pickled naming analysis.modelstore.*; the split modules keep those
    names importable (pickle resolves them by attribute on the module)."""
    import analysis.modelstore as store

    for name in ("FastTfidfVectorizer", "LinearTextModel", "word_ngrams", "char_ngrams", "head_char_ngrams"):
        assert getattr(store, name) is not None
    from analysis.sentiment import load_sentiment_model

    assert load_sentiment_model().predict(["律师乱收费，太气人了"])[0].label
