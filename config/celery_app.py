"""The Celery application: configuration from Django settings, tasks from workers/."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("yuqing")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Task modules are listed in settings (CELERY_IMPORTS) so every worker registers the same set.
