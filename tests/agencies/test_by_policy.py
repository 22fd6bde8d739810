"""Placement by the contact policy: which agency takes a case, within its room, and when none can."""

import datetime as dt
from decimal import Decimal

from agencies.by_policy import KeptInHouse, PolicyPlacement, agencies_recovery_rates, placements_by_policy
from agencies.models import EndCause, Placement
from agencies.services import agency_create, agency_status_change, placements_create, placements_end
from audit.models import AuditRecord
from cases.ingest import PaymentReport, payments_ingest
from core.actors import SYSTEM
from events.models import Event, EventType
from tests.factories import CaseFactory, CustomerFactory

AT = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


def _case(region="上海", **kwargs):
    return CaseFactory(account__customer=CustomerFactory(region=region), stage="contact", **kwargs)


def _agency(name, regions=("上海",), capacity=10, **kwargs):
    return agency_create(name=name, licence=f"L-{name}", actor=SYSTEM, regions=list(regions), capacity=capacity,
                         **kwargs)


def _track_record(agency, *, placed: str, recovered: str, supervisor):
    """A case placed with `agency` 30 days before AT owing `placed`, which paid `recovered` 20 days before AT."""
    case = _case(principal_overdue=Decimal(placed), interest_overdue=0, fees_overdue=0, penalty_overdue=0)
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor, at=AT - dt.timedelta(days=30))
    paid = AT - dt.timedelta(days=20)
    payments_ingest(reports=[PaymentReport(transaction_id=f"TX-{case.pk}", account_number=case.account.account_number,
                                           amount=Decimal(recovered), currency="CNY", paid_at=paid)], now=paid)
    return case


def _request(*cases, rule="T5.agency"):
    return [PolicyPlacement(case_id=case.pk, rule=rule, region=case.account.customer.region,
                            key=f"{case.pk}:{rule}:2026-08-31") for case in cases]


def test_the_recent_recovery_rate_is_recovered_over_the_balance_placed_in_the_window(supervisor):
    agency = _agency("Rate Agency")
    _track_record(agency, placed="1000.00", recovered="250.00", supervisor=supervisor)
    assert agencies_recovery_rates(agency_ids=[agency.pk], as_of=AT) == {agency.pk: Decimal("0.2500")}
    # Ninety days on, the placement still open counts; the payment has left the window.
    later = AT + dt.timedelta(days=90)
    assert agencies_recovery_rates(agency_ids=[agency.pk], as_of=later) == {agency.pk: Decimal("0.0000")}


def test_a_case_goes_to_the_agency_recovering_best_lately(supervisor):
    weaker, better = _agency("A Weaker Agency"), _agency("B Better Agency")
    _track_record(weaker, placed="1000.00", recovered="100.00", supervisor=supervisor)
    _track_record(better, placed="1000.00", recovered="400.00", supervisor=supervisor)
    case = _case()

    result = placements_by_policy(requests=_request(case), actor=SYSTEM, at=AT)

    assert result.placed == {case.pk: "B Better Agency"}
    placement = Placement.objects.get(case=case, ended_at__isnull=True)
    assert placement.agency == better and placement.reason == "Placed by the contact policy (rule T5.agency)."
    assert placement.placed_by_label == "system"
    assert Event.objects.filter(type=EventType.CASE_PLACED, case_id=case.pk).exists()
    assert AuditRecord.objects.filter(action="case.placed", case_id=case.pk, actor_label="system").exists()


def test_a_full_agency_passes_its_cases_to_the_next_best_and_none_is_overfilled(supervisor):
    best, next_best = _agency("Best", capacity=2), _agency("Next", capacity=2)
    _track_record(best, placed="1000.00", recovered="500.00", supervisor=supervisor)  # holds 1 of its 2 places
    cases = [_case() for _ in range(4)]

    result = placements_by_policy(requests=_request(*cases), actor=SYSTEM, at=AT)

    assert sorted(result.placed.values()) == ["Best", "Next", "Next"]
    assert result.kept == {cases[-1].pk: KeptInHouse.NO_ROOM}
    assert Placement.objects.filter(agency=best, ended_at__isnull=True).count() == 2
    assert Placement.objects.filter(agency=next_best, ended_at__isnull=True).count() == 2


def test_only_approved_agencies_under_contract_serving_the_region_take_cases(supervisor):
    _agency("Beijing Only", regions=["北京"])
    suspended = _agency("Suspended")
    agency_status_change(agency=suspended, status="suspended", reason="Audit findings", actor=supervisor)
    _agency("Contract Over", contract_end=dt.date(2026, 6, 30))
    shanghai, nowhere = _case(region="上海"), _case(region="")

    result = placements_by_policy(requests=_request(shanghai, nowhere), actor=SYSTEM, at=AT)

    assert result.placed == {}
    assert result.kept == {shanghai.pk: KeptInHouse.NO_AGENCY, nowhere.pk: KeptInHouse.NO_AGENCY}
    assert not Placement.objects.filter(case__in=[shanghai, nowhere]).exists()


def test_a_case_already_placed_is_left_as_it_is(supervisor):
    first, second = _agency("First"), _agency("Second")
    case = _case()
    placements_create(case_ids=[case.pk], agency=first, actor=supervisor, at=AT - dt.timedelta(days=1))

    result = placements_by_policy(requests=_request(case), actor=SYSTEM, at=AT)

    assert (result.placed, result.kept) == ({}, {})
    assert list(Placement.objects.filter(case=case).values_list("agency__name", flat=True)) == ["First"]
    assert second.placements.count() == 0


def test_a_case_back_from_its_agency_is_not_placed_again_by_the_same_slot(supervisor):
    _agency("Agency")
    case = _case()
    placements_by_policy(requests=_request(case), actor=SYSTEM, at=AT)
    assert Placement.objects.get(case=case).policy_key == f"{case.pk}:T5.agency:2026-08-31"
    placements_end(case_ids=[case.pk], cause=EndCause.MANUAL, reason="Back in-house", actor=supervisor,
                   at=AT + dt.timedelta(hours=1))

    again = placements_by_policy(requests=_request(case), actor=SYSTEM, at=AT + dt.timedelta(hours=2))

    assert (again.placed, again.kept) == ({}, {})
    assert Placement.objects.filter(case=case).count() == 1
    later = placements_by_policy(requests=[PolicyPlacement(case_id=case.pk, rule="T5.agency", region="上海",
                                                           key=f"{case.pk}:T5.agency:2026-12-30")],
                                 actor=SYSTEM, at=AT + dt.timedelta(days=30))
    assert later.placed == {case.pk: "Agency"}
