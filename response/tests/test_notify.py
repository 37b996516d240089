"""Notifiers against a webhook receiver served on 127.0.0.1 by the test: the JSON each robot
expects, DingTalk's and Feishu's signatures, retries on failure, quiet hours, email (locmem)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from response import roles
from response.models import Level, Notification, Section
from response.services import notify
from response.services.notify import Message, Target
from response.services.notify.robots import DingTalkRobot
from response.tests.mechanism import make_case, person

HOSTILE_TITLE = "网传[点此查看](http://evil.example/x)某律所<font color=red>乱收费</font>**黑幕**"


class Receiver:
    """A tiny robot endpoint: records each request and answers with queued replies."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.replies: list[tuple[int, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                parsed = urllib.parse.urlsplit(self.path)
                receiver.requests.append({
                    "path": parsed.path, "query": urllib.parse.parse_qs(parsed.query),
                    "content_type": self.headers.get("Content-Type"), "json": json.loads(body),
                })
                status, answer = receiver.replies.pop(0) if receiver.replies else (200, {"errcode": 0, "errmsg": "ok"})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def daytime(settings):
    # Real time may fall in the default quiet hours; tests about quiet hours set their own.
    settings.YUQING_QUIET_HOURS = ""


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def robot_section(bureau, code: str, kind: str, url: str, secret: str = "") -> Section:
    section = bureau[code]
    section.webhook_kind, section.webhook_url, section.webhook_secret = kind, url, secret
    section.save()
    return section


def send_one(channel: str, recipient: str, message: Message) -> Notification:
    row = notify.enqueue(key=f"test:{time.time_ns()}", kind="test", targets=[Target(channel, recipient)],
                         message=message)[0]
    notify.deliver(row.pk)
    row.refresh_from_db()
    return row


@pytest.mark.django_db
def test_wecom_markdown_payload_with_hostile_title_neutralised(bureau, receiver):
    robot_section(bureau, "lawyers", "wecom", f"{receiver.url}/cgi-bin/webhook/send?key=abc")
    row = send_one("wecom", "section:lawyers", Message(HOSTILE_TITLE, "级别：III级 较大\n牵头科室：律师工作科"))
    assert row.status == Notification.Status.SENT
    sent = receiver.requests[0]
    assert sent["path"] == "/cgi-bin/webhook/send" and sent["query"] == {"key": ["abc"]}
    assert sent["content_type"].startswith("application/json")
    assert set(sent["json"]) == {"msgtype", "markdown"} and sent["json"]["msgtype"] == "markdown"
    content = sent["json"]["markdown"]["content"]
    assert content.startswith("### ") and "律师工作科" in content
    # The crawled title cannot become a link, a coloured tag or bold text in the group chat.
    for raw in ("[点此查看]", "(http://evil", "<font", "**"):
        assert raw not in content
    assert "＜font" in content


@pytest.mark.django_db
def test_dingtalk_signed_request(bureau, receiver):
    secret = "SEC0f3a9c1b2d4e5f60718293a4b5c6d7e8f9"
    robot_section(bureau, "notary", "dingtalk", f"{receiver.url}/robot/send?access_token=tok", secret)
    before = int(time.time() * 1000)
    row = send_one("dingtalk", "section:notary", Message("公证处被投诉：出具公证书超期", "级别：IV级 一般"))
    after = int(time.time() * 1000)
    assert row.status == Notification.Status.SENT
    sent = receiver.requests[0]
    query = sent["query"]
    assert query["access_token"] == ["tok"]
    timestamp = query["timestamp"][0]
    assert before <= int(timestamp) <= after  # milliseconds
    # Recompute independently: base64(HMAC-SHA256(secret, "timestamp\nsecret")); parse_qs undid the URL-encoding.
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]
    payload = sent["json"]
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["title"] == "公证处被投诉：出具公证书超期"
    assert "IV级 一般" in payload["markdown"]["text"]


