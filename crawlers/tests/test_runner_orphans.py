"""A crawl child never outlives its runner, and its temp directory goes on every path.

The runner puts the child in its own session (so a timeout kills its whole group); that also
hid it from the signal that killed a worker, and the orphan crawled on with its temp files.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawlers import runner
from crawlers.runner import PROJECT_ROOT, TEMP_PREFIX, run_crawl
from crawlers.tests.responses import FILES
from crawlers.tests.test_integration import FAST

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")]


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback port that takes connections (the kernel's backlog) and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@pytest.fixture
def crawl_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "crawl-tmp"
    monkeypatch.setenv("YUQING_CRAWL_TMPDIR", str(root))
    return root


def hanging_source(base: str) -> dict:
    return {"slug": "zzsfj-hang", "name": "漳州市司法局", "kind": "html",
            "url": f"{base}/news/index.html",
            "settings": {**FAST, "DOWNLOAD_TIMEOUT": 120, "RETRY_TIMES": 0}}


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for init to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def crawl_children(marker: str) -> list[int]:
    """Pids of ``crawlers.run`` processes carrying ``marker`` in their environment."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if b"-m\0crawlers.run\0" in cmdline and f"YUQING_TEST_MARKER={marker}".encode() in environ:
            pids.append(int(proc.name))
    return [pid for pid in pids if _alive(pid)]


def wait_for(predicate, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def leftovers(root: Path) -> list[Path]:
    return sorted(root.glob(TEMP_PREFIX + "*")) if root.exists() else []


def test_child_dies_with_a_killed_parent(silent_server: str, crawl_tmp: Path) -> None:
    marker = uuid.uuid4().hex
    script = textwrap.dedent(f"""
        from crawlers.runner import run_crawl
        run_crawl({hanging_source(silent_server)!r}, {{}}, timeout=300)
    """)
    env = dict(os.environ, YUQING_TEST_MARKER=marker, PYTHONPATH=str(PROJECT_ROOT))
    parent = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=PROJECT_ROOT)
    try:
        assert wait_for(lambda: crawl_children(marker), 30), "crawl child never started"
        (child,) = crawl_children(marker)
        assert child != parent.pid
        assert wait_for(lambda: leftovers(crawl_tmp), 10)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert wait_for(lambda: not _alive(child), 5), f"crawl child {child} outlived its parent"
    finally:
        parent.kill()
        parent.wait()
        for pid in crawl_children(marker):
            os.kill(pid, signal.SIGKILL)
    # The dead runner could not clean up; the next crawl on this host clears its directory.
    (orphan,) = leftovers(crawl_tmp)
    assert runner.sweep_orphans(crawl_tmp) == 1
    assert not orphan.exists()


def test_normal_crawl_leaves_no_temp_dir(crawl_tmp: Path) -> None:
    src = {"slug": "zz12345", "name": "12345转办件", "kind": "hotline",
           "url": str(FILES / "tickets_gbk.csv")}
    result = run_crawl(src, {}, timeout=60)
    assert result.error is None and len(result.items) == 3
    assert crawl_tmp.is_dir() and leftovers(crawl_tmp) == []


def test_timed_out_crawl_leaves_no_temp_dir(silent_server: str, crawl_tmp: Path) -> None:
    result = run_crawl(hanging_source(silent_server), {}, timeout=4)
    assert result.error == "抓取超时（4 秒），进程已终止"
    assert leftovers(crawl_tmp) == []


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, SystemExit])
def test_interrupted_runner_kills_child_and_cleans_up(
        silent_server: str, crawl_tmp: Path, monkeypatch: pytest.MonkeyPatch,
        interrupt: type[BaseException]) -> None:
    started: list[subprocess.Popen[bytes]] = []

    class InterruptedPopen(subprocess.Popen):  # type: ignore[type-arg]
        def wait(self, timeout: float | None = None) -> int:
            if timeout is not None:  # the runner's bounded wait: Ctrl-C / shutdown arrives
                started.append(self)
                wait_for(lambda: leftovers(crawl_tmp) and _alive(self.pid), 5)
                time.sleep(1)
                raise interrupt()
            return super().wait()

    monkeypatch.setattr(runner.subprocess, "Popen", InterruptedPopen)
    with pytest.raises(interrupt):
        run_crawl(hanging_source(silent_server), {}, timeout=60)
    (proc,) = started
    assert not _alive(proc.pid)
    assert leftovers(crawl_tmp) == []
