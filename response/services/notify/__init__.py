"""Notifications: one interface over email and the group-chat robots (WeCom, DingTalk, Feishu).

`dispatch.enqueue` records each notification exactly once (its key is unique) and hands it to a
Celery task after the transaction commits; `dispatch.deliver` sends it, retrying failures with
back-off. Nothing here ever raises into casework: a case never waits on a webhook.
"""
from .base import Message, NotifyError, Target
from .dispatch import deliver, enqueue, flush_due, quiet_until

__all__ = ["Message", "NotifyError", "Target", "deliver", "enqueue", "flush_due", "quiet_until"]
