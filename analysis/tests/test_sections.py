from pathlib import Path

import pytest

from analysis.sections import JUSTICE_MODEL_DIR, SectionPrediction, load_section_model
from analysis.sentiment import DEFAULT_MODEL_DIR as SENTIMENT_DIR

TEDDY_DIR = Path(__file__).resolve().parents[1] / "models" / "sections_teddy"


@pytest.fixture(scope="module")
def justice():
    return load_section_model()


@pytest.mark.parametrize(
    ("text", "section"),
    [
        ("我是外来务工人员，老板欠薪半年，没钱打官司，想申请免费的法律援助", "legal_aid"),
        ("小区里有个缓刑的社区矫正人员经常深夜喝酒闹事，司法所管不管", "corrections"),
        ("某律所律师收了三万代理费后失联，要求律师工作科查处", "lawyers"),
        ("今年法考主观题成绩什么时候公布，证书怎么领", "exam"),
        ("去公证处办理房产继承公证，来回跑了四趟还没办好", "notary"),
        ("两户村民因宅基地边界纠纷争吵，请村调解委员会调解", "grassroots"),
        ("对区市场监管局的罚款决定不服，怎样申请行政复议", "regulations"),
        ("司法局开展民法典宣传进社区普法活动", "publicity"),
    ],
)
def test_shipped_justice_model_routes_unseen_messages(justice, text, section):
    [pred] = justice.predict([text])
    assert isinstance(pred, SectionPrediction)
    assert pred.label == section
    assert 0.0 < pred.confidence <= 1.0
    assert abs(sum(pred.scores.values()) - 1.0) < 1e-3
    assert pred.terms and all(isinstance(w, float) for _, w in pred.terms)


def test_explanation_shows_words_not_fragments(justice):
    [pred] = justice.predict(["社区矫正对象请假外出"])
    terms = [t for t, _ in pred.terms]
    assert "社区矫正" in terms or "社区矫正对象" in terms
    assert "矫" not in terms and "，" not in terms


def test_justice_labels_are_the_default_sections(justice):
    assert set(justice.labels) == {
        "office", "lawyers", "notary", "legal_aid", "grassroots",
        "corrections", "publicity", "regulations", "exam",
    }


def test_empty_input(justice):
    assert justice.predict([]) == []
    assert justice.predict([""])[0].label in justice.labels


def test_loading_a_model_of_another_kind_is_refused():
    with pytest.raises(ValueError):
        load_section_model(SENTIMENT_DIR)


@pytest.mark.skipif(not TEDDY_DIR.exists(), reason="Teddy model not shipped")
def test_shipped_teddy_model_meets_its_recorded_holdout():
    model = load_section_model(TEDDY_DIR)
    assert model.meta["metrics"]["holdout"]["macro_f1"] >= 0.85
    [pred] = model.predict(["小区门口道路施工噪音扰民，晚上十二点还在施工，请环保部门查处"])
    assert pred.label == "环境保护"


def test_shipped_models_are_small():
    for d in (JUSTICE_MODEL_DIR, SENTIMENT_DIR, TEDDY_DIR):
        if d.exists():
            assert (d / "model.joblib").stat().st_size < 5 * 1024 * 1024


def test_section_pipeline_weighs_the_title_apart():
    # Citizen messages are title + body run together; the head block reads the first characters.
    from analysis.sections import HEAD_CHARS, build_pipeline

    features = build_pipeline(3000).named_steps["features"]
    assert [name for name, _ in features.transformer_list] == ["words", "chars", "head"]
    head = features.transformer_list[2][1]
    grams = head.build_analyzer()("小区噪音扰民" + "正文" * 50)
    assert "噪音" in grams and all(len(g) <= 3 for g in grams)
    assert len(set(grams)) < 3 * HEAD_CHARS


@pytest.mark.skipif(not TEDDY_DIR.exists(), reason="Teddy model not shipped")
def test_teddy_model_explains_with_words_not_numbers():
    model = load_section_model(TEDDY_DIR)
    [pred] = model.predict(["2019年12月3日A市某小学强制学生购买教辅资料，家长负担很重"])
    assert pred.label == "教育文体"
    terms = [t for t, _ in pred.terms]
    assert terms and not any(t.isdigit() or t in {"年", "月", "日"} for t in terms)


