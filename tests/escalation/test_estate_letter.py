"""The letter to a deceased cardholder's estate: planned by the policy, the one contact a death leaves."""

import datetime as dt
from decimal import Decimal

import pytest

from cases.lifecycle import HoldKind, Stage
from cases.services import case_hold_place, case_transition
from contacts.delivery import contact_deliver
from contacts.governor import PURPOSE_ESTATE, governor_check
from contacts.models import ESTATE_LETTER_RULE, Channel, ContactStatus, Origin, ScheduledContact
from contacts.timeline import _scheduled
from core.actors import SYSTEM
from core.errors import DomainError
from escalation.estate import estate_letters_schedule
from escalation.models import Policy
from escalation.policy import policies_in_force, policy_definition, policy_version_publish
from escalation.services import escalation_pass_run
from tests.escalation.helpers import SH
from tests.factories import AccountFactory, CaseFactory, CustomerFactory

DIED_RECORDED = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SH)
LATER = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SH)


@pytest.fixture
def case(db):
    customer = CustomerFactory(name="王小明", address="上海市浦东新区世纪大道100号", language="en")
    return CaseFactory(account=AccountFactory(customer=customer, account_number="6222020200112233"),
                       stage=Stage.CONTACT, principal_overdue=Decimal("12000.00"), interest_overdue=Decimal("300.00"),
                       overdue_since=dt.date(2026, 9, 10))


def deceased(case, agent, at=DIED_RECORDED):
    return case_hold_place(case=case, kind=HoldKind.DECEASED, actor=agent, reason="Son called; certificate sent.",
                           evidence_reference="DC-2026-118", at=at)


def estate_letters(case):
    return list(ScheduledContact.objects.filter(case=case, rule=ESTATE_LETTER_RULE))


def test_a_recorded_death_plans_one_letter_to_the_estate_two_weeks_later(agent, case):
    hold = deceased(case, agent)
    assert estate_letters_schedule(as_of=LATER) == 1
    assert estate_letters_schedule(as_of=LATER) == 0  # planned once, however often the task runs
    [letter] = estate_letters(case)
    assert letter.channel == Channel.LETTER and letter.origin == Origin.POLICY
    assert letter.due_at == hold.placed_at + dt.timedelta(days=14)
    assert letter.policy_version == policies_in_force(as_of=LATER).champion


def test_no_letter_goes_where_the_policy_sets_none(agent, case):
    champion = policies_in_force(as_of=DIED_RECORDED).champion
    policy_version_publish(policy=champion.policy, effective_from=DIED_RECORDED - dt.timedelta(days=1),
                           definition={**policy_definition(version=champion), "estate_letter_after_days": None},
                           actor=SYSTEM, note="No letters to estates.")
    deceased(case, agent)
    assert estate_letters_schedule(as_of=LATER) == 0
    assert estate_letters(case) == []


def test_bankruptcy_and_closed_cases_get_no_letter_to_an_estate(agent, case):
    case_hold_place(case=case, kind=HoldKind.BANKRUPTCY, actor=agent, reason="Court notice.",
                    evidence_reference="BK-77", at=DIED_RECORDED)
    closed = CaseFactory(stage=Stage.CONTACT)
    deceased(closed, agent)
    case_transition(case=closed, to=Stage.CLOSED, outcome="cured", actor=SYSTEM, reason="Paid by the estate.")
    assert estate_letters_schedule(as_of=LATER) == 0


def test_the_governor_lets_the_estate_letter_through_and_nothing_else(agent, case):
    deceased(case, agent)
    assert governor_check(case=case, channel=Channel.LETTER, at=LATER, purpose=PURPOSE_ESTATE).allowed
    refused = governor_check(case=case, channel=Channel.LETTER, at=LATER)
    assert not refused.allowed and [f["rule"] for f in refused.failed] == ["holds"]
    call = governor_check(case=case, channel=Channel.CALL, at=LATER, purpose=PURPOSE_ESTATE)
    assert not call.allowed and "estate" in [f["rule"] for f in call.failed]


def test_no_letter_to_an_estate_without_a_death_on_record_or_with_another_hold(agent, case):
    alive = governor_check(case=case, channel=Channel.LETTER, at=LATER, purpose=PURPOSE_ESTATE)
    assert not alive.allowed and [f["rule"] for f in alive.failed] == ["estate"]
    deceased(case, agent)
    case_hold_place(case=case, kind=HoldKind.DO_NOT_CONTACT, actor=agent, reason="The widow asked for no letters.",
                    at=DIED_RECORDED + dt.timedelta(days=1))
    disputed = governor_check(case=case, channel=Channel.LETTER, at=LATER, purpose=PURPOSE_ESTATE)
    assert not disputed.allowed and disputed.failed[0]["figures"] == {"holds": [HoldKind.DO_NOT_CONTACT]}


def test_the_pass_leaves_the_estate_letter_planned_and_cancels_the_rest(agent, case):
    deceased(case, agent)
    estate_letters_schedule(as_of=LATER)
    escalation_pass_run(as_of=LATER)
    [letter] = estate_letters(case)
    assert letter.status == ContactStatus.SCHEDULED
    assert not ScheduledContact.objects.filter(case=case, status=ContactStatus.SCHEDULED).exclude(
        rule=ESTATE_LETTER_RULE).exists()


def test_the_estate_letter_is_addressed_to_the_estate_and_sent(agent, case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    deceased(case, agent)
    estate_letters_schedule(as_of=LATER)
    [letter] = estate_letters(case)
    assert contact_deliver(contact_id=letter.pk, at=LATER) == ContactStatus.SENT
    letter.refresh_from_db()
    window, _rule, body = letter.rendered_text.partition("\n---\n")
    assert "The personal representative of the late 王小明" in window
    assert "overdue" not in window.lower()
    assert "condolences" in body and "not personally responsible" in body and "$" not in body
    assert (tmp_path / "letters" / letter.letter_file).read_bytes().startswith(b"%PDF")
    assert "Letter to the estate" in _scheduled(case, 10)[0]["detail"]


def test_a_later_hold_keeps_the_letter_back_without_cancelling_it(agent, case):
    deceased(case, agent)
    estate_letters_schedule(as_of=LATER)
    case_hold_place(case=case, kind=HoldKind.DO_NOT_CONTACT, actor=agent, reason="Family asked for quiet.", at=LATER)
    [letter] = estate_letters(case)
    assert letter.status == ContactStatus.SCHEDULED
    assert contact_deliver(contact_id=letter.pk, at=LATER + dt.timedelta(days=1)) == ContactStatus.HELD


def test_a_policy_refuses_an_estate_letter_delay_beyond_a_year(db):
    champion = Policy.objects.get(is_default=True)
    version = policies_in_force(as_of=LATER).champion
    with pytest.raises(DomainError) as refused:
        policy_version_publish(policy=champion, effective_from=LATER,
                               definition={**policy_definition(version=version), "estate_letter_after_days": 400},
                               actor=SYSTEM, note="Too late.")
    assert refused.value.field == "estate_letter_after_days"
