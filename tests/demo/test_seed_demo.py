import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from cases.delinquency import DELINQUENT_BUCKETS
from cases.lifecycle import Outcome, Stage
from cases.models import Case, Payment, StageHistory
from demo.services import DEMO_PASSWORD, demo_seed
from staff.models import Role

pytestmark = pytest.mark.django_db


def test_demo_data_covers_every_bucket_stage_and_outcome():
    demo_seed(cases=84)
    now = timezone.now()
    open_buckets = {case.bucket(now) for case in Case.objects.select_related("account__customer")}
    assert set(DELINQUENT_BUCKETS) <= open_buckets
    assert set(Case.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert set(Case.objects.exclude(outcome="").values_list("outcome", flat=True)) == set(Outcome.values)
    assert Payment.objects.exists()
    # Every case got there through the transition service, so its history ends at its stage.
    for case in Case.objects.all():
        assert case.history.order_by("-created_at", "-id").first().to_stage == case.stage


def test_demo_users_exist_for_every_role_with_the_printed_password():
    demo_seed(cases=0)
    users = get_user_model().objects.select_related("profile")
    assert {u.profile.role for u in users} == set(Role.values)
    assert all(u.check_password(DEMO_PASSWORD) for u in users)


def test_seeding_twice_duplicates_nothing():
    demo_seed(cases=20)
    counts = (Case.objects.count(), StageHistory.objects.count(), Payment.objects.count(),
              get_user_model().objects.count())
    summary = demo_seed(cases=20)
    assert summary.cases_created == 0 and summary.users_created == []
    assert (Case.objects.count(), StageHistory.objects.count(), Payment.objects.count(),
            get_user_model().objects.count()) == counts
    assert not Case.objects.values("account").annotate(n=Count("id")).filter(n__gt=1).exists()


def test_demo_data_has_visit_requests_for_the_supervisor_once():
    from visits.models import Visit

    demo_seed(cases=40)
    requested = Visit.objects.count()
    assert requested and set(Visit.objects.values_list("status", flat=True)) == {"requested"}
    demo_seed(cases=40)
    assert Visit.objects.count() == requested


def test_every_demo_visit_can_be_assigned_to_field_agents_of_its_region(time_machine):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from staff.models import StaffProfile
    from visits.models import Visit, VisitStatus
    from visits.services import visits_auto_assign

    # A Tuesday morning in Shanghai: the pass and the visit windows fall inside contact hours.
    time_machine.move_to(dt.datetime(2030, 3, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    demo_seed(cases=60)
    agents = StaffProfile.objects.filter(role=Role.FIELD_AGENT, user__is_active=True)
    # Field visits serve the cardholders in China; the demo's one New York cardholder gets none.
    customer_regions = set(Case.objects.filter(account__customer__timezone="Asia/Shanghai")
                           .values_list("account__customer__region", flat=True))
    for region in customer_regions:
        assert agents.filter(region=region).count() >= 2, region
    supervisor = get_user_model().objects.get(username="supervisor")
    assigned, skipped = visits_auto_assign(actor=supervisor, day=dt.date(2030, 3, 6), start=dt.time(10),
                                           end=dt.time(12))
    assert skipped == [] and assigned
    assert set(Visit.objects.values_list("status", flat=True)) == {VisitStatus.ASSIGNED}


def test_demo_data_has_a_hardship_ending_soon_and_a_deceased_case_for_the_specialist_queue_once():
    import datetime as dt

    from cases.lifecycle import HoldKind
    from cases.models import CaseHold
    from cases.selectors import specialist_cases

    demo_seed(cases=60)
    hardship = CaseHold.objects.get(kind=HoldKind.HARDSHIP, released_at__isnull=True)
    assert hardship.request.requested_by.username == "agent" and hardship.placed_by.username == "supervisor"
    assert timezone.localdate() < hardship.until <= timezone.localdate() + dt.timedelta(days=5)
    deceased = CaseHold.objects.get(kind=HoldKind.DECEASED, released_at__isnull=True)
    supervisor = get_user_model().objects.get(username="supervisor")
    assert list(specialist_cases(user=supervisor)) == [deceased.case]
    demo_seed(cases=60)
    assert CaseHold.objects.count() == 2


@pytest.mark.django_db
def test_some_demo_cardholders_have_an_emergency_contact_and_an_employer():
    from cases.models import ContactPoint

    demo_seed(cases=6)
    kinds = set(ContactPoint.objects.values_list("kind", flat=True))
    assert {"emergency", "employer"} <= kinds


def test_demo_cardholders_have_plan_offers_to_choose_published_once_by_the_manager():
    from escalation.models import PlanOffer
    from escalation.offers import case_offers
    from escalation.policy import policies_in_force

    demo_seed(cases=40)
    demo_seed(cases=40)
    version = policies_in_force(as_of=timezone.now()).champion
    assert sorted(version.offers.values_list("code", flat=True)) == ["M1-M3-12", "M1-M3-6", "M2-M6-70"]
    assert version.created_by.username == "manager"
    assert PlanOffer.objects.count() == 3
    # Some open demo case in the first three months late has an offer it can take.
    early = [case for case in Case.objects.exclude(stage=Stage.CLOSED).select_related("account__customer")
             if case.bucket(timezone.now()) == "M1"]
    assert early and any(case_offers(case=case) for case in early)
