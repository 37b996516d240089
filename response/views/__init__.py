"""Duty officers' screens. Crawled text is only ever rendered through auto-escaping templates
(or `services.highlight`, which escapes before it marks)."""
from response.views.access import home
from response.views.cases import (
    add_consultation,
    add_response,
    case_board,
    case_detail,
    close,
    reassign,
    register_policy,
    reopen,
    set_level,
)
from response.views.dashboard import dashboard_view
from response.views.extensions import decide_extension, request_extension
from response.views.mentions import confirm, correct, dismiss, mention_detail, merge, snapshot
from response.views.queue import queue, queue_new

__all__ = [
    "add_consultation", "add_response", "case_board", "case_detail", "close", "confirm", "correct",
    "dashboard_view", "decide_extension", "dismiss", "home", "mention_detail", "merge", "queue", "queue_new", "reassign",
    "register_policy", "reopen", "request_extension", "set_level", "snapshot",
]
