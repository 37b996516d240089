"""A worker's main process warms the analysis before it forks its pool: nothing is left to load
on the first batch of each pool process, and what is loaded is frozen for the collector."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A fresh process, as a worker's main process is: nothing of the test run already loaded.
PROBE = """
import gc, json
import django
django.setup()
from analysis import fast_vectorizer, text
from analysis.urgency_model import load_urgency_model
from response.services import analyzer_config
analyzer_config.warm_models()
print(json.dumps({
    "urgency_classifiers": load_urgency_model.cache_info().currsize,
    "tokenizer": text._tokenizer is not None,
    "code_tables": len(fast_vectorizer._CODE_VOCABS),
    "word_tables": len(fast_vectorizer._WORD_VOCABS),
    "frozen": gc.get_freeze_count(),
}))
"""


def test_warm_models_leaves_nothing_for_the_first_batch(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    # No database yet (before `yuqing migrate`): the warm-up falls back to the bureau file.
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", YUQING_HOME=str(tmp_path), DJANGO_DEBUG="false")
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state["urgency_classifiers"] == 1  # was loaded by the first mention judged (~1 s)
    assert state["tokenizer"]
    # the character blocks of sentiment and sections, their shared word block
    assert state["code_tables"] >= 2 and state["word_tables"] >= 1
    assert state["frozen"] > 50_000  # the models' objects, skipped by every full collection
