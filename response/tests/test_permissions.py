"""Service- and queryset-level permissions: section staff see and change only their sections' cases."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from response import roles
from response.models import Case, Clock, Level
from response.services import casework, extensions
from response.tests.mechanism import make_case, person, staff_of


@pytest.fixture
def world(bureau):
    own = make_case(bureau, section="lawyers")
    other = make_case(bureau, section="corrections")
    joint = make_case(bureau, section="grassroots")
    joint.co_sections.add(bureau["lawyers"])
    return {
        "own": own, "other": other, "joint": joint,
        "clerk": staff_of(bureau["lawyers"], "lvshi_clerk"),
        "duty": person("duty_officer", roles.DUTY_OFFICER),
        "office": person("office_staff", roles.OFFICE),
        "leader": person("leader_chen", roles.LEADER),
    }


@pytest.mark.django_db
def test_section_staff_see_only_their_and_co_owned_cases(world):
    seen = set(roles.visible_cases(world["clerk"], Case.objects.all()).values_list("pk", flat=True))
    assert seen == {world["own"].pk, world["joint"].pk}
    for who in ("duty", "office", "leader"):
        assert roles.visible_cases(world[who], Case.objects.all()).count() == 3


@pytest.mark.django_db
def test_section_staff_cannot_change_another_sections_case(world):
    clerk, other = world["clerk"], world["other"]
    with pytest.raises(PermissionDenied):
        casework.record_response(other, clerk, text="已核实", channel="门户网站")
    with pytest.raises(PermissionDenied):
        casework.close_case(other, clerk, summary="办结")
    with pytest.raises(PermissionDenied):
        extensions.request_extension(other.clocks.get(clock=Clock.RESPONSE), clerk, reason="延期", amount=1)
    other.refresh_from_db()
    assert other.state == Case.State.HANDLING and not other.responses.exists()
    assert not other.audit.filter(actor=clerk).exists()


@pytest.mark.django_db
def test_section_staff_handle_their_own_and_joint_cases(world):
    clerk = world["clerk"]
    casework.record_response(world["own"], clerk, text="律师工作科已约谈涉事律所负责人。", channel="门户网站")
    casework.record_response(world["joint"], clerk, text="已会同基层工作科核实调解经过。", channel="官方微信")
    assert world["own"].audit.filter(actor=clerk, action="response").exists()


@pytest.mark.django_db
def test_only_duty_officers_and_office_reassign_or_relevel(world, bureau):
    clerk, own = world["clerk"], world["own"]
    with pytest.raises(PermissionDenied):
        casework.reassign(own, bureau["notary"], clerk)
    with pytest.raises(PermissionDenied):
        casework.set_level(own, Level.objects.get(code="II"), clerk)
    with pytest.raises(PermissionDenied):
        casework.reassign(own, bureau["notary"], world["leader"])
    casework.reassign(own, bureau["notary"], world["duty"])
    own.refresh_from_db()
    assert own.section == bureau["notary"] and own.section_via == "human"


@pytest.mark.django_db
def test_unauthenticated_user_can_do_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        casework.close_case(world["own"], AnonymousUser(), summary="办结")
    assert roles.visible_cases(world["clerk"], Case.objects.none()).count() == 0
