"""Settings shared by every environment; everything that varies comes from the environment."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parents[2]
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

# Where the embedded default keeps its database and snapshots.
YUQING_HOME = Path(env.str("YUQING_HOME", default=str(BASE_DIR / "var")))

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="yuqing-insecure-dev-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "response.admin_site.BureauAdminConfig",  # django.contrib.admin, open to the office by role
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_celery_beat",
    "axes",
    "response",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "response.security.ContentSecurityPolicyMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the Chinese lockout page.
    "axes.middleware.AxesMiddleware",
]

# Login throttling (django-axes): after N wrong passwords for one account, or from one address, logins
# pause for the cool-off time; the admin's 访问尝试 list unlocks (delete the attempt) before that.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("YUQING_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("YUQING_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a reverse proxy the client address is in X-Forwarded-For: say how many proxies are trusted.
AXES_IPWARE_PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "response.context.calendar_banner",
            ],
        },
    },
]

DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{YUQING_HOME / 'yuqing.sqlite3'}"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Connections are kept between requests and tasks (each analysis batch opened a new PostgreSQL
# backend, whose cold catalog caches made its first queries slow); one the server dropped is noticed
# by the health check and replaced before it is used (workers.base closes unusable ones per task).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes (web, crawl ingest) share the file: wait rather than fail on a lock.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Containers collect static files into the image (YUQING_STATIC_ROOT), outside the data volume: a volume
# would keep the first release's files over every later image.
STATIC_ROOT = Path(env.str("YUQING_STATIC_ROOT", default=str(YUQING_HOME / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Redis: broker, result backend, shared event index and locks. Empty = embedded mode
# (Celery runs tasks eagerly in-process; the event index lives in the database process).
REDIS_URL = env.str("REDIS_URL", default="")

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Redis hands an unacknowledged message (its worker was killed) to another worker only after the
# visibility timeout. It must outlast the longest task, or a task still running would be handed out
# twice; so it is long, and recovery does not wait for it: the database remembers what was sent and
# when it was started, and the re-drive (yuqing.analyse.sweep, every minute) sends the lost work
# again within minutes. A message that does come back later finds its work done and returns.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 5 * 60}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_DEFAULT_QUEUE = "default"
# Without it Celery's Django fix-up closes every database connection before and after each task.
CELERY_DB_REUSE_MAX = 1000
CELERY_IMPORTS = [
    "workers.crawl",
    "workers.pipeline",
    "workers.digest",
    "workers.deadlines",
    "workers.notify",
    "workers.health",
    "workers.spikes",
]
CELERY_TASK_ROUTES = {"yuqing.crawl.*": {"queue": "crawl"}}

# A Redis outage degrades to no cache (response.cache): pages are computed, never a 500; short
# socket timeouts so an unreachable host costs a page a second, not a TCP timeout.
CACHES = {
    "default": (
        {"BACKEND": "response.cache.DegradingRedisCache", "LOCATION": REDIS_URL,
         "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="yuqing@localhost")

# Bureau identity shown in the UI, emails and reports.
YUQING_BUREAU_NAME = env.str("YUQING_BUREAU_NAME", default="市司法局")
# Public base URL used in emails/notifications to link back to cases.
YUQING_BASE_URL = env.str("YUQING_BASE_URL", default="http://127.0.0.1:8000")
# Low-level notifications wait out these local hours ("22-7"; empty = none); levels I–II never wait.
YUQING_QUIET_HOURS = env.str("YUQING_QUIET_HOURS", default="22-7")
# A new report of a closed case's story: "notify" its owner (default) or "reopen" the case.
YUQING_REOPEN_ON_NEW_MENTION = env.str("YUQING_REOPEN_ON_NEW_MENTION", default="notify")
# A digest send stuck in "sending" this long (worker died) may be taken over by another run.
YUQING_DIGEST_STALE_MINUTES = env.int("YUQING_DIGEST_STALE_MINUTES", default=30)
# A response entered this long after the time it names is a 补录: it needs a reason and is audited as such.
YUQING_LATE_ENTRY_MINUTES = env.int("YUQING_LATE_ENTRY_MINUTES", default=60)
# Prefix of the shared event index (MinHash LSH) in Redis.
YUQING_EVENT_NAMESPACE = env.str("YUQING_EVENT_NAMESPACE", default="yuqing")
# When Redis comes back empty, the event index is rebuilt from this many days / mentions of the database.
YUQING_EVENT_REBUILD_DAYS = env.int("YUQING_EVENT_REBUILD_DAYS", default=14)
YUQING_EVENT_REBUILD_LIMIT = env.int("YUQING_EVENT_REBUILD_LIMIT", default=100000)
# Business rules with today's values as defaults (set as JSON / comma lists in the environment to
# change them; response/services/business_rules.py checks them). 12345 ticket category words →
# deadline channel, the first matching word wins, anything else is a 投诉建议举报 ticket:
YUQING_HOTLINE_CHANNEL_WORDS = env.json("YUQING_HOTLINE_CHANNEL_WORDS", default={
    "hotline_urgent": ["紧急", "急件", "特急"],
    "hotline_enquiry": ["咨询", "求助", "查询"],
})
# Case states in which clocks run and are checked (the closure clock runs on after 已回应).
YUQING_RUNNING_STATES = env.list("YUQING_RUNNING_STATES", default=["triage", "handling", "responded"])
# Who hears each escalation stage: sections (lead and co-sections), head (the lead section's head),
# office, leader (the leader in charge). last_warn is the last warning point before the due time.
YUQING_ESCALATION_AUDIENCE = env.json("YUQING_ESCALATION_AUDIENCE", default={
    "warn": ["sections"],
    "last_warn": ["sections", "head"],
    "overdue": ["head", "sections", "office", "leader"],
    "reminder": ["sections", "head", "office"],
})
# Crawled text is capped before storage.
YUQING_MAX_TEXT_CHARS = env.int("YUQING_MAX_TEXT_CHARS", default=200_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
