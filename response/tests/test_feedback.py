"""The duty officers' decisions become training data: confirmations, reassignments, corrections."""
from __future__ import annotations

import csv

import pytest

from response.services import casework
from response.services.feedback import export
from response.tests.factories import MentionFactory, UserFactory


@pytest.fixture
def duty(bureau):
    return UserFactory(username="duty", roles=["值班员"])


def read(path):
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_human_section_decisions_are_exported_and_machine_guesses_are_not(bureau, duty, tmp_path):
    confirmed = MentionFactory(title="公证处办理继承公证太慢", section=bureau["office"], flagged=True)
    casework.confirm_mention(confirmed, duty, section=bureau["notary"])
    corrected = MentionFactory(title="社区矫正人员经常夜不归宿", section=bureau["grassroots"], flagged=True)
    casework.correct_mention(corrected, duty, "section", "corrections")
    MentionFactory(title="机器判断但无人确认的条目", section=bureau["lawyers"], flagged=True)

    assert export("sections", tmp_path / "sections.csv") == 2
    labels = {r["text"].split("市民")[0]: r["label"] for r in read(tmp_path / "sections.csv")}
    assert labels == {"公证处办理继承公证太慢": "notary", "社区矫正人员经常夜不归宿": "corrections"}


def test_sentiment_corrections_are_exported(bureau, duty, tmp_path):
    mention = MentionFactory(title="法律援助中心为农民工追回欠薪", sentiment="neutral")
    casework.correct_mention(mention, duty, "sentiment", "positive")
    assert export("sentiment", tmp_path / "s.csv") == 1
    assert read(tmp_path / "s.csv")[0]["label"] == "positive"