def test_dingtalk_sign_is_url_encoded():
    # '+', '/' and '=' of base64 must be escaped in the query string.
    section = Section(webhook_url="http://127.0.0.1:9/robot/send?access_token=t", webhook_secret="s")
    url = DingTalkRobot().url(section, now=1700000000.0)
    sign = url.split("&sign=")[1]
    assert "=" not in sign and "+" not in sign and "/" not in sign
    assert "%3D" in sign or "%2B" in sign or "%2F" in sign


@pytest.mark.django_db
def test_feishu_signed_post(bureau, receiver):
    secret = "feishu-secret-xyz"
    robot_section(bureau, "legal_aid", "feishu", f"{receiver.url}/open-apis/bot/v2/hook/uuid", secret)
    receiver.replies.append((200, {"code": 0, "msg": "success"}))
    row = send_one("feishu", "section:legal_aid", Message("法律援助申请被拒引发质疑", "申请人称符合条件却被拒绝"))
    assert row.status == Notification.Status.SENT
    payload = receiver.requests[0]["json"]
    assert payload["msg_type"] == "post"
    post = payload["content"]["post"]["zh_cn"]
    assert post["title"] == "法律援助申请被拒引发质疑"
    assert post["content"][0] == [{"tag": "text", "text": "申请人称符合条件却被拒绝"}]
    ts = payload["timestamp"]
    assert abs(int(ts) - time.time()) < 60  # seconds
    expected = base64.b64encode(hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    assert payload["sign"] == expected


@pytest.mark.django_db
def test_robot_error_is_retried_with_backoff_then_sent(bureau, receiver):
    robot_section(bureau, "lawyers", "wecom", f"{receiver.url}/send?key=k")
    receiver.replies += [(200, {"errcode": 93000, "errmsg": "invalid webhook url"}), (500, {})]
    row = send_one("wecom", "section:lawyers", Message("测试重试", "第一次失败"))
    assert row.status == Notification.Status.FAILED and "93000" in row.error and row.attempts == 1
    assert notify.deliver(row.pk) == Notification.Status.FAILED  # backed off: not yet due, not re-sent
    assert len(receiver.requests) == 1
    later = timezone.now() + timedelta(minutes=3)
    assert row.pk in notify.dispatch.due_ids(later)
    assert notify.deliver(row.pk, now=later) == Notification.Status.FAILED  # HTTP 500
    row.refresh_from_db()
    assert "HTTP 500" in row.error and row.attempts == 2
    assert notify.deliver(row.pk, now=later + timedelta(minutes=10)) == Notification.Status.SENT
    assert notify.deliver(row.pk, now=later + timedelta(minutes=20)) == Notification.Status.SENT
    assert len(receiver.requests) == 3  # sent once, never again


@pytest.mark.django_db
def test_unreachable_robot_never_blocks_the_case(bureau, settings, django_capture_on_commit_callbacks):
    settings.YUQING_QUIET_HOURS = ""
    robot_section(bureau, "lawyers", "wecom", "http://127.0.0.1:9/unreachable")
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(bureau, level="III")  # opening notifies the section; delivery fails
    assert case.pk
    row = Notification.objects.get(case=case, channel="wecom")
    assert row.status == Notification.Status.FAILED and row.error


@pytest.mark.django_db
def test_gives_up_after_max_attempts(bureau):
    row = notify.enqueue(key="test:giveup", kind="test", targets=[Target("wecom", "section:nosuch")],
                         message=Message("无", "无"))[0]
    moment = timezone.now()
    for _ in range(notify.dispatch.MAX_ATTEMPTS):
        notify.deliver(row.pk, now=moment)
        moment += timedelta(hours=1)
    row.refresh_from_db()
    assert row.status == Notification.Status.GAVE_UP and row.attempts == notify.dispatch.MAX_ATTEMPTS


@pytest.mark.django_db
def test_email_through_django_mail(bureau):
    row = send_one("email", "lvshike@bureau.example.com", Message("逾期提醒：律所收费投诉\n伪造头", "请尽快办理"))
    assert row.status == Notification.Status.SENT
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["lvshike@bureau.example.com"]
    assert sent.subject.startswith("【市司法局舆情】") and "\n" not in sent.subject
    assert "请尽快办理" in sent.body


def local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


@pytest.mark.django_db
def test_quiet_hours_defer_low_levels_never_major(bureau, settings):
    settings.YUQING_QUIET_HOURS = "22-7"
    low, major = Level.objects.get(code="IV"), Level.objects.get(code="I")
    assert notify.quiet_until(low, local(2026, 3, 2, 23, 30)) == local(2026, 3, 3, 7, 0)
    assert notify.quiet_until(low, local(2026, 3, 3, 2, 0)) == local(2026, 3, 3, 7, 0)
    assert notify.quiet_until(low, local(2026, 3, 3, 12, 0)) is None
    assert notify.quiet_until(major, local(2026, 3, 2, 23, 30)) is None
    assert notify.quiet_until(None, local(2026, 3, 2, 23, 30)) == local(2026, 3, 3, 7, 0)


@pytest.mark.django_db
def test_deferred_notice_is_kept_and_flushed_in_the_morning(bureau, settings):
    settings.YUQING_QUIET_HOURS = "22-7"
    person("leader_li", roles.LEADER)
    night = local(2026, 3, 2, 23, 30)
    low = make_case(bureau, level="IV")
    major = make_case(bureau, level="I", section="corrections")
    deferred = notify.enqueue(key="test:night:low", kind="warning", case=low, now=night,
                              targets=[Target("email", "lvshike@bureau.example.com")], message=Message("夜间预警", "IV级"))[0]
    urgent = notify.enqueue(key="test:night:major", kind="warning", case=major, now=night,
                            targets=[Target("email", "leader_li@bureau.example.com")], message=Message("夜间预警", "I级"))[0]
    assert deferred.not_before == local(2026, 3, 3, 7, 0) and urgent.not_before is None
    assert notify.deliver(deferred.pk, now=night) == Notification.Status.PENDING  # deferred, not dropped
    assert notify.deliver(urgent.pk, now=night) == Notification.Status.SENT
    assert deferred.pk not in notify.dispatch.due_ids(night)
    assert deferred.pk in notify.dispatch.due_ids(local(2026, 3, 3, 7, 5))
    assert notify.deliver(deferred.pk, now=local(2026, 3, 3, 7, 5)) == Notification.Status.SENT


@pytest.mark.django_db
def test_flush_task_sends_what_is_due(bureau):
    from workers.notify import flush_notifications

    rows = notify.enqueue(key="test:flush", kind="test", message=Message("补发", "补发测试"),
                          targets=[Target("email", "a@bureau.example.com"), Target("email", "b@bureau.example.com")])
    assert flush_notifications.delay().get() == 2  # eager: delivered in-process
    assert {r.status for r in Notification.objects.filter(pk__in=[r.pk for r in rows])} == {Notification.Status.SENT}
    assert flush_notifications.delay().get() == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_leader_hears_at_once_for_major_cases_only(bureau, settings):
    settings.YUQING_QUIET_HOURS = "0-24"  # all day quiet: I still goes out immediately
    person("leader_zhao", roles.LEADER)
    major = make_case(bureau, level="I", section="corrections")
    minor = make_case(bureau, level="III")
    alert = Notification.objects.get(case=major, kind="leader")
    assert alert.recipient == "leader_zhao@bureau.example.com" and alert.not_before is None
    assert "I级" in alert.subject
    assert not Notification.objects.filter(case=minor, kind="leader").exists()


@pytest.mark.django_db
def test_a_deactivated_head_or_leader_hears_nothing(bureau):
    from response.services.notify.targets import head_targets
    from response.tests.factories import UserFactory

    head = UserFactory(username="head_gone", email="head_gone@bureau.example.com")
    section = bureau["lawyers"]
    section.head = head
    section.save()
    assert [t.recipient for t in head_targets(section)] == ["head_gone@bureau.example.com"]
    head.is_active = False
    head.save()
    assert head_targets(section) == []
