"""Celery tasks by name, for the commands and the demo: response/ does not import workers/ (the
layers in `make lint`), yet `yuqing crawl` must run the very task the workers run."""
from __future__ import annotations

from celery import Task, current_app


def task(name: str) -> Task:
    """The registered task called ``name`` (e.g. ``yuqing.crawl.source``); its module is imported
    from CELERY_IMPORTS on first use, as the worker does at start."""
    app = current_app._get_current_object()
    if name not in app.tasks:
        app.loader.import_default_modules()
    try:
        return app.tasks[name]
    except KeyError:
        raise LookupError(f"未注册的任务：{name}（检查 CELERY_IMPORTS）") from None
