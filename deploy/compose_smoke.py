"""make compose-smoke: the production deployment, run for real on a loopback-only machine.

Starts its own dockerd (``--bridge=none``, its own socket and data root), builds a Debian bookworm
base with debootstrap and the project image from it, brings up web (gunicorn), worker, crawler and beat
with deploy/compose.host.yml (host network, the machine's PostgreSQL with database ``yuqing_compose``,
a redis-server of its own on a free loopback port), then checks what a bureau relies on:

1. beat alone (no manual crawl) crawls a loopback site within the source's interval + 30 s and the
   flagged item is on the duty queue page served by gunicorn, for a duty officer logged in over HTTP;
2. the level I item opened a case (``yuqing cases export`` in a one-off container, and the case board);
3. with ``--scale worker=2 --scale crawler=2`` a second site's items are judged by both workers (the
   worker containers' own task logs name who judged what);
4. a worker ``docker kill``-ed while judging a third site loses nothing: every mention is judged,
   once, after the re-drive (docs/reliability.md).

Everything it started is removed on every path (containers, volumes, the database, its
redis-server, dockerd). Images stay in the data root as a build cache (``YUQING_SMOKE_FRESH=1`` starts from none).
Run as root: ``timeout 900 .venv/bin/python deploy/compose_smoke.py``.
"""
from __future__ import annotations

import glob
import http.cookiejar
import http.server
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import psycopg
import redis
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from response.demo.site import DemoSite  # noqa: E402  (the repository root is put on the path first)

