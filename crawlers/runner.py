"""Run a crawl in a child process with a hard timeout.

Scrapy's Twisted reactor cannot be restarted inside a long-lived worker, and a hostile
site must never hang the caller: each crawl is ``python -m crawlers.run`` in its own
process group, killed outright when ``timeout`` passes. On Linux the child also dies with
its runner (PR_SET_PDEATHSIG), and the one temp directory it writes in is removed on every
path; one left by a runner killed outright is swept by the next crawl on the host.

While the child runs, the items it has written so far are handed to the caller's ``on_items``
every ``POLL_SECONDS``: a long crawl's first items are stored and judged within seconds, not
after its last page.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawlers.extract.canonical import canonicalize

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOG_TAIL_CHARS = 4000
# Every crawl's files live in one directory named with this prefix, under ``temp_root()``:
# the only place a crawl writes, so one glob finds what a dead crawl left behind.
TEMP_PREFIX = "yuqing-crawl-"
OWNER_FILE = "owner"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# How often the runner looks for new items while the child crawls: short against the ten seconds
# a new article may take to reach the duty queue, long enough that a chunk holds several items.
POLL_SECONDS = 0.5

ItemsCallback = Callable[[list[dict[str, Any]]], None]


def temp_root() -> Path:
    """Where crawl directories are made: ``YUQING_CRAWL_TMPDIR``, else the system temp dir."""
    return Path(os.environ.get("YUQING_CRAWL_TMPDIR") or tempfile.gettempdir())


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGKILL the child when its parent dies.

    Without it a worker killed by the OOM killer or ``kill -9`` leaves its crawl running
    (it is in its own session, so the worker's group signal misses it). The death signal
    follows the parent *thread*: run_crawl waits in the thread that spawned the child.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl: nobody will signal us
            os._exit(1)

    return preexec


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_orphans(root: Path | None = None) -> int:
    """Remove crawl directories whose runner (on this host) is gone; return how many.

    A runner killed outright (SIGKILL, OOM) cannot run its ``finally``; its child dies with
    it, and the next crawl on the same host clears what they left.
    """
    removed = 0
    host = socket.gethostname()
    for path in (root or temp_root()).glob(TEMP_PREFIX + "*"):
        try:
            owner_host, _, pid = (path / OWNER_FILE).read_text("utf-8").partition(" ")
            if owner_host != host or _pid_alive(int(pid)):
                continue
        except (OSError, ValueError):
            continue  # not ours, or still being created
        shutil.rmtree(path, ignore_errors=True)
        removed += 1
    return removed


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


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


class ItemFeed:
    """The items a crawl child has appended to its items file since the last read.

    Only whole lines (ending in "\n") are taken: the child may be half way through writing the
    last one, which waits for the next read. The file is read as bytes so a line cut in the middle
    of a UTF-8 character is never decoded; a newline byte never occurs inside one.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def read(self, *, final: bool = False) -> list[dict[str, Any]]:
        """New whole lines as items. ``final`` (the child is dead) also takes a last line without
        its newline if it parses; the half-written line of a killed crawl is dropped."""
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                data = handle.read()
        except FileNotFoundError:
            return []  # the child has not opened it yet (or never will)
        end = data.rfind(b"\n") + 1
        self.offset += end
        items = [item for line in data[:end].splitlines() if (item := self._parse(line)) is not None]
        rest = data[end:]
        if final and rest.strip():
            self.offset += len(rest)
            # Whole but for its newline, or the half-written line of a killed crawl: dropped.
            item = self._parse(rest, quiet=True)
            if item is not None:
                items.append(item)
        return items

    def _parse(self, line: bytes, *, quiet: bool = False) -> dict[str, Any] | None:
        if not line.strip():
            return None
        try:
            item = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            item = None
        if not isinstance(item, dict):
            if not quiet:
                logger.warning("crawl.bad_item_line path=%s", self.path)
            return None
        return item


def _tail(path: Path) -> str:
    if not path.exists():
        return ""
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - LOG_TAIL_CHARS))
        return handle.read().decode("utf-8", "replace")


