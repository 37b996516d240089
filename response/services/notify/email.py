"""Email through Django's configured backend (SMTP in production, locmem in tests)."""
from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from .base import Message, NotifyError


class EmailNotifier:
    channel = "email"

    def send(self, recipient: str, message: Message) -> None:
        # A header must be one line: crawled titles can carry newlines.
        subject = " ".join(f"【{settings.YUQING_BUREAU_NAME}舆情】{message.subject}".split())[:200]
        mail = EmailMessage(subject, message.plain(), settings.DEFAULT_FROM_EMAIL, [recipient])
        try:
            sent = mail.send(fail_silently=False)
        except Exception as exc:  # smtplib, socket and header errors all mean "not sent"
            raise NotifyError(f"邮件发送失败：{exc}") from exc
        if sent != 1:
            raise NotifyError("邮件未被发送")
