"""Run a crawl in a child process with a hard timeout.

Scrapy's Twisted reactor cannot be restarted inside a long-lived worker, and a hostile
site must never hang the caller: each crawl is ``python -m crawlers.run`` in its own
process group, killed outright when ``timeout`` passes.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawlers.extract.canonical import canonicalize

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOG_TAIL_CHARS = 4000


@dataclass
class CrawlResult:
    items: list[dict[str, Any]]
    state: dict[str, Any]
    stats: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    blind: str | None = None
    # The child exited without its result (non-zero exit, an import error): the installation, not the site.
    crashed: bool = False
    log_tail: str = ""


def _read_items(path: Path) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if not path.exists():
        return items
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError:
                break  # the last line of a killed crawl may be half written
    return items


def _tail(path: Path) -> str:
    if not path.exists():
        return ""
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - LOG_TAIL_CHARS))
        return handle.read().decode("utf-8", "replace")


def run_crawl(source: dict[str, Any], state: dict[str, Any] | None = None, *,
              timeout: float = 600) -> CrawlResult:
    """Crawl one source in a subprocess and return its items, new state and stats.

    The spider is asked to close itself at 80 % of ``timeout`` (so it can still save its
    state); at ``timeout`` the process group is killed and the items it had already written
    are returned with an error.
    """
    state = state or {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="yuqing-crawl-") as tmp_name:
        tmp = Path(tmp_name)
        paths = {name: tmp / name for name in
                 ("source.json", "state.json", "items.jsonl", "result.json", "crawl.log")}
        paths["source.json"].write_text(json.dumps(source, ensure_ascii=False), "utf-8")
        paths["state.json"].write_text(json.dumps(state, ensure_ascii=False), "utf-8")
        cmd = [sys.executable, "-m", "crawlers.run",
               "--source", str(paths["source.json"]), "--state", str(paths["state.json"]),
               "--out", str(paths["items.jsonl"]), "--result", str(paths["result.json"]),
               "--close-after", f"{max(1.0, timeout * 0.8):.1f}"]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
        killed = False
        with paths["crawl.log"].open("wb") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                    cwd=tmp, start_new_session=True)
            try:
                returncode = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                killed = True
                os.killpg(proc.pid, signal.SIGKILL)
                returncode = proc.wait()
        items = _read_items(paths["items.jsonl"])
        log_tail = _tail(paths["crawl.log"])
        elapsed = round(time.monotonic() - started, 2)
        if not killed and returncode == 0 and paths["result.json"].exists():
            result = json.loads(paths["result.json"].read_text("utf-8"))
            stats = dict(result.get("stats") or {}, seconds=elapsed)
            outcome = CrawlResult(items, result.get("state") or state, stats,
                                  result.get("error"), result.get("blind"))
        else:
            # Keep what was found: the items' URLs go into the state so they are not refetched.
            seen = list(state.get("seen") or [])
            seen += [canonicalize(i["canonical_url"]) for i in items if i.get("canonical_url")]
            new_state = dict(state, seen=list(dict.fromkeys(seen)))
            if killed:
                error = f"抓取超时（{timeout:g} 秒），进程已终止"
            else:
                error = f"抓取进程异常退出（返回码 {returncode}）：{log_tail[-1500:]}"
            stats = {"items": len(items), "seconds": elapsed, "killed": killed}
            outcome = CrawlResult(items, new_state, stats, error, None, crashed=not killed,
                                  log_tail=log_tail)
    level = logging.WARNING if outcome.error or outcome.blind else logging.INFO
    logger.log(level, "crawl.done source=%s items=%d error=%s blind=%s seconds=%s",
               source.get("slug"), len(outcome.items), outcome.error, outcome.blind, elapsed)
    if outcome.error:
        logger.debug("crawl.log_tail source=%s\n%s", source.get("slug"), log_tail)
    return outcome
