"""The weekly public-opinion digest: gather (data) → charts/render (mail body) → deliver (exactly once)."""
from __future__ import annotations

from .deliver import Outcome, all_targets, deliver_digest, preview, recipients_for
from .gather import BUREAU, DigestData, Scope, gather, scope_for
from .period import Week
from .render import Rendered, render

__all__ = [
    "BUREAU", "DigestData", "Outcome", "Rendered", "Scope", "Week", "all_targets", "deliver_digest",
    "gather", "preview", "recipients_for", "render", "scope_for",
]
