"""The digest through a real SMTP server on 127.0.0.1: MIME structure, figures, scoping, exactly-once."""
from __future__ import annotations

import email
import re
import socket
from datetime import timedelta
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from freezegun import freeze_time

from response.models import DigestDelivery
from response.services import digest
from response.tests.test_digest_gather import HOSTILE, WEEK, seed_week

SUBJECT = "【市司法局】舆情周报 2026年第48周（11月23日—11月29日）"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [msg for rcpt, msg in self.messages if address in rcpt]


def smtp_settings(port: int) -> override_settings:
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=port,
        EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD="", EMAIL_USE_TLS=False, EMAIL_USE_SSL=False, EMAIL_TIMEOUT=10,
        DEFAULT_FROM_EMAIL="yuqing@bureau.example.com",
    )


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with smtp_settings(controller.port):
            yield handler
    finally:
        controller.stop()


@pytest.fixture
def seeded(bureau):
    return {"sections": bureau, **seed_week(bureau)}


def parts(msg: EmailMessage) -> tuple[str, str, EmailMessage]:
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    image = next(p for p in msg.walk() if p.get_content_type() == "image/png")
    return text, html, image


def test_bureau_digest_mime_and_figures(seeded, inbox):
    outcome = digest.deliver_digest(WEEK.label, "leader@bureau.example.com", "bureau")
    assert outcome.status == "sent"
    [msg] = inbox.to("leader@bureau.example.com")
    assert msg["Subject"] == SUBJECT
    assert msg.get_content_type() == "multipart/related"
    text, html, image = parts(msg)
    cid = image["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html and image.get_content().startswith(b"\x89PNG")
    # No remote resources: the only image is the inline one, no stylesheets or CSS imports.
    assert re.findall(r'src="([^"]*)"', html) == [f"cid:{cid}"]
    assert "<link" not in html and "url(" not in html and "@import" not in html
    assert image["Content-Disposition"].startswith("inline")
    for body in (text, html):
        assert "本周监测到相关舆情 8 条，较上周 +4（+100%）" in body
        assert "其中负面 3 条（占比 38%）" in body
        assert "市民投诉律师事务所收费后不作为" in body and "漳州新闻网" in body
        assert "社区矫正对象脱管" in body and "本周新增" in body
    assert "回应时限：本周到期 3，按时完成 1，按时率 33%" in text
    assert "新立案 3，已回应 1，已办结 1，超期未办 2" in text
    # Crawled markup is escaped in HTML and left as plain characters in the text part.
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert HOSTILE in text
    row = DigestDelivery.objects.get(week=WEEK.label, recipient="leader@bureau.example.com", scope="bureau")
    assert row.status == "sent" and row.attempts == 1 and row.sent_at
    assert msg["Message-ID"] == row.message_id


def test_section_head_gets_only_their_section(seeded, inbox):
    digest.deliver_digest(WEEK.label, "lawhead@bureau.example.com", "lawyers")
    [msg] = inbox.to("lawhead@bureau.example.com")
    assert msg["Subject"] == "【市司法局·律师工作科】舆情周报 2026年第48周（11月23日—11月29日）"
    text, html, _ = parts(msg)
    assert "本周监测到相关舆情 3 条" in text and "律师收费后多次错过举证期限" in html
    for other in ("社区矫正", "法律援助中心", "普法宣传", "公证", "人民调解", "漳州新闻网", "上周中性"):
        assert other not in text and other not in html, other


def test_rerun_sends_nothing_and_fan_out_reaches_every_recipient(seeded, inbox):
    with freeze_time("2026-11-30 00:00:00"):  # Monday 08:00 in Shanghai
        from workers.digest import schedule_digests

        targets = schedule_digests.delay().get()
        assert sorted(tuple(t) for t in targets) == sorted([
            ("2026-W48", "leader@bureau.example.com", "bureau"),
            ("2026-W48", "office@bureau.example.com", "bureau"),
            ("2026-W48", "lawhead@bureau.example.com", "lawyers"),
            ("2026-W48", "jiaozheng@bureau.example.com", "corrections"),
        ])
        assert len(inbox.messages) == 4
        schedule_digests.delay().get()
    call_command("digest", "--week", "2026-W48", "--send")
    assert len(inbox.messages) == 4
    assert DigestDelivery.objects.filter(status="sent").count() == 4


def test_failed_send_is_recorded_then_retried(seeded, inbox):
    dead = free_port()  # nothing listens there: connection refused
    with smtp_settings(dead), pytest.raises(ConnectionRefusedError):
        digest.deliver_digest(WEEK.label, "leader@bureau.example.com", "bureau")
    row = DigestDelivery.objects.get()
    assert row.status == "failed" and "ConnectionRefusedError" in row.error and row.attempts == 1
    assert digest.deliver_digest(WEEK.label, "leader@bureau.example.com", "bureau").status == "sent"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.error) == ("sent", 2, "")
    [msg] = inbox.messages
    assert msg[1]["Message-ID"] == row.message_id


def test_fresh_claim_is_left_alone_stale_claim_is_taken_over(seeded, inbox):
    row = DigestDelivery.objects.create(week=WEEK.label, recipient="leader@bureau.example.com", scope="bureau",
                                        attempts=1, message_id="<digest.1@bureau.example.com>",
                                        claimed_at=timezone.now())
    assert digest.deliver_digest(WEEK.label, "leader@bureau.example.com", "bureau").status == "busy"
    assert inbox.messages == []
    # The worker holding the claim died: after the stale window another attempt sends, same Message-ID.
    DigestDelivery.objects.filter(pk=row.pk).update(claimed_at=timezone.now() - timedelta(minutes=31))
    assert digest.deliver_digest(WEEK.label, "leader@bureau.example.com", "bureau").status == "sent"
    [(_, msg)] = inbox.messages
    assert msg["Message-ID"] == "<digest.1@bureau.example.com>"
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)


def test_empty_week_says_so_plainly(bureau, inbox):
    digest.deliver_digest("2026-W10", "leader@bureau.example.com", "bureau")
    [(_, msg)] = inbox.messages
    assert msg.get_content_type() == "multipart/alternative"  # no chart, so no related images
    assert "本周未监测到相关舆情" in msg.get_body(("plain",)).get_content()
    assert "本周未监测到相关舆情" in msg.get_body(("html",)).get_content()


def test_preview_command_inlines_images(seeded, tmp_path):
    out = tmp_path / "digest.html"
    call_command("digest", "--week", "2026-W48", "--section", "corrections", "--preview", str(out))
    html = out.read_text(encoding="utf-8")
    assert "cid:" not in html and 'src="data:image/png;base64,' in html
    assert "网传社区矫正对象脱管" in html and "律师" not in html and "公证处窗口" not in html


def test_default_schedule_is_monday_morning_in_shanghai(db):
    from django_celery_beat.models import PeriodicTask

    from response.services.schedules import install_schedules

    install_schedules()
    task = PeriodicTask.objects.get(task="yuqing.digest.schedule")
    cron = task.crontab
    assert (cron.minute, cron.hour, cron.day_of_week, str(cron.timezone)) == ("0", "8", "1", "Asia/Shanghai")
