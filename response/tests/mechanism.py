"""Helpers shared by the response-mechanism tests: cases opened through the real service, people in roles."""
from __future__ import annotations

import itertools

from response import roles
from response.models import Case, Level, Section
from response.services.cases import open_case
from response.tests.factories import UserFactory

_seq = itertools.count(1)

TITLES = {
    "lawyers": "市民投诉某律师事务所收费后不作为，律师多次错过举证期限",
    "grassroots": "网传某司法所工作人员调解纠纷时态度恶劣",
    "corrections": "社区矫正对象脱管三日 家属称司法所未及时告知",
    "office": "网友质疑市司法局政务公开栏目长期未更新",
}


def make_case(bureau: dict[str, Section], *, section: str = "lawyers", level: str | None = "III",
              channel: str = "opinion", state: str = Case.State.HANDLING, title: str | None = None) -> Case:
    case, created = open_case(
        origin_key=f"test:mechanism:{next(_seq)}", title=title or TITLES.get(section, TITLES["lawyers"]),
        section=bureau[section], channel=channel,
        level=Level.objects.get(code=level) if level else None, state=state,
    )
    assert created
    return case


def person(username: str, *role_names: str, section: Section | None = None, email: bool = True):
    user = UserFactory(username=username, roles=list(role_names),
                       email=f"{username}@bureau.example.com" if email else "")
    if section is not None:
        section.members.add(user)
    return user


def staff_of(section: Section, username: str):
    return person(username, roles.SECTION_STAFF, section=section)
