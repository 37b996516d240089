from .cases import Case, CaseClock, CaseResponse, CaseSequence, Consultation, Extension
from .mentions import LEVEL_CHOICES, Event, Feedback, Mention, Sentiment, SpikeAlert
from .monitoring import KeywordPlan, RoutingRule
from .organisation import Section
from .policy import CalendarDay, Channel, Clock, DeadlinePolicy, Level
from .records import AuditEntry, DigestDelivery, Notification
from .sources import CrawlRun, Reach, Source

__all__ = [
    "AuditEntry", "CalendarDay", "DigestDelivery", "Case", "CaseClock", "CaseResponse", "CaseSequence", "Channel", "Clock",
    "Consultation", "CrawlRun", "DeadlinePolicy", "Event", "Extension", "Feedback", "KeywordPlan",
    "LEVEL_CHOICES", "Level", "Mention", "Notification", "Reach", "RoutingRule", "Section",
    "Sentiment", "Source", "SpikeAlert",
]
