"""No plan runs past 60 months (Art. 70 of the 2011 card measures), whatever the authority rows say: the
service refuses it, the database refuses it from any writer, and no authority row may promise more."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from repayment_plans.calculator import add_months
from repayment_plans.models import AuthorityLimit, PlanStatus, RepaymentPlan
from repayment_plans.plans import PlanError, plan_approve
from tests.repayment_plans.helpers import TODAY, contact_case, propose

pytestmark = pytest.mark.django_db


def test_a_plan_whose_last_payment_falls_past_60_months_is_refused_beside_the_count(manager):
    # The first payment a month out, 60 monthly payments: the last falls 61 months from today.
    with pytest.raises(PlanError) as caught:
        propose(contact_case(manager), manager, count=60, first=add_months(TODAY, 2))
    assert (caught.value.code, caught.value.field) == ("beyond_60_months", "count")
    assert not RepaymentPlan.objects.exists()


def test_a_first_payment_past_60_months_is_refused_beside_its_date(agent):
    with pytest.raises(PlanError) as caught:
        propose(contact_case(agent), agent, kind="deferral", count=1, first=add_months(TODAY, 61))
    assert caught.value.field == "first_due_date"


def test_an_authority_row_edited_past_the_law_approves_no_95_month_plan(manager):
    # Even a row written past the admin's checks (the constraint is dropped for the test) grants nothing
    # beyond 60 months: the service refuses on its own.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE repayment_plans_authoritylimit DROP CONSTRAINT authority_months_within_law")
    AuthorityLimit.objects.filter(role="manager").update(max_months=95)
    with pytest.raises(PlanError) as caught:
        propose(contact_case(manager), manager, count=60, first=add_months(TODAY, 35))
    assert caught.value.code == "beyond_60_months"


def test_the_longest_lawful_plan_is_accepted(manager):
    plan = propose(contact_case(manager), manager, count=60)
    assert (plan.months, plan.status) == (60, PlanStatus.APPROVED)
    assert plan.instalments.order_by("-number").first().due_date == add_months(TODAY, 60)


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_an_update_that_stretches_a_plan_past_60_months(agent, supervisor):
    plan = propose(contact_case(agent), agent, count=24)
    for column, value in (("instalment_count", 95), ("first_due_date", add_months(TODAY, 61)), ("months", 95),
                          ("proposed_on", TODAY - dt.timedelta(days=3 * 366))):
        with pytest.raises(IntegrityError, match="plan_within_60_months"):
            _raw(f"UPDATE repayment_plans_repaymentplan SET {column} = %s WHERE id = %s", [value, plan.pk])
    # The same plan inside the law stays approvable.
    assert plan_approve(plan=plan, actor=supervisor, reason="Affordable.").status == PlanStatus.APPROVED


def test_the_database_refuses_a_raw_insert_of_a_95_month_plan(agent):
    case = contact_case(agent)
    insert = ("INSERT INTO repayment_plans_repaymentplan (case_id, kind, status, currency, owed_principal, "
              "owed_interest, owed_fees, owed_penalty, waive_principal_percent, waive_interest_percent, "
              "waive_fees_percent, waive_penalty_percent, waived_amount, total, instalment_count, first_due_date, "
              "months, required_role, within_proposer_authority, basis, terms, proposed_by_label, proposed_at, "
              "proposed_on, decided_at, approval_kind, acceptance_code_hash, acceptance_code_attempts, accepted_via, "
              "signed_copy, paid_amount, excess_amount) VALUES (%s, 'instalments', 'approved', 'CNY', 100, 0, 0, 0, "
              "0, 0, 0, 0, 0, 100, %s, %s, %s, '', false, '', '', 'admin', now(), %s, now(), '', '', 0, '', '', 0, 0)")
    with pytest.raises(IntegrityError, match="plan_within_60_months"):
        _raw(insert, [case.pk, 95, add_months(TODAY, 1), 12, TODAY])
    # A day earlier proposal makes the same 60 payments one day too long, whatever the stored months say and
    # whatever its status; proposed today, the row goes in.
    with pytest.raises(IntegrityError, match="plan_within_60_months"):
        _raw(insert.replace("'approved'", "'rejected'"),
             [case.pk, 60, add_months(TODAY, 1), 12, TODAY - dt.timedelta(days=1)])
    _raw(insert, [case.pk, 60, add_months(TODAY, 1), 12, TODAY])


def test_an_authority_limit_above_60_months_is_refused_by_the_model_and_the_database():
    limit = AuthorityLimit.objects.get(role="manager")
    limit.max_months = 61
    with pytest.raises(ValidationError) as caught:
        limit.full_clean()
    assert "max_months" in caught.value.message_dict
    with pytest.raises(IntegrityError, match="authority_months_within_law"), transaction.atomic():
        limit.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        AuthorityLimit.objects.filter(role="agent").update(max_months=95)
    assert AuthorityLimit.objects.get(role="manager").max_months == 60


def test_the_admin_refuses_an_authority_limit_above_60_months_beside_the_field(client, admin_user):
    limit = AuthorityLimit.objects.get(role="supervisor")
    client.force_login(admin_user)
    url = reverse("admin:repayment_plans_authoritylimit_change", args=[limit.pk])
    form = {"role": "supervisor", "max_charges_waiver_percent": "50", "max_principal_waiver_percent": "10",
            "max_write_off": "20000.00", "max_write_off_by_currency": '{"USD": "3000.00"}'}
    response = client.post(url, {**form, "max_months": "95"})
    assert response.status_code == 200  # the form again, not a redirect
    assert "max_months" in response.context["adminform"].form.errors
    limit.refresh_from_db()
    assert limit.max_months == 36
    response = client.post(url, {**form, "max_months": "48"})
    assert response.status_code == 302
    limit.refresh_from_db()
    assert limit.max_months == 48


def test_the_calculator_shows_the_60_month_refusal_beside_the_number_of_payments(client, manager):
    from tests.repayment_plans.test_views import plan_data, today

    case = contact_case(manager)
    client.force_login(manager)
    response = client.post(reverse("repayment_plans:plan-create", args=[case.pk]),
                           {**plan_data(count="60", first_due_date=add_months(today(), 2).isoformat()),
                            "action": "preview"})
    body = response.content.decode()
    assert response.status_code == 400 and 'id="pp-count_error"' in body and "at most 60 months" in body
