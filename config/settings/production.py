"""Production: PostgreSQL and Redis are required, secrets come from the environment."""
from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
# Secure by default: HTTPS everywhere. A deployment that terminates TLS at a proxy says so with
# DJANGO_SECURE_PROXY_SSL_HEADER; one that must run plain HTTP inside a closed network turns these off
# explicitly (and knowingly) in .env.
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# Submitting a domain to the browsers' preload list is the domain owner's decision, hard to undo, and
# not ours to make by default: without it, W021 says only that the list is not joined.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
_proxy_header = env.str("DJANGO_SECURE_PROXY_SSL_HEADER", default="")  # e.g. HTTP_X_FORWARDED_PROTO,https
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header.split(",", 1)) if "," in _proxy_header else None
# The health check is polled over plain HTTP by the container runtime.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
LOGGING["root"]["level"] = env.str("LOG_LEVEL", default="INFO")  # noqa: F405