def test_nb_weighted_svm_is_linear_in_its_input():
    # NBSVM scales features by per-section log-count ratios before each SVM; coef_ must fold
    # the ratio in, or explanations and the calibrated model would read the wrong weights.
    import numpy as np
    from scipy import sparse

    from analysis.sections import NBLinearSVC

    messages = [
        ("小区楼下烧烤摊油烟扰民", "环境保护"), ("河道有人偷排污水发黑发臭", "环境保护"),
        ("工厂夜间排放废气刺鼻", "环境保护"), ("公司拖欠工资三个月不发", "劳动和社会保障"),
        ("单位不给缴纳社保和医保", "劳动和社会保障"), ("退休金迟迟没有发放到位", "劳动和社会保障"),
        ("学校违规收取补课费", "教育文体"), ("幼儿园学费涨价太多", "教育文体"),
        ("中学强制学生购买教辅资料", "教育文体"),
    ]
    x = sparse.csr_matrix(np.array(
        [[1.0 if ch in text else 0.0 for ch in "油烟排污废气工资社保退休学校补课幼儿园"] for text, _ in messages]
    ))
    y = [label for _, label in messages]
    clf = NBLinearSVC(C=3.0).fit(x, y)
    assert list(clf.classes_) == sorted(set(y))
    assert clf.coef_.shape == (3, x.shape[1])
    np.testing.assert_allclose(clf.decision_function(x), x @ clf.coef_.T + clf.intercept_)
    assert list(clf.predict(x)) == y


def test_nbsvm_section_model_trains_loads_and_explains(tmp_path):
    import random

    from analysis import training
    from analysis.sections import WORD_WEIGHT, build_pipeline

    with pytest.raises(ValueError):
        build_pipeline(3000, "forest")
    assert build_pipeline(3000, "nbsvm").named_steps["features"].transformer_weights == {"words": WORD_WEIGHT}
    rows = training.read_labelled(training.DATA_DIR / "teddy2020_messages.csv.gz")
    data = tmp_path / "teddy.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:
        import csv

        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        writer.writerows(random.Random(11).sample(rows, 600))
    metrics = training.train("sections", [data], tmp_path / "m", classifier="nbsvm")
    assert metrics["holdout"]["macro_f1"] > 0.7
    model = load_section_model(tmp_path / "m")
    assert model.meta["params"]["classifier"] == "nbsvm"
    [pred] = model.predict(["单位拖欠农民工工资半年，劳动监察部门不管，要求补缴社保"])
    assert pred.label == "劳动和社会保障"
    assert abs(sum(pred.scores.values()) - 1.0) < 1e-3
    assert any("工资" in t for t, w in pred.terms if w > 0)


def test_default_section_classifier_is_nb_weighted_and_svc_stays_selectable():
    # NBSVM won the 2x5-fold CV on the Teddy training part (docs/analysis.md); the plain SVM
    # must stay selectable (``--classifier svc``) for bureaus whose data it suits better.
    from sklearn.svm import LinearSVC

    from analysis.sections import DEFAULT_CLASSIFIER, NBLinearSVC, build_pipeline

    assert DEFAULT_CLASSIFIER == "nbsvm"
    assert isinstance(build_pipeline(3000).named_steps["clf"].estimator, NBLinearSVC)
    svc = build_pipeline(3000, "svc")
    assert type(svc.named_steps["clf"].estimator) is LinearSVC
    assert svc.named_steps["features"].transformer_weights is None
    # Under 400 rows the classifier choice gives way to logistic regression, as before.
    assert type(build_pipeline(200).named_steps["clf"]).__name__ == "LogisticRegression"


@pytest.mark.skipif(not TEDDY_DIR.exists(), reason="Teddy model not shipped")
def test_shipped_teddy_model_is_trained_with_the_default_classifier():
    model = load_section_model(TEDDY_DIR)
    assert model.meta["params"]["classifier"] == "nbsvm"
    [pred] = model.predict(["楼盘开发商虚假宣传，交房后小区配套学校面积缩小，业主要求住建部门查处"])
    assert pred.label == "城乡建设"
    assert abs(sum(pred.scores.values()) - 1.0) < 1e-3