def run_crawl(source: dict[str, Any], state: dict[str, Any] | None = None, *,
              timeout: float = 600, on_items: ItemsCallback | None = None) -> CrawlResult:
    """Crawl one source in a subprocess and return its items, new state and stats.

    The spider is asked to close itself at 80 % of ``timeout`` (so it can still save its
    state); at ``timeout`` the process group is killed and the items it had already written
    are returned with an error.

    ``on_items`` receives the items in chunks as the child writes them, each item once, the
    last chunk after the child has exited (a killed child's included); the result lists them
    all again. An exception raised by ``on_items`` kills the child and propagates.
    """
    state = state or {}
    started = time.monotonic()
    root = temp_root()
    root.mkdir(parents=True, exist_ok=True)
    sweep_orphans(root)
    tmp = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=root))
    try:
        (tmp / OWNER_FILE).write_text(f"{socket.gethostname()} {os.getpid()}", "utf-8")
        outcome, log_tail = _crawl_in(tmp, source, state, timeout, started, on_items)
    finally:
        # Every path, KeyboardInterrupt and SystemExit included: the child is dead by now.
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = outcome.stats.get("seconds")
    level = logging.WARNING if outcome.error or outcome.blind else logging.INFO
    logger.log(level, "crawl.done source=%s items=%d error=%s blind=%s seconds=%s",
               source.get("slug"), len(outcome.items), outcome.error, outcome.blind, elapsed)
    if outcome.error:
        logger.debug("crawl.log_tail source=%s\n%s", source.get("slug"), log_tail)
    return outcome


def _wait(proc: subprocess.Popen[bytes], timeout: float, poll: Callable[[], None]) -> int:
    """Wait for the child as ``proc.wait(timeout)`` does, calling ``poll`` every POLL_SECONDS.
    Time spent in ``poll`` counts against ``timeout``: it is the crawl's hard limit."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        try:
            return proc.wait(timeout=max(0.0, min(POLL_SECONDS, remaining)))
        except subprocess.TimeoutExpired:
            if remaining <= POLL_SECONDS:
                raise
        poll()


def _crawl_in(tmp: Path, source: dict[str, Any], state: dict[str, Any], timeout: float,
              started: float, on_items: ItemsCallback | None) -> tuple[CrawlResult, str]:
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
    # Anything the child's libraries put in "the temp dir" lands in ours and goes with it.
    env["TMPDIR"] = str(tmp)
    killed = False
    feed = ItemFeed(paths["items.jsonl"])
    items: list[dict[str, Any]] = []

    def hand_on(*, final: bool = False) -> None:
        chunk = feed.read(final=final)
        if chunk:
            items.extend(chunk)
            if on_items is not None:
                on_items(chunk)

    preexec = _die_with_parent(os.getpid())
    with paths["crawl.log"].open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp,
                                start_new_session=True, preexec_fn=preexec)
        try:
            returncode = _wait(proc, timeout, hand_on)
        except subprocess.TimeoutExpired:
            killed = True
            _kill_group(proc)
            returncode = proc.returncode
        except BaseException:
            _kill_group(proc)  # interrupted: never leave the crawl running on its own
            raise
    hand_on(final=True)  # the child is dead: what it wrote since the last poll
    log_tail = _tail(paths["crawl.log"])
    elapsed = round(time.monotonic() - started, 2)
    if not killed and returncode == 0 and paths["result.json"].exists():
        result = json.loads(paths["result.json"].read_text("utf-8"))
        stats = dict(result.get("stats") or {}, seconds=elapsed)
        return CrawlResult(items, result.get("state") or state, stats,
                           result.get("error"), result.get("blind")), log_tail
    # Keep what was found: the items' URLs go into the state so they are not refetched.
    seen = list(state.get("seen") or [])
    seen += [canonicalize(i["canonical_url"]) for i in items if i.get("canonical_url")]
    new_state = dict(state, seen=list(dict.fromkeys(seen)))
    if killed:
        error = f"抓取超时（{timeout:g} 秒），进程已终止"
    else:
        error = f"抓取进程异常退出（返回码 {returncode}）：{log_tail[-1500:]}"
    stats = {"items": len(items), "seconds": elapsed, "killed": killed}
    return CrawlResult(items, new_state, stats, error, None, crashed=not killed,
                       log_tail=log_tail), log_tail
