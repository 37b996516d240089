from . import lookups  # noqa: F401  (registers field__any)
from .cases import (
    Case,
    CaseClock,
    CaseNote,
    CaseResponse,
    CaseSequence,
    Consultation,
    Extension,
    ResponseDraft,
)
from .mentions import LEVEL_CHOICES, Event, Feedback, Mention, MentionSearch, Sentiment, SpikeAlert
from .monitoring import KeywordPlan, RoutingRule
from .organisation import Section
from .policy import CalendarDay, Channel, Clock, ConfigVersion, DeadlinePolicy, Level
from .records import AuditEntry, DigestDelivery, Notification, SavedFilter
from .sources import CrawlRun, Reach, Source

__all__ = [
    "AuditEntry", "CalendarDay", "DigestDelivery", "Case", "CaseClock", "CaseNote", "CaseResponse", "CaseSequence", "Channel", "Clock",
    "ConfigVersion", "Consultation", "CrawlRun", "DeadlinePolicy", "Event", "Extension", "Feedback", "KeywordPlan",
    "LEVEL_CHOICES", "Level", "Mention", "MentionSearch", "Notification", "Reach", "RoutingRule", "Section",
    "ResponseDraft", "SavedFilter", "Sentiment", "Source", "SpikeAlert",
]
