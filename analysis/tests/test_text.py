import gzip
import json
from pathlib import Path

import jieba
import pytest

from analysis import text

DATA = Path(__file__).resolve().parents[1] / "data"


def test_normalize_width_traditional_entities_and_whitespace():
    raw = "  &lt;p&gt;漳州市司法局<br/>處理ＡＢＣ１２３　投訴&amp;\n\n\n  社區矯正  問題 "
    assert text.normalize(raw) == "漳州市司法局 处理ABC123 投诉&\n社区矫正 问题"


def test_normalize_keeps_a_lone_less_than_sign():
    assert text.normalize("罚款金额 a<b 元") == "罚款金额 a<b 元"


def test_normalize_empty():
    assert text.normalize("") == ""


def test_fold_keeps_length_and_offsets():
    raw = "網友投訴ＡＢＣ司法局　不作為"
    folded = text.fold(raw)
    assert len(folded) == len(raw)
    assert folded == "网友投诉abc司法局 不作为"
    assert folded.index("司法局") == raw.index("司法局")


def test_tokenize_keeps_user_dictionary_terms_whole():
    tokens = text.tokenize("漳州市芗城区司法局：社區矯正對象可申请法律援助，拨打12345热线")
    for term in ["芗城区", "司法局", "社区矫正对象", "法律援助", "12345热线"]:
        assert term in tokens
    assert " " not in tokens


def test_content_tokens_drop_stopwords_and_punctuation_but_keep_negation():
    tokens = text.content_tokens("我们对司法局的答复不满意！！")
    assert "我们" not in tokens and "的" not in tokens and "！" not in tokens and "!" not in tokens
    assert "不" in tokens or "不满意" in tokens
    assert "司法局" in tokens


def test_add_words_changes_segmentation():
    assert "浪潮街道" not in text.tokenize("浪潮街道司法所")
    text.add_words(["浪潮街道"])
    assert "浪潮街道" in text.tokenize("浪潮街道司法所")


@pytest.fixture(scope="module")
def news_sample() -> list[str]:
    with gzip.open(DATA / "xinwenlianbo_sample300.jsonl.gz", "rt", encoding="utf-8") as fh:
        docs = [json.loads(line) for line in fh]
    return [text.fold(d["text"]) for d in docs[:200]]


def test_rjieba_agrees_with_jieba_on_news(news_sample):
    """rjieba (what we run) must segment like jieba (HMM off) with the same user words."""
    reference = jieba.Tokenizer()
    for word, freq in text.user_word_frequencies(text.read_user_dict()):
        reference.add_word(word, freq)
    same = total = 0
    for doc in news_sample:
        ours = [t for t in text.tokenize(doc)]
        theirs = [t for t in reference.lcut(doc, HMM=False) if not t.isspace()]
        total += 1
        same += ours == theirs
    # Measured 200/200 identical documents (docs/analysis.md); allow a rare tie-break difference.
    assert same / total >= 0.98


def test_fold_numpy_path_equals_the_translate_table():
    """Long texts fold through a numpy lookup table; it must equal str.translate everywhere:
    every BMP character, astral characters and lone surrogates (crawled text has both)."""
    table = text._fold_table()
    every_bmp = "".join(chr(c) for c in range(0x10000))
    assert text.fold(every_bmp) == every_bmp.translate(table)
    mixed = "漳州市司法局處理ＡＢＣ１２３投訴\ud83d😀𠀀\u200b\u3000社區矯正 " * 5
    assert len(mixed) >= text._FOLD_NUMPY_FROM
    assert text.fold(mixed) == mixed.translate(table)
    assert "社区矫正" in text.fold(mixed) and "😀" in text.fold(mixed)
    short = mixed[: text._FOLD_NUMPY_FROM - 1]
    assert text.fold(short) == short.translate(table)


def test_fold_is_idempotent():
    """Stages that receive already-folded text may fold it again: nothing must change."""
    every_bmp = "".join(chr(c) for c in range(0x20, 0x10000) if not 0xD800 <= c <= 0xDFFF)
    once = text.fold(every_bmp)
    assert text.fold(once) == once
