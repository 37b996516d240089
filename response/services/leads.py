"""One queue row per story: the event's lead copy stands for it; reposts wait behind it.

A lead is a pending, flagged mention; when it is reviewed, the most urgent remaining pending copy
(if any) takes over, so nothing is hidden for good. The event row is locked while deciding so two
workers analysing copies at once do not both become leads.
"""
from __future__ import annotations

from django.db import transaction

from response.models import Event, Mention


def _pending(event_id: int):
    return Mention.objects.filter(event_id=event_id, flagged=True, review=Mention.Review.PENDING)


@transaction.atomic
def claim_lead(mention: Mention) -> bool:
    """Called when a mention has just been judged: it leads unless another pending copy already does."""
    if not mention.event_id or not mention.flagged:
        return mention.event_lead
    Event.objects.select_for_update().filter(pk=mention.event_id).first()
    taken = _pending(mention.event_id).filter(event_lead=True).exclude(pk=mention.pk).exists()
    lead = not taken
    if mention.event_lead != lead:
        Mention.objects.filter(pk=mention.pk).update(event_lead=lead)
        mention.event_lead = lead
    return lead


@transaction.atomic
def hand_over_lead(event_id: int | None) -> Mention | None:
    """After a review: make sure a still-pending copy of the event is visible in the queue."""
    if not event_id:
        return None
    Event.objects.select_for_update().filter(pk=event_id).first()
    pending = _pending(event_id)
    current = pending.filter(event_lead=True).first()
    if current:
        return current
    successor = pending.order_by("-urgency", "fetched_at", "id").first()
    if successor:
        Mention.objects.filter(pk=successor.pk).update(event_lead=True)
        successor.event_lead = True
    return successor
