import csv
import io

import pytest
from django.urls import reverse

from audit.models import AuditRecord
from contacts.models import AttemptResult, Channel, ContactAttempt
from contacts.services import contact_attempt_log
from staff.models import StaffProfile
from tests.compliance.conftest import LATE, MORNING
from tests.factories import AccountFactory, CaseFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def breaches(breach, other_team, other_agent):
    other = CaseFactory(account=AccountFactory(customer=CustomerFactory()), assigned_team=other_team)
    elsewhere = contact_attempt_log(case=other, channel=Channel.CALL, actor=other_agent,
                                    result=AttemptResult.NO_ANSWER, occurred_at=LATE, now=LATE)
    # Within the rules: never on the register.
    contact_attempt_log(case=other, channel=Channel.CALL, actor=other_agent, result=AttemptResult.NO_ANSWER,
                        occurred_at=MORNING, now=MORNING)
    return breach, elsewhere


def test_the_register_lists_breaches_alone_counted_by_rule_agent_team_and_day(client, compliance, breaches):
    client.force_login(compliance)
    response = client.get(reverse("compliance:breaches"))
    assert [a.pk for a in response.context["page"]] == sorted((b.pk for b in breaches), reverse=True)
    summary = response.context["summary"]
    assert summary["total"] == 2 and [(code, n) for code, _label, n in summary["by_rule"]] == [("hours", 2)]
    assert dict(summary["by_agent"]) == {"agent": 1, "agent2": 1}
    assert dict(summary["by_team"]) == {"华东一组 East-1": 1, "华南一组 South-1": 1}
    assert [n for _day, n in summary["by_day"]] == [2]


def test_filters_narrow_the_register_by_agent_team_rule_and_dates(client, compliance, breaches, other_team):
    breach, elsewhere = breaches
    client.force_login(compliance)
    url = reverse("compliance:breaches")

    def found(**query):
        return [a.pk for a in client.get(url, query).context["page"]]

    assert found(agent="agent2") == [elsewhere.pk]
    assert found(team=other_team.pk) == [elsewhere.pk]
    assert found(rule="hours", agent="agent") == [breach.pk]
    assert found(rule="quiet_period") == []
    assert found(date_from="2026-12-01") == [] and len(found(date_from="2026-11-30", date_to="2026-11-30")) == 2


def test_a_bad_filter_answers_400_beside_the_field(client, compliance, breaches):
    client.force_login(compliance)
    response = client.get(reverse("compliance:breaches"), {"date_from": "9999-12-31", "rule": "nonsense"})
    assert response.status_code == 400 and "rule" in response.context["form"].errors


def test_drilling_down_shows_the_rules_with_the_figures_of_the_moment_and_the_case(client, compliance, breach):
    client.force_login(compliance)
    response = client.get(reverse("compliance:breach", args=[breach.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Outside contact hours" in html and "REC-2026-0042" in html
    assert reverse("cases:detail", args=[breach.case_id]) in html
    [(_rule, reason)] = response.context["reasons"]
    assert "21:00" in reason or "08:00" in reason


def test_an_attempt_within_the_rules_has_no_breach_page(client, compliance, cardholder_case, agent):
    fine = contact_attempt_log(case=cardholder_case, channel=Channel.CALL, actor=agent,
                               result=AttemptResult.NO_ANSWER, occurred_at=MORNING, now=MORNING)
    client.force_login(compliance)
    assert client.get(reverse("compliance:breach", args=[fine.pk])).status_code == 404


def test_the_csv_export_is_formula_safe_and_audited(client, compliance, breach):
    ContactAttempt.objects.filter(pk=breach.pk).update(actor_label="=HYPERLINK(\"http://evil\")")
    client.force_login(compliance)
    response = client.get(reverse("compliance:breaches"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["time", "attempt_id", "case_id"]
    [row] = rows[1:]
    assert row[1] == str(breach.pk) and row[8] == "hours" and row[11] == "REC-2026-0042"
    assert row[4].startswith("'=")
    assert AuditRecord.objects.filter(action="breaches.exported", actor=compliance).exists()


@pytest.mark.parametrize("who, status", [("agent", 403), ("supervisor", 403), ("compliance", 200),
                                         ("manager", 200)])
def test_who_may_read_the_register(client, request, breach, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("compliance:breaches")).status_code == status
    assert client.get(reverse("compliance:breach", args=[breach.pk])).status_code == status


def test_the_register_reads_in_chinese(client, compliance, breach):
    StaffProfile.objects.filter(user=compliance).update(language="zh-hans")
    client.force_login(compliance)
    html = client.get(reverse("compliance:breaches")).content.decode()
    assert "违反联系规则" in html and "按规则" in html and "不在允许联系的时段" in html


def test_compliance_officers_find_the_register_in_the_menu(client, compliance, agent):
    client.force_login(compliance)
    assert reverse("compliance:breaches") in client.get(reverse("audit:trail")).content.decode()
    client.force_login(agent)
    assert reverse("compliance:breaches") not in client.get(reverse("cases:list")).content.decode()
