"""Audit rows are permanent: what they point at cannot be deleted, and on PostgreSQL the database
itself refuses to change or delete them, whatever SQL the application sends."""
from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from response import roles
from response.models import AuditEntry, Case
from response.services import casework
from response.tests.mechanism import make_case, person

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")


@pytest.mark.django_db
def test_a_case_with_audit_rows_cannot_be_deleted(bureau):
    case = make_case(bureau, title="网传某律师事务所收取高额风险代理费后失联")
    assert AuditEntry.objects.filter(case=case, action="open").exists()
    with pytest.raises(ProtectedError):
        case.delete()
    with pytest.raises(ProtectedError):
        Case.objects.filter(pk=case.pk).delete()
    assert Case.objects.filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_a_person_who_acted_cannot_be_deleted(bureau):
    duty = person("duty_chen", roles.DUTY_OFFICER)
    case = make_case(bureau, section="grassroots", title="某司法所调解员被指偏袒一方当事人")
    casework.reassign(case, bureau["lawyers"], duty)
    assert AuditEntry.objects.filter(case=case, action="reassign", actor=duty).exists()
    with pytest.raises(ProtectedError):
        duty.delete()
    assert AuditEntry.objects.filter(case=case, action="reassign", actor__username="duty_chen").exists()


def _refused(sql: str) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    return str(caught.value)


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db
def test_postgres_refuses_update_and_delete_of_audit_rows_in_raw_sql(bureau):
    case = make_case(bureau, title="网民质疑法律援助中心拒绝受理农民工讨薪申请")
    before = list(AuditEntry.objects.filter(case=case).values_list("pk", "note"))
    assert before

    assert "审计记录不可修改或删除" in _refused("UPDATE response_auditentry SET note = 'x'")
    assert "审计记录不可修改或删除" in _refused("DELETE FROM response_auditentry")

    # The connection survived (savepoints rolled back) and nothing changed.
    assert list(AuditEntry.objects.filter(case=case).values_list("pk", "note")) == before
    assert not AuditEntry.objects.filter(note="x").exists()


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db
def test_postgres_refuses_deleting_one_cases_audit_rows(bureau):
    case = make_case(bureau, title="网传某社区矫正对象夜不归宿 司法所未发现")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM response_auditentry WHERE case_id = %s", [case.pk])
    assert AuditEntry.objects.filter(case=case).exists()
