"""Group-chat robots: WeCom (企业微信), DingTalk (钉钉) with signed requests, Feishu (飞书).

Each robot posts JSON to the section's webhook and checks the robot's own error code: these
services answer HTTP 200 with a non-zero errcode when the message is rejected.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from response.models import Section

from .base import Message, NotifyError

TIMEOUT_SECONDS = 10


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: base64(HMAC-SHA256(key=secret, msg="timestamp\\nsecret")), URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu 签名校验: base64(HMAC-SHA256(key="timestamp\\nsecret", msg=b""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def post_json(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            body = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise NotifyError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise NotifyError(f"无法连接群机器人：{exc}") from exc
    try:
        return json.loads(body or b"{}")
    except ValueError as exc:
        raise NotifyError(f"群机器人返回非 JSON：{body[:200]!r}") from exc


def _section(recipient: str) -> Section:
    code = recipient.removeprefix("section:")
    section = Section.objects.filter(code=code).first()
    if section is None or not section.webhook_url:
        raise NotifyError(f"科室 {code} 未配置群机器人地址")
    return section


class WeComRobot:
    channel = Section.WebhookKind.WECOM.value

    def payload(self, message: Message) -> dict[str, Any]:
        return {"msgtype": "markdown", "markdown": {"content": message.markdown()}}

    def send(self, recipient: str, message: Message) -> None:
        answer = post_json(_section(recipient).webhook_url, self.payload(message))
        if answer.get("errcode", 0) != 0:
            raise NotifyError(f"企业微信返回错误 {answer.get('errcode')}：{answer.get('errmsg', '')}")


class DingTalkRobot:
    channel = Section.WebhookKind.DINGTALK.value

    def payload(self, message: Message) -> dict[str, Any]:
        return {"msgtype": "markdown", "markdown": {"title": message.subject[:60], "text": message.markdown()}}

    def url(self, section: Section, now: float | None = None) -> str:
        if not section.webhook_secret:
            return section.webhook_url
        ts = int((now if now is not None else time.time()) * 1000)
        joiner = "&" if "?" in section.webhook_url else "?"
        return f"{section.webhook_url}{joiner}timestamp={ts}&sign={dingtalk_sign(section.webhook_secret, ts)}"

    def send(self, recipient: str, message: Message) -> None:
        section = _section(recipient)
        answer = post_json(self.url(section), self.payload(message))
        if answer.get("errcode", 0) != 0:
            raise NotifyError(f"钉钉返回错误 {answer.get('errcode')}：{answer.get('errmsg', '')}")


class FeishuRobot:
    channel = Section.WebhookKind.FEISHU.value

    def payload(self, message: Message, secret: str = "", now: float | None = None) -> dict[str, Any]:
        lines = [[{"tag": "text", "text": line}] for line in message.body.splitlines() if line.strip()]
        if message.link:
            lines.append([{"tag": "a", "text": "查看详情", "href": message.link}])
        payload: dict[str, Any] = {
            "msg_type": "post",
            "content": {"post": {"zh_cn": {"title": message.subject[:100], "content": lines}}},
        }
        if secret:
            ts = int(now if now is not None else time.time())
            payload.update(timestamp=str(ts), sign=feishu_sign(secret, ts))
        return payload

    def send(self, recipient: str, message: Message) -> None:
        section = _section(recipient)
        answer = post_json(section.webhook_url, self.payload(message, section.webhook_secret))
        code = answer.get("code", answer.get("StatusCode", 0))
        if code != 0:
            raise NotifyError(f"飞书返回错误 {code}：{answer.get('msg', answer.get('StatusMessage', ''))}")
