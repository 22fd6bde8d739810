"""Choosing a plan on the cardholder's own page: the offers that fit, acceptance with a code, the four eyes
the manager's pre-approval gives, a request beyond the offers, and the server holding every amount."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditRecord
from cases.lifecycle import Stage
from cases.timeline import case_timeline
from contacts.models import Channel, ContactStatus, ScheduledContact
from repayment_plans.models import AcceptanceMethod, ApprovalKind, PlanStatus, Promise, RepaymentPlan
from repayment_plans.plans import plan_approve, plan_may_approve
from selfservice.models import CardholderAction, CodePurpose, Failure, OfferAcceptance, VerificationCode
from tests.escalation.helpers import offer, offers_publish, settlement
from tests.selfservice.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def cardholder_client(link_token, sms):
    client = Client(REMOTE_ADDR="198.51.100.7")
    signed_in(client, link_token[1], sms)
    return client


@pytest.fixture
def offers(manager):
    """Six payments and a 70 % settlement for M1 cases; twelve payments for M2, which this case is not."""
    version = offers_publish(actor=manager, offers=[offer("six"), settlement("seventy"),
                                                    offer("m2-twelve", dpd_from=31, dpd_to=60, months=12)])
    return {o.code: o for o in version.offers.all()}


def accept(client, case, chosen, sms, code=None):
    client.post(f"/my/case/{case.pk}/plans/{chosen.pk}/", {"action": "send"})
    return client.post(f"/my/case/{case.pk}/plans/{chosen.pk}/", {"code": code or sms.last_code()})


def test_the_cardholder_sees_only_the_offers_that_fit_their_case(cardholder_client, case, offers):
    page = cardholder_client.get(f"/my/case/{case.pk}/plans/").content.decode()
    assert f"/plans/{offers['six'].pk}/" in page and f"/plans/{offers['seventy'].pk}/" in page
    assert f"/plans/{offers['m2-twelve'].pk}/" not in page
    assert "6 monthly payments" in page and "Pay 70 % once" in page
    assert cardholder_client.get(f"/my/case/{case.pk}/plans/{offers['m2-twelve'].pk}/").status_code == 404


def test_the_agreement_shows_the_schedule_computed_on_the_server(cardholder_client, case, offers):
    page = cardholder_client.get(f"/my/case/{case.pk}/plans/{offers['six'].pk}/").content.decode()
    # 10,225.50 owed in six: 1,704.25 each, floored to the cent, the remainder (none here) on the last.
    assert "¥10,225.50" in page and page.count("<td>¥1,704.25</td>") == 6
    settle = cardholder_client.get(f"/my/case/{case.pk}/plans/{offers['seventy'].pk}/").content.decode()
    # 30 % of each part waived (3,000 + 45 + 15 + 7.65), the rest paid once.
    assert "¥7,157.85" in settle and "¥3,067.65" in settle


def test_a_code_accepts_the_offer_and_the_plan_is_active_at_once(cardholder_client, case, offers, sms, manager,
                                                                 link_token):
    ScheduledContact.objects.create(case=case, channel=Channel.CALL, due_at=timezone.now() + dt.timedelta(days=1),
                                    idempotency_key="call-1", rule="t2_call")
    response = accept(cardholder_client, case, offers["six"], sms)
    assert response.status_code == 200 and "Your plan is agreed" in response.content.decode()
    plan = RepaymentPlan.objects.get(case=case)
    assert plan.status == PlanStatus.ACTIVE and plan.accepted_via == AcceptanceMethod.SELF_SERVICE
    assert plan.total == Decimal("10225.50") and plan.instalment_count == 6
    # The manager's approval of the offer is the second person: four eyes met, and recorded as such.
    assert plan.approval_kind == ApprovalKind.PRE_APPROVED_OFFER and plan.approved_by_second_person
    assert plan.decided_by == manager and plan.proposed_by is None
    accepted = OfferAcceptance.objects.get(plan=plan)
    assert accepted.offer == offers["six"] and accepted.policy_version == offers["six"].version
    assert accepted.code.purpose == CodePurpose.ACCEPT_OFFER and accepted.code.used_at is not None
    case.refresh_from_db()
    assert case.stage == Stage.FOLLOW_UP
    assert not ScheduledContact.objects.filter(case=case, channel=Channel.CALL, status=ContactStatus.SCHEDULED).exists()
    entry = next(e for e in case_timeline(case=case) if e["kind"] == "self_service")
    assert "Chose the offer six of policy version" in entry["text"] and f"link {link_token[0].pk}" in entry["detail"]
    assert AuditRecord.objects.get(action="selfservice.plan").ip_address == "198.51.100.7"
    assert AuditRecord.objects.filter(action="plan.active", case_id=case.pk).exists()
    # The agreement is theirs to read, and staff's.
    pdf = cardholder_client.get(f"/my/case/{case.pk}/agreement/{plan.pk}/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_under_four_eyes_the_offer_is_still_active_at_once(cardholder_client, case, offers, sms, settings):
    settings.PLANS_NEED_SECOND_PERSON = True
    accept(cardholder_client, case, offers["seventy"], sms)
    plan = RepaymentPlan.objects.get(case=case)
    assert plan.status == PlanStatus.ACTIVE and plan.kind == "settlement" and plan.instalment_count == 1
    assert plan.approval_kind == ApprovalKind.PRE_APPROVED_OFFER


def test_the_staff_case_page_shows_the_active_plan_and_its_approval(cardholder_client, case, offers, sms, agent):
    accept(cardholder_client, case, offers["six"], sms)
    staff = Client()
    staff.force_login(agent)
    page = staff.get(f"/cases/{case.pk}/").content.decode()
    assert "Offer pre-approved by a manager" in page and "approved by manager" in page
    assert "On the cardholder&#x27;s own page, with a code by SMS" in page


def test_a_wrong_code_accepts_nothing_and_counts_against_the_link(cardholder_client, case, offers, sms):
    cardholder_client.post(f"/my/case/{case.pk}/plans/{offers['six'].pk}/", {"action": "send"})
    wrong = f"{(int(sms.last_code()) + 1) % 10**6:06d}"
    response = cardholder_client.post(f"/my/case/{case.pk}/plans/{offers['six'].pk}/", {"code": wrong})
    assert response.status_code == 400 and "That code is not right" in response.content.decode()
    assert not RepaymentPlan.objects.exists()
    assert Failure.objects.filter(kind=Failure.Kind.CODE).count() == 1


def test_a_code_sent_for_one_offer_does_not_accept_another(cardholder_client, case, offers, sms):
    cardholder_client.post(f"/my/case/{case.pk}/plans/{offers['six'].pk}/", {"action": "send"})
    code = sms.last_code()
    response = cardholder_client.post(f"/my/case/{case.pk}/plans/{offers['seventy'].pk}/", {"code": code})
    assert response.status_code == 400 and not RepaymentPlan.objects.exists()


def test_a_sign_in_code_does_not_accept_a_plan(link_token, sms, case, offers):
    client = Client()
    client.get(f"/my/{link_token[1]}/")
    client.post("/my/verify/", {"last_four": "123x"})
    sign_in_code = sms.last_code()
    client.post("/my/verify/code/", {"code": sign_in_code})
    response = client.post(f"/my/case/{case.pk}/plans/{offers['six'].pk}/", {"code": sign_in_code})
    assert response.status_code == 400 and not RepaymentPlan.objects.exists()


def test_amounts_sent_with_the_acceptance_are_ignored(cardholder_client, case, offers, sms):
    cardholder_client.post(f"/my/case/{case.pk}/plans/{offers['six'].pk}/", {"action": "send"})
    cardholder_client.post(f"/my/case/{case.pk}/plans/{offers['six'].pk}/",
                           {"code": sms.last_code(), "total": "1.00", "months": "60", "waive_principal": "100"})
    plan = RepaymentPlan.objects.get(case=case)
    assert plan.total == Decimal("10225.50") and plan.instalment_count == 6 and plan.waived_amount == 0


def test_an_offer_withdrawn_by_a_new_version_is_refused_at_acceptance(cardholder_client, case, offers, sms,
                                                                      manager):
    cardholder_client.post(f"/my/case/{case.pk}/plans/{offers['six'].pk}/", {"action": "send"})
    code = sms.last_code()
    offers_publish(actor=manager, offers=[settlement("seventy")])
    response = cardholder_client.post(f"/my/case/{case.pk}/plans/{offers['six'].pk}/", {"code": code})
    page = response.content.decode()
    assert response.status_code == 404 and "no longer open to you" in page
    assert "<h1>Not available</h1>" in page and "<h1>Done</h1>" not in page  # not said as if it worked
    assert not RepaymentPlan.objects.exists()


def test_an_offer_the_case_has_outgrown_is_refused_at_acceptance(cardholder_client, case, offers, sms):
    cardholder_client.post(f"/my/case/{case.pk}/plans/{offers['six'].pk}/", {"action": "send"})
    code = sms.last_code()
    type(case).objects.filter(pk=case.pk).update(principal_overdue=Decimal("60000.00"))
    cardholder_client.post(f"/my/case/{case.pk}/plans/{offers['six'].pk}/", {"code": code})
    assert not RepaymentPlan.objects.exists()


def test_another_cardholders_case_has_no_offers_for_them(cardholder_client, offers, agent, team):
    from tests.factories import AccountFactory, CaseFactory, CustomerFactory
    other = CaseFactory(account=AccountFactory(customer=CustomerFactory()), stage=Stage.CONTACT, assigned_team=team)
    assert cardholder_client.get(f"/my/case/{other.pk}/plans/").status_code == 404
    assert cardholder_client.post(f"/my/case/{other.pk}/plans/{offers['six'].pk}/",
                                  {"action": "send"}).status_code == 404


def test_every_plan_form_needs_the_csrf_token(link_token, sms, case, offers):
    client = Client(enforce_csrf_checks=True)
    client.get(f"/my/{link_token[1]}/")
    verify = client.get("/my/verify/")
    token = verify.cookies["csrftoken"].value if "csrftoken" in verify.cookies else client.cookies["csrftoken"].value
    client.post("/my/verify/", {"last_four": "123x", "csrfmiddlewaretoken": token})
    client.post("/my/verify/code/", {"code": sms.last_code(), "csrfmiddlewaretoken": token})
    for path, data in [(f"/my/case/{case.pk}/plans/{offers['six'].pk}/", {"action": "send"}),
                       (f"/my/case/{case.pk}/plans/{offers['six'].pk}/", {"code": "123456"}),
                       (f"/my/case/{case.pk}/plans/another/", {"monthly_income": "1"})]:
        assert client.post(path, data).status_code == 403
    assert not VerificationCode.objects.filter(purpose=CodePurpose.ACCEPT_OFFER).exists()


STATEMENT = {"monthly_income": "6000.00", "housing": "2000.00", "living": "1500.00", "transport": "300",
             "children": "", "debts": "500.00", "other": "200", "dependants": "2", "proposed_monthly": "600.00"}


def test_a_request_beyond_the_offers_waits_for_approval_with_the_statement(cardholder_client, case, offers,
                                                                           supervisor, agent):
    response = cardholder_client.post(f"/my/case/{case.pk}/plans/another/", STATEMENT)
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    plan = RepaymentPlan.objects.get(case=case)
    assert plan.status == PlanStatus.PENDING_APPROVAL and plan.proposed_by is None
    # 10,225.50 at 600 a month: 18 payments, in the approvals flow for a supervisor.
    assert plan.instalment_count == 18 and plan.required_role == "supervisor"
    statement = plan.income_statement
    assert statement.monthly_income == Decimal("6000.00") and statement.essential_spending == Decimal("4000.00")
    assert statement.other_debts == Decimal("500.00") and statement.dependants == 2
    assert statement.household_size == 3 and statement.proposed_monthly == Decimal("600.00")
    assert statement.expenses["housing"] == "2000.00"
    assert plan_may_approve(plan=plan, user=supervisor)
    assert CardholderAction.objects.get(kind=CardholderAction.Kind.PLAN_REQUEST).case == case
    case.refresh_from_db()
    assert case.stage == Stage.NEGOTIATE
    staff = Client()
    staff.force_login(agent)
    page = staff.get(f"/cases/{case.pk}/").content.decode()
    assert "Stated by the cardholder" in page and "Rent or mortgage" in page and "600.00" in page
    plan_approve(plan=plan, actor=supervisor, reason="Affordable on the statement")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.approval_kind == ApprovalKind.SECOND_PERSON


def test_a_monthly_amount_that_would_take_more_than_sixty_months_is_refused_beside_it(cardholder_client, case,
                                                                                      offers):
    response = cardholder_client.post(f"/my/case/{case.pk}/plans/another/", {**STATEMENT, "proposed_monthly": "100"})
    page = response.content.decode()
    assert response.status_code == 400 and "more than 60 months" in page and "170.43" in page
    assert 'value="6000.00"' in page  # what was typed is kept
    assert not RepaymentPlan.objects.exists()


def test_with_a_plan_in_progress_no_other_is_offered(cardholder_client, case, offers, sms):
    accept(cardholder_client, case, offers["six"], sms)
    page = cardholder_client.get(f"/my/case/{case.pk}/plans/").content.decode()
    assert "You already have a repayment plan" in page and "/plans/another/" not in page
    assert cardholder_client.get(f"/my/case/{case.pk}/plans/{offers['seventy'].pk}/").status_code == 404


def test_asking_for_an_acceptance_code_past_the_cap_says_so_instead_of_failing(cardholder_client, case, offers):
    """Found walking the page: the refusal was added to an unbound form, which has no cleaned_data (500)."""
    path = f"/my/case/{case.pk}/plans/{offers['six'].pk}/"
    statuses = [cardholder_client.post(path, {"action": "send"}).status_code for _ in range(12)]
    assert 500 not in statuses and statuses[-1] == 429
    assert "as many codes as we can today" in cardholder_client.post(path, {"action": "send"}).content.decode()


def test_a_monthly_amount_beyond_what_is_left_or_over_half_the_debt_is_refused_beside_it(cardholder_client, case,
                                                                                         offers):
    # 6,000 in, 4,500 out (debts included): 1,500 is left each month.
    response = cardholder_client.post(f"/my/case/{case.pk}/plans/another/", {**STATEMENT, "proposed_monthly": "2000"})
    page = response.content.decode()
    assert response.status_code == 400 and "after the spending you told us about (1500.00)" in page
    # Income enough, but 6,000 a month is more than half of the 10,225.50 owed: no plan of two payments or more.
    response = cardholder_client.post(f"/my/case/{case.pk}/plans/another/", {
        **STATEMENT, "monthly_income": "99999999.00", "proposed_monthly": "6000"})
    page = response.content.decode()
    assert response.status_code == 400 and "at most 5112.75 a month" in page and 'value="99999999.00"' in page
    assert not RepaymentPlan.objects.exists()


def test_with_a_plan_in_force_its_instalments_are_the_promise(cardholder_client, case, offers, sms):
    accept(cardholder_client, case, offers["six"], sms)
    page = cardholder_client.get(f"/my/case/{case.pk}/").content.decode()
    assert f"/my/case/{case.pk}/promise/" not in page and f"/my/case/{case.pk}/plans/\"" not in page
    due = timezone.localdate() + dt.timedelta(days=5)
    response = cardholder_client.post(f"/my/case/{case.pk}/promise/", {"amount": "100.00", "due_date": due})
    assert response.status_code == 400
    assert "You already have a repayment plan for this debt" in response.content.decode()
    assert not Promise.objects.filter(case=case).exists()
