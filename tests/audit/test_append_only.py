import pytest
from django.db import DatabaseError, transaction

from audit.models import AuditRecord
from audit.services import audit_log
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_the_database_refuses_to_update_or_delete_an_audit_record(agent):
    case = CaseFactory()
    record = audit_log(actor=agent, action="case.viewed", obj=case, case_id=case.pk)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).update(action="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).delete()

    assert AuditRecord.objects.get(pk=record.pk).action == "case.viewed"


def test_an_audit_record_names_actor_object_and_case(agent):
    case = CaseFactory()
    record = audit_log(actor=agent, action="case.note_added", obj=case, case_id=case.pk, ip_address="10.1.2.3")
    assert (record.actor, record.actor_label, record.object_type, record.object_id, record.case_id,
            record.ip_address) == (agent, "agent", "cases.case", str(case.pk), case.pk, "10.1.2.3")
