"""Who gets which digest, and sending it exactly once per recipient, scope and week.

Delivery protocol (one DigestDelivery row per week + recipient + scope):
1. A row already "sent" → nothing to do (a re-run, a re-delivered task, `yuqing digest --send` twice).
2. Render, then *claim*: insert the row as "sending" (or take over a "failed" row, or a "sending" row
   older than YUQING_DIGEST_STALE_MINUTES) with a conditional UPDATE on `attempts`, so exactly one
   worker wins. The claim is committed before the SMTP conversation starts.
3. Send; mark "sent". On an error mark "failed" with the error and re-raise so the task retries.

Choice: at-least-once, bounded. A worker that dies after the mail server accepted the message but
before step 3 committed leaves a "sending" row; after the stale window another attempt sends again.
A missed weekly report goes unnoticed by the leaders it was meant for, whereas a rare duplicate is
visible and harmless; and every attempt reuses the Message-ID stored at the first claim, so mail
systems that de-duplicate on Message-ID collapse the copy. The window for a duplicate is only the
moment between the server's "250 OK" and the database commit. A fresh "sending" row (another worker
is at it right now) is never taken over: the caller is told `busy` and may look again later.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.header import Header
from email.message import Message
from email.mime.image import MIMEImage

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from response.models import DigestDelivery, Section
from response.roles import LEADER, OFFICE

from .gather import BUREAU, gather, scope_for
from .period import Week
from .render import Rendered, render

logger = logging.getLogger(__name__)


def stale_after() -> timedelta:
    return timedelta(minutes=getattr(settings, "YUQING_DIGEST_STALE_MINUTES", 30))


def _mail_domain() -> str:
    # The sender's domain, not this host's name: no resolver lookup, and stable across workers.
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "yuqing.localhost"


def _message_id(week: str) -> str:
    # Short enough to stay on one header line (a folded Message-ID decodes with a leading space).
    return f"<digest.{week}.{uuid.uuid4().hex[:16]}@{_mail_domain()}>"


def _normal(email: str) -> str:
    return email.strip().lower()


def recipients_for(scope_code: str) -> list[str]:
    """Configured addresses for a scope: leaders and the office for the bureau; a section's head and mailbox."""
    emails: list[str] = []
    if scope_code == BUREAU:
        users = (get_user_model().objects.filter(is_active=True, groups__name__in=[LEADER, OFFICE])
                 .exclude(email="").order_by("pk").distinct())
        emails = [u.email for u in users]
    else:
        section = Section.objects.select_related("head").get(code=scope_code)
        if section.head is not None and section.head.is_active and section.head.email:
            emails.append(section.head.email)
        if section.email:
            emails.append(section.email)
    seen: dict[str, None] = {}
    for email in emails:
        seen.setdefault(_normal(email), None)
    return list(seen)


def all_targets() -> list[tuple[str, str]]:
    """Every (recipient, scope) pair the weekly run mails: the bureau digest, then each section's."""
    targets = [(email, BUREAU) for email in recipients_for(BUREAU)]
    for code in Section.objects.order_by("order", "code").values_list("code", flat=True):
        targets += [(email, code) for email in recipients_for(code)]
    return targets


class DigestEmail(EmailMultiAlternatives):
    """Folds the Chinese subject knowing the header name's length.

    Django encodes the subject without it, so the first encoded word no longer fits after
    "Subject: " and the line is folded before it: strict parsers then decode a leading space.
    """

    def message(self, *args, **kwargs):
        msg = super().message(*args, **kwargs)
        del msg["Subject"]
        Message.__setitem__(msg, "Subject", Header(self.subject, "utf-8", header_name="Subject"))
        return msg


def build_message(rendered: Rendered, recipient: str, *, message_id: str) -> EmailMultiAlternatives:
    """text/plain + text/html alternatives inside multipart/related with the images by Content-ID."""
    message = DigestEmail(
        subject=rendered.subject, body=rendered.text, from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient], headers={"Message-ID": message_id},
    )
    message.attach_alternative(rendered.html, "text/html")
    if rendered.images:
        message.mixed_subtype = "related"
        for cid, png in rendered.images.items():
            image = MIMEImage(png, "png")
            image.add_header("Content-ID", f"<{cid}>")
            image.add_header("Content-Disposition", "inline", filename=f"{cid.split('@')[0]}.png")
            message.attach(image)
    return message


@dataclass
class Outcome:
    status: str  # sent | skipped | busy
    delivery_id: int | None = None


def _claim(week: str, recipient: str, scope: str) -> DigestDelivery | None:
    """Take the row for this delivery, or None when it is sent or another worker holds a fresh claim."""
    try:
        with transaction.atomic():
            return DigestDelivery.objects.create(
                week=week, recipient=recipient, scope=scope, status=DigestDelivery.Status.SENDING,
                attempts=1, message_id=_message_id(week), claimed_at=timezone.now(),
            )
    except IntegrityError:
        pass
    row = DigestDelivery.objects.get(week=week, recipient=recipient, scope=scope)
    if row.status == DigestDelivery.Status.SENT:
        return None
    claimed = row.claimed_at or row.created_at
    stale = row.status == DigestDelivery.Status.SENDING and claimed < timezone.now() - stale_after()
    if row.status == DigestDelivery.Status.SENDING and not stale:
        return None
    won = DigestDelivery.objects.filter(pk=row.pk, status=row.status, attempts=row.attempts).update(
        status=DigestDelivery.Status.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now(), error="",
    )
    if not won:
        return None
    if stale:
        logger.warning("digest.reclaimed_stale week=%s scope=%s recipient=%s attempts=%s",
                       week, scope, recipient, row.attempts + 1)
    row.refresh_from_db()
    return row


def deliver_digest(week_label: str, recipient: str, scope_code: str = BUREAU) -> Outcome:
    """Send one recipient's digest for one week and scope, at most once per claim (see module doc)."""
    week, recipient = Week.parse(week_label), _normal(recipient)
    existing = DigestDelivery.objects.filter(week=week.label, recipient=recipient, scope=scope_code).first()
    if existing and existing.status == DigestDelivery.Status.SENT:
        return Outcome("skipped", existing.pk)
    rendered = render(gather(week, scope_for(scope_code)))
    row = _claim(week.label, recipient, scope_code)
    if row is None:
        current = DigestDelivery.objects.get(week=week.label, recipient=recipient, scope=scope_code)
        return Outcome("skipped" if current.status == DigestDelivery.Status.SENT else "busy", current.pk)
    try:
        build_message(rendered, recipient, message_id=row.message_id).send(fail_silently=False)
    except Exception as exc:
        DigestDelivery.objects.filter(pk=row.pk).update(
            status=DigestDelivery.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        logger.error("digest.failed week=%s scope=%s recipient=%s attempt=%s error=%s",
                     week.label, scope_code, recipient, row.attempts, exc)
        raise
    DigestDelivery.objects.filter(pk=row.pk).update(status=DigestDelivery.Status.SENT, sent_at=timezone.now())
    logger.info("digest.sent week=%s scope=%s recipient=%s attempt=%s", week.label, scope_code, recipient,
                row.attempts)
    return Outcome("sent", row.pk)


def preview(week_label: str, scope_code: str = BUREAU) -> Rendered:
    return render(gather(Week.parse(week_label), scope_for(scope_code)))
