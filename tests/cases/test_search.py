"""Finding a case while the cardholder is on the line."""

import pytest
from django.db import connection
from django.urls import reverse

from audit.models import AuditRecord
from cases.lifecycle import Outcome, Stage
from cases.search import SearchBy, SearchInvalid, cases_search
from tests.factories import AccountFactory, CaseFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def wang(team):
    customer = CustomerFactory(name="欧阳小明", phone="13912345678", national_id="11010519900307123X")
    return CaseFactory(account=AccountFactory(customer=customer, account_number="6222020000004321"),
                       stage=Stage.CONTACT, assigned_team=team)


@pytest.fixture
def elsewhere(other_team):
    customer = CustomerFactory(name="欧阳小红", phone="13700001111", national_id="110105199003071234")
    return CaseFactory(account=AccountFactory(customer=customer, account_number="6222020000009999"),
                       stage=Stage.CONTACT, assigned_team=other_team)


@pytest.mark.parametrize(("by", "query"), [
    (SearchBy.PHONE, "13912345678"),
    (SearchBy.PHONE, "139 1234 5678"),
    (SearchBy.PHONE, "+86 139-1234-5678"),
    (SearchBy.NATIONAL_ID, "11010519900307123x"),
    (SearchBy.NATIONAL_ID, "11010519900307123X"),
    (SearchBy.LAST_FOUR, "4321"),
    (SearchBy.ACCOUNT, "6222 0200 0000 4321"),
    (SearchBy.NAME, "欧阳小明"),
    (SearchBy.NAME, " 阳小明 "),
])
def test_an_agent_finds_the_case_by_each_identifier_or_the_name(agent, wang, by, query):
    assert cases_search(user=agent, by=by, query=query) == [wang]


def test_identifiers_match_exactly_not_in_part(agent, wang):
    assert cases_search(user=agent, by=SearchBy.PHONE, query="1391234567") == []
    assert cases_search(user=agent, by=SearchBy.LAST_FOUR, query="0432") == []
    assert cases_search(user=agent, by=SearchBy.ACCOUNT, query="622202000000432") == []
    # Two characters match a whole name only.
    assert cases_search(user=agent, by=SearchBy.NAME, query="小明") == []
    assert cases_search(user=agent, by=SearchBy.NAME, query="欧阳") == []


def test_a_two_character_name_is_found_whole(agent, team, wang):
    li = CaseFactory(account=AccountFactory(customer=CustomerFactory(name="李明")), stage=Stage.CONTACT,
                     assigned_team=team)
    CaseFactory(account=AccountFactory(customer=CustomerFactory(name="李明华")), stage=Stage.CONTACT,
                assigned_team=team)
    assert cases_search(user=agent, by=SearchBy.NAME, query="李明") == [li]


def test_results_are_limited_to_the_cases_the_user_may_see(agent, manager, wang, elsewhere):
    assert cases_search(user=agent, by=SearchBy.NAME, query="欧阳小") == [wang]
    assert set(cases_search(user=manager, by=SearchBy.NAME, query="欧阳小")) == {wang, elsewhere}
    assert cases_search(user=agent, by=SearchBy.PHONE, query="13700001111") == []


def test_open_cases_come_before_closed_ones(agent, wang, team):
    closed = CaseFactory(account=wang.account, stage=Stage.CLOSED, outcome=Outcome.CURED,
                         closed_at=wang.opened_at, assigned_team=team)
    assert cases_search(user=agent, by=SearchBy.LAST_FOUR, query="4321") == [wang, closed]


@pytest.mark.parametrize(("by", "query"), [
    (SearchBy.PHONE, "not a phone"), (SearchBy.NATIONAL_ID, "1101051990030712"), (SearchBy.NATIONAL_ID, "X" * 18),
    (SearchBy.LAST_FOUR, "43210"), (SearchBy.ACCOUNT, "abc"), (SearchBy.NAME, "王"), ("colour", "blue"),
])
def test_a_value_that_cannot_be_what_it_claims_is_refused(agent, by, query):
    with pytest.raises(SearchInvalid):
        cases_search(user=agent, by=by, query=query)


def test_a_search_by_phone_or_national_id_is_audited_with_the_value_masked(agent, wang):
    cases_search(user=agent, by=SearchBy.PHONE, query="13912345678", ip_address="10.0.0.7")
    cases_search(user=agent, by=SearchBy.NATIONAL_ID, query="110105199001011111")
    cases_search(user=agent, by=SearchBy.NAME, query="欧阳小明")
    records = list(AuditRecord.objects.filter(action="case.searched").order_by("id"))
    assert [(r.changes["by"], r.changes["results"], r.actor) for r in records] == [
        ("phone", 1, agent), ("national_id", 0, agent)]
    assert records[0].changes["query"] == "•••••••5678" and records[0].ip_address == "10.0.0.7"
    assert "13912345678" not in str(records[0].changes)


def test_the_search_is_sent_by_post_and_the_page_shows_masked_results(client, agent, wang):
    client.force_login(agent)
    page = client.get(reverse("cases:search"))
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    response = client.post(reverse("cases:search"), {"by": "phone", "query": "13912345678"})
    body = response.content.decode()
    assert response.status_code == 200 and response.context["results"] == [wang]
    assert reverse("cases:detail", args=[wang.pk]) in body
    assert "13912345678" not in body.replace('value="13912345678"', "")  # only in the field as typed
    assert "6222020000004321" not in body and "4321" in body and "5678" in body
    # A GET with the value in the address searches nothing.
    assert client.get(reverse("cases:search"), {"by": "phone", "query": "13912345678"}).context["results"] is None


def test_a_refused_search_says_why_beside_the_field_and_keeps_what_was_typed(client, agent):
    client.force_login(agent)
    response = client.post(reverse("cases:search"), {"by": "national_id", "query": "12345"})
    body = response.content.decode()
    assert response.status_code == 400 and 'id="id_query_error"' in body and 'value="12345"' in body


def test_name_search_on_postgresql_uses_the_trigram_index(agent, wang):
    from cases.models import Customer

    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        query = Customer.objects.filter(name__icontains="欧阳小明").values("id").query
        sql, params = query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "customer_name_trgm_idx" in plan


@pytest.mark.parametrize("page", ["cases:list", "cases:queue"])
def test_the_case_list_and_the_queue_lead_to_the_search(client, agent, page):
    client.force_login(agent)
    assert f'href="{reverse("cases:search")}"' in client.get(reverse(page)).content.decode()
