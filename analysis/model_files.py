"""A saved model is a directory with ``model.joblib`` and ``meta.json``: what the model is and
where it came from (kind, labels, sha256 and row count of every training file, library versions,
creation time, held-out metrics), following scikit-learn's model-persistence advice. Loading a model
saved with another scikit-learn or numpy version warns: pickles are only guaranteed to work with
the versions that wrote them.
"""
from __future__ import annotations

import hashlib
import json
import logging
import platform
import warnings
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from analysis.text import tokenize

logger = logging.getLogger("analysis.modelstore")

MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
# Libraries whose version changes can break or silently change an unpickled model.
CHECKED_LIBRARIES = ("scikit-learn", "numpy", "scipy")


class ModelVersionWarning(UserWarning):
    """The model was saved with different library versions than the running ones."""


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("scikit-learn", "numpy", "scipy", "joblib", "jieba", "rjieba"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def provenance(paths: Iterable[Path], rows: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """One entry per training file: name, sha256, bytes and rows used."""
    out = []
    for p in paths:
        p = Path(p)
        out.append(
            {
                "file": p.name,
                "sha256": file_sha256(p),
                "bytes": p.stat().st_size,
                "rows": (rows or {}).get(p.name),
            }
        )
    return out


def save_model(
    estimator: Any,
    out: Path,
    *,
    kind: str,
    labels: Sequence[str],
    data: list[dict[str, Any]],
    metrics: dict[str, Any],
    params: dict[str, Any] | None = None,
) -> Path:
    """Write ``estimator`` and its metadata to the directory ``out``; returns ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _shrink(estimator)
    joblib.dump(estimator, out / MODEL_FILE, compress=("xz", 6))
    meta = {
        "kind": kind,
        "labels": list(labels),
        "data": data,
        "params": params or {},
        "metrics": metrics,
        "versions": library_versions(),
        "tokenizer": f"{tokenize.__module__}.{tokenize.__name__}",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (out / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", "utf-8")
    logger.info("model.saved", extra={"kind": kind, "path": str(out)})
    return out


def load_model(path: Path) -> tuple[Any, dict[str, Any]]:
    """(estimator, meta) from a model directory; warns on library version mismatch."""
    path = Path(path)
    meta = json.loads((path / META_FILE).read_text("utf-8"))
    check_versions(meta, str(path))
    estimator = joblib.load(path / MODEL_FILE)
    return estimator, meta


def check_versions(meta: dict[str, Any], where: str = "") -> list[str]:
    """Warn (``warnings`` and the log) about every checked library whose version differs."""
    saved = meta.get("versions", {})
    running = library_versions()
    problems = [
        f"{lib} {saved.get(lib)} -> {running.get(lib)}"
        for lib in CHECKED_LIBRARIES
        if saved.get(lib) and saved.get(lib) != running.get(lib)
    ]
    if problems:
        message = (
            f"模型 {where} 保存时的库版本与当前不同，预测可能出错或不准，请重新训练 "
            f"(model saved with other library versions, retrain it): {'; '.join(problems)}"
        )
        warnings.warn(message, ModelVersionWarning, stacklevel=3)
        logger.warning("model.version_mismatch", extra={"path": where, "problems": problems})
    return problems


def _shrink(estimator: Any) -> None:
    """Drop what prediction does not need: vectorizers keep every pruned term in
    ``stop_words_`` (scikit-learn documents it as safe to delete), often megabytes."""
    if isinstance(estimator, Pipeline):
        for _, step in estimator.steps:
            _shrink(step)
    elif isinstance(estimator, FeatureUnion):
        for _, part in estimator.transformer_list:
            _shrink(part)
    elif isinstance(estimator, TfidfVectorizer) and hasattr(estimator, "stop_words_"):
        del estimator.stop_words_
    elif hasattr(estimator, "calibrated_classifiers_"):
        for calibrated in estimator.calibrated_classifiers_:
            _shrink(calibrated.estimator)
    elif hasattr(estimator, "coef_") and estimator.coef_.dtype == np.float64:
        # float32 weights halve the file; predictions agree to ~1e-7 in probability.
        estimator.coef_ = estimator.coef_.astype(np.float32)
        estimator.intercept_ = np.asarray(estimator.intercept_, dtype=np.float32)