STATE = Path(os.environ.get("YUQING_SMOKE_STATE", "/var/lib/yuqing-smoke"))
RUN = Path("/run/yuqing-smoke")
SOCKET = RUN / "docker.sock"
BASE_IMAGE = "yuqing-base:bookworm"
APP_IMAGE = "yuqing:latest"
PROJECT = "yuqingsmoke"
PG_ADMIN = os.environ.get("YUQING_SMOKE_PG", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = "yuqing_compose"
# A redis-server of its own on a free port: the machine's Redis is shared with tests and benchmarks
# that empty their databases, and a flushed broker would lose the very tasks the smoke counts.
REDIS_PORT = 0
DUTY_USER, DUTY_PASSWORD = "duty", secrets.token_urlsafe(12)
PIP_PORT = 18771
INTERVAL_MINUTES = 1  # the sources' crawl interval
SCHEDULE_SECONDS = 15  # how often beat asks which sources are due (the default is 10 s; set here explicitly)
LEVEL_I_ID = "jz-tuoguan"  # the demo's level I story: 2 deaths after a corrections subject absconded
T0 = time.monotonic()
figures: dict[str, object] = {}


class SmokeFailure(Exception):
    pass


def log(message: str) -> None:
    print(f"[compose-smoke {time.monotonic() - T0:6.1f}s] {message}", flush=True)


def sh(*args: str, check: bool = True, capture: bool = False, timeout: float = 600,
       env: dict[str, str] | None = None, input: bytes | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(args, check=False, timeout=timeout, env=env, input=input,
                            stdout=subprocess.PIPE if capture else None,
                            stderr=subprocess.STDOUT if capture else None)
    if check and result.returncode != 0:
        output = result.stdout.decode(errors="replace")[-4000:] if capture else ""
        raise SmokeFailure(f"{' '.join(args[:6])} … exited {result.returncode}\n{output}")
    return result


def docker_env() -> dict[str, str]:
    env = dict(os.environ, DOCKER_HOST=f"unix://{SOCKET}")
    # The legacy builder: Debian's docker.io ships no buildx, and a plain build is all this needs.
    env["DOCKER_BUILDKIT"] = "0"
    env["COMPOSE_DOCKER_CLI_BUILD"] = "0"
    return env


def docker(*args: str, **kw) -> subprocess.CompletedProcess:
    return sh("docker", *args, env=docker_env(), **kw)


# ---------------------------------------------------------------- machine preparation

def ensure_tools() -> None:
    missing = [pkg for tool, pkg in (("dockerd", "docker.io"), ("docker-compose", "docker-compose"),
                                     ("debootstrap", "debootstrap"), ("redis-server", "redis-server"))
               if not shutil.which(tool)]
    if missing:
        log(f"apt-get install {' '.join(missing)}")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        sh("apt-get", "update", "-qq", env=env)
        sh("apt-get", "install", "-y", "-qq", *missing, env=env, capture=True)


def start_dockerd() -> subprocess.Popen:
    RUN.mkdir(parents=True, exist_ok=True)
    STATE.mkdir(parents=True, exist_ok=True)
    pidfile = RUN / "docker.pid"
    if pidfile.exists():  # our own dockerd from a run that was killed outright
        try:
            os.kill(int(pidfile.read_text()), signal.SIGTERM)
            time.sleep(3)
        except (ProcessLookupError, ValueError):
            pass
        pidfile.unlink(missing_ok=True)
    if os.environ.get("YUQING_SMOKE_FRESH") == "1":
        shutil.rmtree(STATE / "docker", ignore_errors=True)
    with open(STATE / "dockerd.log", "ab") as logfile:  # dockerd keeps its own copy of the descriptor
        proc = subprocess.Popen(
            ["dockerd", "--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-masq=false",
             "--data-root", str(STATE / "docker"), "--exec-root", str(RUN / "exec"),
             "--pidfile", str(pidfile), "-H", f"unix://{SOCKET}"],
            stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(60):
        if docker("info", check=False, capture=True).returncode == 0:
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    raise SmokeFailure(f"dockerd did not start; see {STATE / 'dockerd.log'}")


def apt_mirrors() -> tuple[str, str]:
    """The Debian mirror and security mirror of this machine's apt sources (one-line or deb822)."""
    main, security = "", ""
    files = ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*"))]
    for name in files:
        try:
            text = Path(name).read_text()
        except OSError:
            continue
        entries: list[tuple[str, list[str]]] = []
        for line in text.splitlines():
            parts = re.sub(r"\[[^]]*\]", "", line).split()
            if len(parts) >= 3 and parts[0] == "deb":
                entries.append((parts[1], [parts[2]]))
        for block in re.split(r"\n\s*\n", text):
            uris = re.search(r"^URIs:\s*(\S+)", block, re.M)
            suites = re.search(r"^Suites:\s*(.+)$", block, re.M)
            if uris and suites and re.search(r"^Types:.*\bdeb\b", block, re.M):
                entries.append((uris.group(1), suites.group(1).split()))
        for uri, suites in entries:
            if "bookworm" in suites and not main:
                main = uri
            if "bookworm-security" in suites and not security:
                security = uri
    return (main or "http://deb.debian.org/debian").rstrip("/"), \
        (security or "http://deb.debian.org/debian-security").rstrip("/")


def build_base() -> None:
    if docker("image", "inspect", BASE_IMAGE, check=False, capture=True).returncode == 0:
        log(f"base image {BASE_IMAGE} already built (YUQING_SMOKE_FRESH=1 rebuilds it)")
        figures["base_s"] = 0
        return
    started = time.monotonic()
    mirror, security = apt_mirrors()
    log(f"debootstrap --variant=minbase bookworm from {mirror}")
    with tempfile.TemporaryDirectory(prefix="yuqing-rootfs-") as rootfs:
        sh("debootstrap", "--variant=minbase", "bookworm", rootfs, mirror, capture=True)
        Path(rootfs, "etc/apt/sources.list").write_text(
            f"deb {mirror} bookworm main\ndeb {mirror} bookworm-updates main\n"
            f"deb {security} bookworm-security main\n")
        for pattern in ("var/cache/apt/archives/*.deb", "var/lib/apt/lists/*_*"):
            for path in glob.glob(os.path.join(rootfs, pattern)):
                os.unlink(path)
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(["docker", "import", "-", BASE_IMAGE], stdin=tar.stdout,
                                  env=docker_env(), capture_output=True)
        tar.wait()
        if imported.returncode != 0 or tar.returncode != 0:
            raise SmokeFailure(f"docker import failed: {imported.stderr.decode(errors='replace')}")
    figures["base_s"] = round(time.monotonic() - started)
    log(f"base image built in {figures['base_s']} s")


# ---------------------------------------------------------------- pip's indexes, over loopback

def pip_settings() -> dict[str, list[str]]:
    """index-url, extra-index-url, find-links, trusted-host and cert as this machine's pip sees them
    (environment first, then the config files)."""
    out = sh(str(ROOT / ".venv/bin/pip"), "config", "list", capture=True, check=False).stdout.decode()
    found: dict[str, tuple[int, list[str]]] = {}
    for line in out.splitlines():
        match = re.match(r"^(\S*?)\.([\w-]+)='(.*)'$", line.strip())
        if not match:
            continue
        scope, key, value = match.groups()
        rank = 0 if scope == ":env:" else 1
        wanted = key in ("index-url", "extra-index-url", "find-links", "trusted-host", "cert")
        if wanted and (key not in found or rank < found[key][0]):
            found[key] = (rank, value.split())
    for key, var in (("extra-index-url", "PIP_EXTRA_INDEX_URL"), ("find-links", "PIP_FIND_LINKS"),
                     ("index-url", "PIP_INDEX_URL"), ("cert", "PIP_CERT")):
        if os.environ.get(var):
            found[key] = (0, os.environ[var].split())
    return {key: values for key, (_, values) in found.items()}


@contextmanager
def pip_build_args() -> Iterator[list[str]]:
    """Build arguments that give the image build this machine's pip settings. Local indexes
    (file:// or plain paths) are served read-only on 127.0.0.1 for the build's duration, and the CA
    bundle too: the Dockerfile fetches it for the pip steps only."""
    settings = pip_settings()
    serve = Path(tempfile.mkdtemp(prefix="yuqing-pip-"))
    links: list[tuple[str, str]] = []

    def local(url: str, parent: bool) -> str | None:
        path = url.removeprefix("file://") if url.startswith("file://") else url
        if not path.startswith("/") or not os.path.exists(path):
            return None
        path = path.rstrip("/")
        # An index's pages link to ../../files/…: serve the directory above the index.
        target, rest = (os.path.dirname(path), os.path.basename(path)) if parent else (path, "")
        name = f"d{len(links)}"
        links.append((name, target))
        os.symlink(target, serve / name)
        return f"/{name}/{rest}/" if rest else f"/{name}/"

    class Files(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    class Quiet(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address) -> None:
            pass

    handler = partial(Files, directory=str(serve))
    # A fixed port when free: the URLs are build arguments, and the same arguments keep the
    # dependency layer cached from one run to the next.
    try:
        server = Quiet(("127.0.0.1", PIP_PORT), handler)
    except OSError:
        server = Quiet(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    args: list[str] = []
    trusted = set(settings.get("trusted-host", []))
    for key, var, parent in (("index-url", "PIP_INDEX_URL", True),
                             ("extra-index-url", "PIP_EXTRA_INDEX_URL", True),
                             ("find-links", "PIP_FIND_LINKS", False)):
        urls = []
        for url in settings.get(key, []):
            served = local(url, parent)
            if served:
                trusted.add("127.0.0.1")
            urls.append(base + served if served else url)
        if urls:
            args += ["--build-arg", f"{var}={' '.join(urls)}"]
    if trusted:
        args += ["--build-arg", f"PIP_TRUSTED_HOST={' '.join(sorted(trusted))}"]
    cert = (settings.get("cert") or [""])[0]
    if cert and os.path.isfile(cert):
        os.symlink(cert, serve / "ca.pem")
        args += ["--build-arg", f"PIP_CERT_URL={base}/ca.pem"]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield args
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(serve, ignore_errors=True)


def build_app() -> None:
    started = time.monotonic()
    with pip_build_args() as args:
        log("docker build (legacy builder, host network) " + " ".join(a for a in args if a != "--build-arg"))
        result = docker("build", "--network", "host", "--build-arg", f"BASE_IMAGE={BASE_IMAGE}", *args,
                        "-t", APP_IMAGE, str(ROOT), capture=True, check=False, timeout=900)
    (STATE / "build.log").write_bytes(result.stdout)
    if result.returncode != 0:
        raise SmokeFailure("docker build failed:\n" + result.stdout.decode(errors="replace")[-4000:])
    user = docker("image", "inspect", "-f", "{{.Config.User}}", APP_IMAGE, capture=True).stdout.decode().strip()
    if user in ("", "root", "0"):
        raise SmokeFailure(f"the image runs as root ({user!r})")
    figures["build_s"] = round(time.monotonic() - started)
    log(f"image {APP_IMAGE} built in {figures['build_s']} s, runs as {user}")


# ---------------------------------------------------------------- compose

class Compose:
    def __init__(self, project_dir: Path, web_port: int) -> None:
        self.project_dir = project_dir
        self.web_port = web_port
        self.env = dict(docker_env(), COMPOSE_PROJECT_NAME=PROJECT, DJANGO_SECRET_KEY=secrets.token_urlsafe(40),
                        YUQING_WEB_PORT=str(web_port), YUQING_BASE_IMAGE=BASE_IMAGE,
                        YUQING_DATABASE_URL=PG_ADMIN.rsplit("/", 1)[0] + f"/{DB_NAME}",
                        YUQING_REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}/0",
                        YUQING_REDIS_PORT=str(REDIS_PORT),
                        # One task at a time per worker: two batches go to two workers, and the
                        # smoke fits a shared 2-core machine.
                        YUQING_WORKER_CONCURRENCY="1",
                        BASE_IMAGE=BASE_IMAGE)

    def render(self) -> None:
        """docker-compose.yml + deploy/compose.host.yml as compose merges them, minus the published
        ports of host-network services: compose 1.29 refuses those (Docker itself would discard them),
        and an override cannot delete a list entry. Every later command uses this one file."""
        merged = yaml.safe_load(sh(
            "docker-compose", "--project-directory", str(self.project_dir), "-f", str(ROOT / "docker-compose.yml"),
            "-f", str(ROOT / "deploy/compose.host.yml"), "config", env=self.env, capture=True).stdout)
        for service in merged["services"].values():
            if service.get("network_mode") == "host":
                service.pop("ports", None)
        rendered = self.project_dir / "docker-compose.yml"
        rendered.write_text(yaml.safe_dump(merged, allow_unicode=True, sort_keys=False), encoding="utf-8")
        rendered.chmod(0o600)  # it holds the generated secret key

    def __call__(self, *args: str, **kw) -> subprocess.CompletedProcess:
        return sh("docker-compose", "--project-directory", str(self.project_dir),
                  "-f", str(self.project_dir / "docker-compose.yml"), *args, env=self.env, **kw)

    def run(self, *args: str, stdin: bytes | None = None) -> str:
        """An operator's command in the running web container. Not ``run --rm``: compose 1.29 links a
        one-off container to its dependencies, and Docker refuses links on the host network."""
        return self("exec", "-T", "web", *args, capture=True, input=stdin).stdout.decode()

    def containers(self, service: str) -> list[str]:
        out = docker("ps", "-a", "--filter", f"label=com.docker.compose.project={PROJECT}",
                     "--filter", f"label=com.docker.compose.service={service}",
                     "--format", "{{.Names}}", capture=True).stdout.decode()
        return sorted(n for n in out.split() if n)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- the application, over HTTP

class Browser:
    """A duty officer's session against gunicorn: the login form with its CSRF token, then pages."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode("utf-8")

    def login(self, username: str, password: str) -> None:
        page = self.get("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not token:
            raise SmokeFailure("登录页没有 CSRF 令牌")
        data = urllib.parse.urlencode({"username": username, "password": password, "next": "/queue/",
                                       "csrfmiddlewaretoken": token.group(1)}).encode()
        request = urllib.request.Request(self.base + "/login/", data=data, headers={"Referer": self.base + "/login/"})
        with self.opener.open(request, timeout=30) as response:
            if "/login/" in response.geturl():
                raise SmokeFailure("值班员登录失败")


def db() -> psycopg.Connection:
    return psycopg.connect(PG_ADMIN.rsplit("/", 1)[0] + f"/{DB_NAME}", autocommit=True)


def one(sql: str, *params: object) -> tuple:
    with db() as conn:
        return conn.execute(sql, params).fetchone()


def start_redis() -> subprocess.Popen:
    global REDIS_PORT
    REDIS_PORT = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
                            stdout=subprocess.DEVNULL, start_new_session=True)
    client = redis.Redis(port=REDIS_PORT)
    wait_for("redis-server", lambda: _ping(client), 20, every=0.2)
    return proc


def _ping(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def reset_stores() -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def drop_stores() -> None:
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    except psycopg.Error as exc:
        log(f"cleanup: could not drop {DB_NAME}: {exc}")


def wait_for(what: str, check, timeout: float, every: float = 1.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SmokeFailure(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def load_sources(compose: Compose, workdir: Path, name: str, entries: list[dict]) -> float:
    text = yaml.safe_dump({"sources": entries}, allow_unicode=True)
    (workdir / f"{name}.yaml").write_text(text, encoding="utf-8")
    out = compose.run("yuqing", "sources", "load", "/dev/stdin", stdin=text.encode("utf-8"))
    log(out.strip().splitlines()[-1] if out.strip() else "sources loaded")
    return time.monotonic()


def source(slug: str, name: str, kind: str, url: str) -> dict:
    return {"slug": slug, "name": name, "kind": kind, "url": url, "reach": "municipal",
            "schedule_minutes": INTERVAL_MINUTES,
            "settings": {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}}


# A worker logs every judgement it writes (response/services/judgement.py), whether it came in a
# batch task or a one-mention task; and Celery logs each task it receives and finishes.
JUDGED = re.compile(r"judgement\.done mention=(\d+)")
JUDGED_OLD = re.compile(r"Task yuqing\.analyse\.mention\[[^]]+\] succeeded in [\d.]+s: \{'mention': (\d+), 'urgency'")
RECEIVED = re.compile(r"Task (yuqing\.analyse\.\w+)\[([0-9a-f-]+)\] received")
FINISHED = re.compile(r"Task yuqing\.analyse\.\w+\[([0-9a-f-]+)\] (?:succeeded|failed|raised|retry)")


def worker_log(container: str) -> str:
    return docker("logs", container, capture=True, check=False).stdout.decode(errors="replace")


def judged_by(container: str) -> dict[int, int]:
    """From a worker container's own log: mention id → how many times it wrote a judgement."""
    text = worker_log(container)
    judged: dict[int, int] = {}
    for pk in [*JUDGED.findall(text), *JUDGED_OLD.findall(text)]:
        judged[int(pk)] = judged.get(int(pk), 0) + 1
    return judged


def in_flight(container: str) -> list[str]:
    """Analysis tasks this worker received and has not finished (or failed)."""
    text = worker_log(container)
    done = set(FINISHED.findall(text))
    return [f"{name}[{task_id[:8]}]" for name, task_id in RECEIVED.findall(text) if task_id not in done]


def source_ids(slug_prefix: str) -> list[int]:
    with db() as conn:
        rows = conn.execute(
            "SELECT m.id FROM response_mention m JOIN response_source s ON s.id = m.source_id "
            "WHERE s.slug LIKE %s ORDER BY m.id", (slug_prefix + "%",)).fetchall()
    return [r[0] for r in rows]


def crawled_sources(slug_prefix: str) -> int:
    return one("SELECT count(*) FROM response_source WHERE slug LIKE %s AND last_success_at IS NOT NULL",
               slug_prefix + "%")[0]


def unjudged() -> int:
    return one("SELECT count(*) FROM response_mention WHERE analysed_at IS NULL")[0]


# ---------------------------------------------------------------- the smoke

def smoke(workdir: Path, sites: list[DemoSite]) -> None:
    reset_stores()
    compose = Compose(workdir, free_port())
    shutil.copy(ROOT / "deploy/host.env", workdir / ".env")
    compose.render()

    started = time.monotonic()
    compose("up", "-d", "--no-build", "web", "worker", "crawler", "beat", capture=True)
    base = f"http://127.0.0.1:{compose.web_port}"
    wait_for("gunicorn /healthz/", lambda: _ok(base + "/healthz/"), 120)
    migrate = compose.containers("migrate")
    code = docker("inspect", "-f", "{{.State.ExitCode}}", migrate[0], capture=True).stdout.decode().strip()
    if code != "0":
        raise SmokeFailure(f"migrate exited {code}")
    figures["up_s"] = round(time.monotonic() - started)
    log(f"compose up: migrate done, web healthy in {figures['up_s']} s")

    log(compose.run("yuqing", "bureau", "load").strip().splitlines()[-1])
    # A duty officer (as response/services/demo.py makes users), and beat asked every 15 s which
    # sources are due, so a 1-minute source interval is what the timing measures.
    compose.run("yuqing", "shell", "-c", f"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from response import roles
roles.ensure_groups()
user, _ = get_user_model().objects.get_or_create(username={DUTY_USER!r}, defaults={{"first_name": "值班员小陈"}})
user.set_password({DUTY_PASSWORD!r}); user.save(); user.groups.add(Group.objects.get(name=roles.DUTY_OFFICER))
every, _ = IntervalSchedule.objects.get_or_create(every={SCHEDULE_SECONDS}, period=IntervalSchedule.SECONDS)
for task in PeriodicTask.objects.filter(task="yuqing.schedule.crawls"):
    task.interval = every; task.save()
""")
    browser = Browser(base)
    browser.login(DUTY_USER, DUTY_PASSWORD)
    log("duty officer logged in over HTTP")

    # 1. beat crawls site 1 on its own; the level I story reaches the duty queue.
    site1 = sites[0]
    level_i = next(a for a in site1.articles if a.id == LEVEL_I_ID)
    loaded = load_sources(compose, workdir, "site1", [source("smoke-portal", "市司法局门户·工作动态", "html",
                                                              f"{site1.base_url}/portal/")])
    limit = INTERVAL_MINUTES * 60 + 30

    def on_queue() -> int | None:
        row = one("SELECT m.id FROM response_mention m JOIN response_source s ON s.id = m.source_id "
                  "WHERE s.slug = 'smoke-portal' AND m.title = %s AND m.flagged", level_i.title)
        if row and f"/mentions/{row[0]}/" in browser.get("/queue/"):
            return row[0]
        return None

    mention_id = wait_for("the level I mention on /queue/", on_queue, limit, every=2)
    figures["queue_s"] = round(time.monotonic() - loaded)
    crawled = one("SELECT count(*), count(*) FILTER (WHERE flagged) FROM response_mention")
    log(f"beat crawled site 1 ({crawled[0]} mentions, {crawled[1]} flagged); mention {mention_id} "
        f"「{level_i.title[:16]}…」 on the duty queue {figures['queue_s']} s after the source was loaded (limit {limit} s)")

    # 2. the level I item opened a case (the export as an operator runs it, and the case board).
    def case_row() -> dict | None:
        for line in compose.run("yuqing", "cases", "export", "--format", "jsonl").splitlines():
            if line.startswith("{"):
                row = json.loads(line)
                if row.get("title") == level_i.title or level_i.title[:12] in (row.get("title") or ""):
                    return row
        return None

    case = wait_for("a case for the level I mention", case_row, 90, every=3)
    board = browser.get("/cases/")
    if case["number"] not in board:
        raise SmokeFailure(f"case {case['number']} not on the case board")
    figures["case"] = f"{case['number']}/{case['level']}"
    log(f"case {case['number']} level {case['level']} state {case.get('state_label')} opened, on the case board")
    if case["level"] != "I":
        raise SmokeFailure(f"the case of 「{level_i.title}」 is level {case['level']!r}, not I")
    wait_for("site 1 fully judged", lambda: unjudged() == 0, 120)

    # 3. two workers, two crawlers; site 2's items judged by both workers. Analysis goes in batches
    # (one task per crawl of up to 50 items), so site 2 is a list page and a feed, crawled at once by
    # the two crawlers: two batches for two workers. Which worker takes which batch is the broker's
    # choice; should one take both, the same site is served again on a new port (new URLs) once more.
    compose("up", "-d", "--no-build", "--no-recreate", "--scale", "worker=2", "--scale", "crawler=2",
            "worker", "crawler", capture=True)
    workers = compose.containers("worker")
    if len(workers) != 2 or len(compose.containers("crawler")) != 2:
        raise SmokeFailure(f"scale did not give 2 workers and 2 crawlers: {workers}")
    wait_for("both workers healthy", lambda: all(
        docker("inspect", "-f", "{{.State.Health.Status}}", w, capture=True).stdout.decode().strip() == "healthy"
        for w in workers), 150, every=2)
    log(f"scaled: {', '.join(workers)} healthy")
    split: dict[str, list[int]] = {}
    for attempt in range(1, 4):
        site2 = DemoSite().start()
        sites.append(site2)
        prefix = f"smoke2{'abc'[attempt - 1]}-"
        load_sources(compose, workdir, f"site2-{attempt}", [
            source(prefix + "portal", "市司法局门户（第二站）", "html", f"{site2.base_url}/portal/"),
            source(prefix + "rss", "东南新闻网·福建频道（第二站）", "rss", f"{site2.base_url}/rss/feed.xml"),
        ])
        wait_for("site 2 crawled", lambda p=prefix: crawled_sources(p) == 2, limit + 60, every=2)
        # 300 s: time for the re-drive too, should a message be lost on the way.
        wait_for("site 2 fully judged", lambda: unjudged() == 0, 300, every=2)
        ids2 = set(source_ids("smoke2"))
        split = {w: sorted(set(judged_by(w)) & ids2) for w in workers}
        if all(split.values()):
            break
        log(f"site 2 round {attempt}: one worker took every batch; serving the site again")
    figures["site2"] = [len(v) for v in split.values()]
    figures["site2_rounds"] = attempt
    log("site 2: " + "; ".join(f"{w} judged {len(v)} (ids {v[0]}…{v[-1]})" if v else f"{w} judged 0"
                               for w, v in split.items()))
    if not all(split.values()):
        raise SmokeFailure(f"site 2 was not judged by both workers: {figures['site2']}")

    # 4. kill a worker while it judges site 3 (a list page and a feed, one per crawler).
    site3 = DemoSite().start()
    sites.append(site3)
    load_sources(compose, workdir, "site3", [
        source("smoke3-portal", "市司法局门户（镜像）", "html", f"{site3.base_url}/portal/"),
        source("smoke3-rss", "东南新闻网（镜像）", "rss", f"{site3.base_url}/rss/feed.xml"),
    ])

    def busy_worker() -> tuple[str, list[str]] | None:
        claimed = one("SELECT count(*) FROM response_mention m JOIN response_source s ON s.id = m.source_id "
                      "WHERE s.slug LIKE 'smoke3-%%' AND m.analysed_at IS NULL AND m.analysis_claimed_at IS NOT NULL")[0]
        if not claimed:
            return None
        for w in workers:
            tasks = in_flight(w)
            if tasks:
                return w, tasks
        return None

    victim, tasks = wait_for("a worker judging site 3", busy_worker, limit + 60, every=0.2)
    docker("kill", victim)
    killed_at = time.monotonic()
    left = unjudged()
    log(f"docker kill {victim} while judging {', '.join(tasks)}; {left} mention(s) unjudged")
    wait_for("both site 3 sources crawled", lambda: crawled_sources("smoke3-") == 2, limit + 60, every=2)
    wait_for("every mention judged after the kill", lambda: unjudged() == 0, 330, every=3)
    figures["recovered_s"] = round(time.monotonic() - killed_at)
    ids3 = set(source_ids("smoke3-"))
    counts: dict[int, int] = {}
    for w in compose.containers("worker"):
        for pk, n in judged_by(w).items():
            counts[pk] = counts.get(pk, 0) + n
    twice = sorted(pk for pk, n in counts.items() if n > 1)
    total, cases, double = one(
        "SELECT (SELECT count(*) FROM response_mention), (SELECT count(*) FROM response_case), "
        "(SELECT count(*) FROM (SELECT event_id FROM response_case WHERE event_id IS NOT NULL "
        "GROUP BY event_id HAVING count(*) > 1) d)")
    missing = total - len(counts)
    crawlers = {}
    for c in compose.containers("crawler"):
        text = worker_log(c)
        crawlers[c] = len(re.findall(r"Task yuqing\.crawl\.source\[[^]]+\] succeeded", text))
    state = docker("inspect", "-f", "{{.State.Status}} restarts={{.RestartCount}}", victim, capture=True).stdout.decode().strip()
    log(f"after the kill: {len(ids3)} site 3 mentions; all {total} mentions judged {figures['recovered_s']} s "
        f"after the kill; judged twice: {twice or 'none'}; without a judgement in any worker log: {missing}; "
        f"cases {cases}, events with two cases {double}; killed worker now {state}; crawls per crawler {crawlers}")
    if twice or double or missing:
        raise SmokeFailure(f"judged twice {twice}, events with two cases {double}, unlogged {missing}")
    figures.update(mentions=total, cases=cases, in_flight=len(tasks), crawls=list(crawlers.values()),
                   site1=crawled[0], site3=len(ids3))


def _ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def compose_files(compose_dir: Path) -> list[str]:
    rendered = compose_dir / "docker-compose.yml"
    if rendered.exists():
        return ["--project-directory", str(compose_dir), "-f", str(rendered)]
    return ["--project-directory", str(compose_dir), "-f", str(ROOT / "docker-compose.yml"),
            "-f", str(ROOT / "deploy/compose.host.yml")]


def dump_logs(compose_dir: Path) -> None:
    try:
        out = sh("docker-compose", *compose_files(compose_dir), "logs", "--no-color", "--tail", "40",
                 env=dict(docker_env(), COMPOSE_PROJECT_NAME=PROJECT, DJANGO_SECRET_KEY="x"),
                 capture=True, check=False, timeout=60).stdout.decode(errors="replace")
        print(out[-12000:], flush=True)
    except (OSError, subprocess.SubprocessError):
        pass


def cleanup(compose_dir: Path, dockerd: subprocess.Popen | None) -> None:
    if dockerd is not None and dockerd.poll() is None:
        sh("docker-compose", *compose_files(compose_dir), "down", "-v", "--remove-orphans", "-t", "5",
           env=dict(docker_env(), COMPOSE_PROJECT_NAME=PROJECT, DJANGO_SECRET_KEY="x"),
           check=False, capture=True, timeout=120)
        docker("container", "prune", "-f", check=False, capture=True, timeout=60)
        dockerd.terminate()
        try:
            dockerd.wait(30)
        except subprocess.TimeoutExpired:
            dockerd.kill()
            dockerd.wait(10)
        # dockerd leaves its default network namespace mounted under the exec root.
        netns = RUN / "exec/netns/default"
        if any(line.split()[1] == str(netns) for line in Path("/proc/mounts").read_text().splitlines()):
            sh("umount", str(netns), check=False)
    drop_stores()


def main() -> int:
    if os.geteuid() != 0:
        print("compose-smoke: run as root (it starts its own dockerd)", file=sys.stderr)
        return 2

    def terminate(signum, frame):
        raise SystemExit(f"compose-smoke: signal {signum}, cleaning up")

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)
    dockerd = redis_server = None
    workdir = Path(tempfile.mkdtemp(prefix="yuqing-compose-"))
    sites = []
    ok = False
    try:
        ensure_tools()
        dockerd = start_dockerd()
        build_base()
        build_app()
        sites.append(DemoSite().start())
        redis_server = start_redis()
        smoke(workdir, sites)
        ok = True
    except SmokeFailure as exc:
        print(f"compose-smoke FAILED: {exc}", file=sys.stderr, flush=True)
        if dockerd is not None:
            dump_logs(workdir)
    finally:
        for site in sites:
            site.stop()
        if not ok and os.environ.get("YUQING_SMOKE_KEEP") == "1":  # for a person to look: leaves it all up
            print(f"compose-smoke: kept running for inspection; DOCKER_HOST=unix://{SOCKET} "
                  f"docker-compose {' '.join(compose_files(workdir))} …", file=sys.stderr)
        else:
            cleanup(workdir, dockerd)
            shutil.rmtree(workdir, ignore_errors=True)
            if redis_server is not None:
                redis_server.terminate()
                redis_server.wait(10)
    wall = round(time.monotonic() - T0)
    if ok:
        site2 = "+".join(str(n) for n in figures["site2"])
        print(f"compose-smoke OK: wall {wall}s · base {figures['base_s']}s · build {figures['build_s']}s · "
              f"up {figures['up_s']}s · beat→queue {figures['queue_s']}s (limit {INTERVAL_MINUTES * 60 + 30}s) · "
              f"case {figures['case']} · site 2 judged by 2 workers {site2} · kill: {figures['in_flight']} in flight, "
              f"all {figures['mentions']} mentions judged once {figures['recovered_s']}s after · "
              f"cases {figures['cases']} · crawls per crawler {'+'.join(map(str, figures['crawls']))}",
              flush=True)
        return 0
    print(f"compose-smoke FAILED after {wall}s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
