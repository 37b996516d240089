"""Where the bureau's own trained models live: `yuqing train` writes them under YUQING_HOME/models/,
and judgement and `yuqing evaluate` use them in place of the shipped ones once they exist."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings


def local_model_dir(kind: str) -> Path:
    return Path(settings.YUQING_HOME) / "models" / kind


def trained_model(kind: str) -> Path | None:
    """The locally trained model for `kind` ("sentiment" or "sections"), or None for the shipped one."""
    path = local_model_dir(kind)
    return path if (path / "meta.json").exists() else None
