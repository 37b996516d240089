"""Every shipped model loads with the installed libraries without a version warning.

A pickle is only guaranteed to work with the scikit-learn, numpy and scipy that wrote it; with
other versions it may fail to load or, worse, predict differently without a word. Both warnings
(scikit-learn's own and ours from ``meta.json``) are errors here, so a drifted install or a
drifted constraints.txt fails the suite instead of the judgement.
"""
from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sklearn.exceptions import InconsistentVersionWarning

from analysis.modelstore import CHECKED_LIBRARIES, META_FILE, MODEL_FILE, ModelVersionWarning
from analysis.sections import MODELS_DIR, load_section_model
from analysis.sentiment import load_sentiment_model
from analysis.urgency_model import load_urgency_model

CONSTRAINTS = Path(__file__).resolve().parents[2] / "constraints.txt"
PICKLES = ("*.joblib", "*.pkl", "*.npz")
TEXT = "网传某区社区矫正对象脱管后持刀伤人，群众质疑司法所监管不力，要求律师介入、申请法律援助。"


def _urgency(path: Path) -> Any:
    # The loader caches per process: load afresh, so the warnings are raised in this test.
    return load_urgency_model.__wrapped__(str(path))


# Each kind is loaded through the project's own loader, as judgement loads it.
LOADERS: dict[str, Callable[[Path], Any]] = {
    "sections": load_section_model,
    "sentiment": load_sentiment_model,
    "urgency": _urgency,
}


def shipped() -> list[Path]:
    files = sorted(f for pattern in PICKLES for f in Path(MODELS_DIR).rglob(pattern))
    return sorted({f.parent for f in files})


def test_every_pickle_is_a_model_directory_with_its_metadata() -> None:
    dirs = shipped()
    assert {d.name for d in dirs} >= {"sentiment", "urgency", "sections_justice", "sections_teddy"}
    for d in dirs:
        assert (d / MODEL_FILE).exists() and (d / META_FILE).exists(), d
        assert json.loads((d / META_FILE).read_text("utf-8"))["kind"] in LOADERS, d


@pytest.mark.parametrize("model_dir", shipped(), ids=lambda d: d.name)
def test_shipped_model_loads_without_a_version_warning(model_dir: Path) -> None:
    meta = json.loads((model_dir / META_FILE).read_text("utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        warnings.simplefilter("error", ModelVersionWarning)
        model = LOADERS[meta["kind"]](model_dir)
    if meta["kind"] == "urgency":
        assert 0.0 <= model.probability("", TEXT) <= 1.0
    else:
        (prediction,) = model.predict([TEXT])
        assert prediction.label in meta["labels"]


def test_constraints_pin_the_versions_the_models_were_saved_with() -> None:
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", CONSTRAINTS.read_text("utf-8"), re.M))
    pins = {name.lower(): version for name, version in pins.items()}
    for d in shipped():
        saved = json.loads((d / META_FILE).read_text("utf-8"))["versions"]
        for lib in CHECKED_LIBRARIES:
            assert pins.get(lib) == saved[lib], f"{d.name}: {lib} 保存时为 {saved[lib]}，constraints.txt 固定为 {pins.get(lib)}"
