"""The notifier interface and the message every channel renders in its own way."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# Markdown control characters replaced by full-width look-alikes: crawled titles are hostile and
# must not become links, headings or <font> tags in a group chat.
_MD_SAFE = str.maketrans({
    "<": "＜", ">": "＞", "[": "［", "]": "］", "(": "（", ")": "）", "*": "＊", "_": "＿",
    "`": "｀", "#": "＃", "|": "｜", "!": "！", "~": "～",
})
MAX_TEXT_BYTES = 3500  # WeCom caps markdown at 4096 bytes; DingTalk/Feishu accept more.


class NotifyError(Exception):
    """Sending failed; the message says why (HTTP status, robot errcode, SMTP error)."""


@dataclass(frozen=True)
class Target:
    """Where one notification goes: `email` + address, or a robot channel + `section:<code>`."""

    channel: str
    recipient: str


@dataclass(frozen=True)
class Message:
    subject: str
    body: str  # plain text, one fact per line
    link: str = ""

    def plain(self) -> str:
        return self.body + (f"\n\n查看详情：{self.link}" if self.link else "")

    def markdown(self) -> str:
        lines = [f"### {md_escape(self.subject)}"]
        lines += [md_escape(line) for line in self.body.splitlines() if line.strip()]
        text = "\n\n".join(lines)
        text = cap_bytes(text, MAX_TEXT_BYTES)
        if self.link:
            text += f"\n\n[查看详情]({self.link})"
        return text


def md_escape(text: str) -> str:
    return text.translate(_MD_SAFE)


def cap_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"


class Notifier(Protocol):
    channel: str

    def send(self, recipient: str, message: Message) -> None:
        """Deliver or raise NotifyError."""
