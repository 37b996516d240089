"""Test settings: SQLite unless DATABASE_URL says otherwise; fast hashing; locmem email."""
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if not env.str("DATABASE_URL", default=""):
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
YUQING_HOME = Path(tempfile.mkdtemp(prefix="yuqing-test-"))
STATIC_ROOT = YUQING_HOME / "static"
# Tests that need a real broker set REDIS_URL themselves; the default suite runs eagerly.
CELERY_TASK_ALWAYS_EAGER = True
