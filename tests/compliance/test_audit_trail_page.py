import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from audit.actions import ACTION_LABELS
from audit.models import AuditRecord
from audit.services import audit_log
from staff.models import StaffProfile
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(agent, supervisor):
    case, other = CaseFactory(), CaseFactory()
    audit_log(actor=agent, action="personal_data.reveal", obj=case, case_id=case.pk, reason="verify identity")
    audit_log(actor=supervisor, action="case.hold_released", obj=other, case_id=other.pk, reason="resolved")
    return case, other


def test_compliance_searches_by_actor_case_and_action(client, compliance, records):
    case, _other = records
    client.force_login(compliance)
    by_actor = client.get(reverse("audit:trail"), {"actor": "agent"}).context["page"]
    assert [r.action for r in by_actor] == ["personal_data.reveal"]
    by_case = client.get(reverse("audit:trail"), {"case_id": case.pk}).context["page"]
    assert [r.case_id for r in by_case] == [case.pk]
    by_action = client.get(reverse("audit:trail"), {"action": "case.hold_released"}).context["page"]
    assert [r.actor_label for r in by_action] == ["supervisor"]


def test_a_date_range_keeps_whole_days(client, compliance, records, time_machine):
    client.force_login(compliance)
    today = dt.date.today()
    assert client.get(reverse("audit:trail"), {"date_from": today.isoformat(),
                                               "date_to": today.isoformat()}).context["page"].paginator.count == 2
    later = (today + dt.timedelta(days=3)).isoformat()
    assert client.get(reverse("audit:trail"), {"date_from": later}).context["page"].paginator.count == 0


def test_the_export_is_a_csv_of_the_search_and_is_itself_audited(client, compliance, records):
    client.force_login(compliance)
    response = client.get(reverse("audit:trail"), {"actor": "agent", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["time", "actor", "action"] and [row[2] for row in rows[1:]] == ["personal_data.reveal"]
    assert AuditRecord.objects.filter(action="audit.exported", actor=compliance).exists()


@pytest.mark.parametrize("role", ["agent", "field_agent", "supervisor"])
def test_only_compliance_managers_and_admins_read_the_trail(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("audit:trail")).status_code == 403


def test_the_trail_names_actions_and_records_in_words_in_the_readers_language(client, compliance, records):
    StaffProfile.objects.filter(user=compliance).update(language="zh-hans")
    client.force_login(compliance)
    html = client.get(reverse("audit:trail")).content.decode()
    assert "<td>查看个人信息明文</td><td>案件 #" in html and "<td>解除暂停</td>" in html
    assert 'value="case.hold_released">解除暂停</option>' in html
    assert "personal_data.reveal</td>" not in html and "cases.case #" not in html


def test_every_action_the_portal_audits_has_words():
    root = Path(__file__).resolve().parents[2]
    written = {match for path in root.glob("*/*.py") if path.parts[-2] not in ("tests", ".venv")
               for match in re.findall(r'audit_log\([^)]*?action="([a-z_.]+)"', path.read_text(), re.S)}
    assert written and written <= set(ACTION_LABELS)
