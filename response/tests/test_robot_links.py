"""The case link in a group-chat message is clickable: WeCom and DingTalk get a markdown link,
Feishu an `a` element; email keeps a 查看详情 line. The link survives the trip through the
Notification row (deferred by quiet hours, retried after a failure)."""
from __future__ import annotations

import pytest

from response.models import Notification
from response.services.notify import Message
from response.tests.test_notify import daytime, receiver, robot_section, send_one  # noqa: F401 (fixtures)

LINK = "http://127.0.0.1:8000/cases/42/"
MESSAGE = Message("新交办舆情案件：某律所收费后不作为", "级别：III级 较大\n牵头科室：律师工作科", LINK)


@pytest.mark.django_db
@pytest.mark.parametrize("kind, text_of", [
    ("wecom", lambda j: j["markdown"]["content"]),
    ("dingtalk", lambda j: j["markdown"]["text"]),
])
def test_markdown_robots_get_a_clickable_link(bureau, receiver, kind, text_of) -> None:  # noqa: F811
    robot_section(bureau, "lawyers", kind, f"{receiver.url}/hook?key=k")
    row = send_one(kind, "section:lawyers", MESSAGE)
    assert row.status == Notification.Status.SENT and row.link == LINK
    text = text_of(receiver.requests[0]["json"])
    assert f"[查看详情]({LINK})" in text
    assert f"查看详情：{LINK}" not in text  # not the plain-text line that cannot be clicked


@pytest.mark.django_db
def test_feishu_gets_a_link_element(bureau, receiver) -> None:  # noqa: F811
    robot_section(bureau, "lawyers", "feishu", f"{receiver.url}/open-apis/bot/v2/hook/x")
    receiver.replies.append((200, {"code": 0, "msg": "success"}))
    send_one("feishu", "section:lawyers", MESSAGE)
    content = receiver.requests[0]["json"]["content"]["post"]["zh_cn"]["content"]
    assert [{"tag": "a", "text": "查看详情", "href": LINK}] in content
    assert all(LINK not in part.get("text", "") for line in content for part in line if part["tag"] == "text")


@pytest.mark.django_db
def test_email_keeps_the_link_line(bureau, mailoutbox) -> None:
    row = send_one("email", "lvshike@bureau.example.com", MESSAGE)
    assert row.status == Notification.Status.SENT
    assert mailoutbox[-1].body.endswith(f"查看详情：{LINK}")
