"""Demo data: teams, one login per role, and cardholders with cases in every bucket and every stage.

Everything goes through the domain services, so the demo cases carry real history. Running it again
creates only what is missing.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from faker import Faker

from cases.confirm import cases_confirm_check
from cases.delinquency import BUCKET_RANGES, Bucket
from cases.lifecycle import Outcome, Stage
from cases.models import Account, Case, ContactPoint, ContactPointKind, Customer
from cases.services import case_open, case_transition, payment_record
from core.actors import SYSTEM
from core.i18n import stored_phrase
from staff.models import Role, StaffProfile
from staff.services import staff_create, team_create

DEMO_PASSWORD = "demo-pass-2026"
SHANGHAI = ZoneInfo("Asia/Shanghai")

TEAMS = [("华东一组 East-1", "华东 East"), ("华南一组 South-1", "华南 South")]
USERS = [
    # username, role, team index or None, display name
    ("agent", Role.AGENT, 0, "王", "芳"),
    ("agent2", Role.AGENT, 1, "李", "强"),
    ("supervisor", Role.SUPERVISOR, 0, "刘", "洋"),
    ("manager", Role.MANAGER, None, "陈", "静"),
    ("compliance", Role.COMPLIANCE, None, "杨", "磊"),
    ("admin", Role.ADMIN, None, "赵", "敏"),
    ("legal", Role.LEGAL_OFFICER, None, "黄", "涛"),
]

# Cardholders live in the regions their team's field agents cover (by team index), and every region has two
# field agents, so every demo visit can be assigned, including those that policy sends two agents to.
FIELD_REGIONS = [("上海市", "江苏省", "浙江省"), ("广东省", "福建省")]
FIELD_AGENTS_PER_REGION = 2
FIELD_AGENT_NAMES = [("张", "伟"), ("孙", "丽"), ("周", "军"), ("吴", "敏"), ("郑", "涛"), ("冯", "霞"), ("何", "勇"),
                     ("许", "娟"), ("韩", "斌"), ("曹", "琳")]

def demo_logins() -> list[tuple[str, str]]:
    """(logins, role label) for each role, in the README's order: the field agents share one line."""
    count = sum(len(regions) for regions in FIELD_REGIONS) * FIELD_AGENTS_PER_REGION
    fields = ", ".join(["field", "field2", f"… field{count}"])
    by_role: dict[str, list[str]] = {}
    for username, role, *_rest in USERS:
        by_role.setdefault(role, []).append(username)
    for username, role, *_rest in AGENCY_USERS:
        by_role.setdefault(role, []).append(username)
    rows = [(", ".join(by_role.pop(Role.AGENT)), Role.AGENT.label), (fields, Role.FIELD_AGENT.label)]
    return rows + [(", ".join(names), Role(role).label) for role, names in by_role.items()]


# Where each demo case ends up: its path through the lifecycle, then the closing outcome if any.
TARGETS: list[tuple[list[str], str | None]] = [
    ([], None),
    ([Stage.PLAN], None),
    ([Stage.PLAN, Stage.CONTACT], None),
    ([Stage.PLAN, Stage.CONTACT], None),
    ([Stage.PLAN, Stage.CONTACT, Stage.NEGOTIATE], None),
    ([Stage.PLAN, Stage.CONTACT, Stage.NEGOTIATE, Stage.FOLLOW_UP], None),
    ([Stage.PLAN, Stage.CONTACT, Stage.LEGAL], None),
    ([Stage.PLAN, Stage.CONTACT, Stage.CLOSED], Outcome.CURED),
    ([Stage.PLAN, Stage.CONTACT, Stage.NEGOTIATE, Stage.FOLLOW_UP, Stage.CLOSED], Outcome.SETTLED),
    ([Stage.PLAN, Stage.CONTACT, Stage.LEGAL, Stage.CLOSED], Outcome.SETTLED),
    ([Stage.PLAN, Stage.CONTACT, Stage.NEGOTIATE, Stage.CLOSED], Outcome.WRITTEN_OFF),
    ([Stage.CLOSED], Outcome.RECALLED),
]
REASONS = {
    Stage.PLAN: stored_phrase("Contact plan fixed from DPD and amount."),
    Stage.CONTACT: stored_phrase("First contact made."),
    Stage.NEGOTIATE: stored_phrase("Cardholder willing to discuss repayment."),
    Stage.FOLLOW_UP: stored_phrase("Promise to pay recorded."),
    Stage.LEGAL: stored_phrase("No response after field visit; pre-litigation review."),
    Stage.CLOSED: stored_phrase("Closed."),
}
CENT = Decimal("0.01")


@dataclass
class SeedSummary:
    users_created: list[str] = field(default_factory=list)
    cases_created: int = 0
    cases_existing: int = 0


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_DOWN)


def _seed_users(summary: SeedSummary):
    teams = [team_create(name=name, region=region) for name, region in TEAMS]
    users = {}
    User = get_user_model()
    for username, role, team_index, last, first in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = staff_create(username=username, role=role, password=DEMO_PASSWORD,
                                team=teams[team_index] if team_index is not None else None,
                                first_name=first, last_name=last, validate=False)
            summary.users_created.append(username)
        users[username] = user
    number = 0
    for team, regions in zip(teams, FIELD_REGIONS, strict=True):
        for region in regions:
            for _ in range(FIELD_AGENTS_PER_REGION):
                number += 1
                username = "field" if number == 1 else f"field{number}"
                user = User.objects.filter(username=username).first()
                if user is None:
                    last, first = FIELD_AGENT_NAMES[(number - 1) % len(FIELD_AGENT_NAMES)]
                    user = staff_create(username=username, role=Role.FIELD_AGENT, password=DEMO_PASSWORD, team=team,
                                        region=region, first_name=first, last_name=last, validate=False)
                    summary.users_created.append(username)
                users[username] = user
    supervisor = users["supervisor"]
    for team in teams:
        if team.supervisor_id is None:
            team.supervisor = supervisor
            team.save(update_fields=["supervisor"])
    if not StaffProfile.objects.filter(user=supervisor, team=teams[0]).exists():
        raise RuntimeError("demo supervisor profile is missing its team")
    return teams, users


def _dpd_for(index: int) -> int:
    delinquent = [r for r in BUCKET_RANGES if r[0] != Bucket.CURRENT]
    _bucket, first, last = delinquent[index % len(delinquent)]
    span = (last or first + 240) - first
    return first + (index * 7) % (span + 1)


def _seed_case(index: int, fake: Faker, teams, users, now: dt.datetime) -> bool:
    account_number = f"62220200{index:08d}"
    if Account.objects.filter(account_number=account_number).exists():
        return False
    fake.seed_instance(index)
    team_index = index % len(teams)
    regions = FIELD_REGIONS[team_index]
    province = regions[(index // len(teams)) % len(regions)]
    # Now and then the core system reports a cardholder with no way to reach them: the case waits in confirm,
    # on the supervisors' exceptions list.
    unreachable = index % 48 == 24
    customer, created = Customer.objects.get_or_create(
        external_id=f"CUST{index:08d}",
        defaults={
            "name": fake.name(), "national_id": fake.ssn(), "phone": "" if unreachable else fake.phone_number(),
            "email": fake.email() if index % 3 and not unreachable else "",
            "address": "" if unreachable else fake.address().split(" ")[0],
            "region": province, "timezone": "Asia/Shanghai",
            "language": "zh-hans" if index % 5 else "en",
        },
    )
    if created and index % 3 == 0:
        _seed_contact_points(customer, fake, index)
    # Some accounts come with the core system's own plan terms, so agreements show both kinds of text.
    plan_terms = {"plan_interest_rate": Decimal("7.3"), "repayment_reference": f"RP{index:010d}"} \
        if index % 4 == 1 else {}
    account = Account.objects.create(
        account_number=account_number, customer=customer, product=["白金卡", "金卡", "普卡"][index % 3],
        currency="CNY", credit_limit=Decimal(fake.random_element([20000, 50000, 80000, 150000])), **plan_terms,
    )
    dpd = _dpd_for(index)
    today = now.astimezone(SHANGHAI).date()
    overdue_since = today - dt.timedelta(days=dpd)
    large = index % 6 == 0
    principal = _money(fake.pyfloat(min_value=52000 if large else 800, max_value=120000 if large else 45000))
    amounts = {
        "principal_overdue": principal,
        "interest_overdue": (principal * Decimal("0.0005") * dpd).quantize(CENT, rounding=ROUND_DOWN),
        "fees_overdue": Decimal("50.00") if dpd > 30 else Decimal("0.00"),
        "penalty_overdue": (principal * Decimal("0.05")).quantize(CENT, rounding=ROUND_DOWN),
    }
    team = teams[team_index]
    agent = users["agent"] if team == teams[0] else users["agent2"]
    opened = min(now, dt.datetime.combine(overdue_since + dt.timedelta(days=1), dt.time(9), SHANGHAI))
    case = case_open(account=account, overdue_since=overdue_since, amounts=amounts, actor=SYSTEM,
                     reason=stored_phrase("Reported delinquent by the core system."), team=team,
                     agent=agent if index % 4 else None, priority=index % 3, at=opened)
    path, outcome = TARGETS[index % len(TARGETS)]
    step_hours = max(1, min(24, dpd * 24 // (len(path) + 1)))
    at = opened
    for stage in path:
        at = min(now, at + dt.timedelta(hours=step_hours))
        actor = SYSTEM if stage in (Stage.PLAN, Stage.CONTACT) or outcome == Outcome.RECALLED else agent
        case_transition(case=case, to=stage, actor=actor, reason=REASONS[stage],
                        outcome=outcome if stage == Stage.CLOSED else None, at=at)
        if stage == Stage.FOLLOW_UP:
            payment_record(account=account, transaction_id=f"DEMO-{index:08d}-1",
                           amount=(case.total_overdue_value() / 4).quantize(CENT, rounding=ROUND_DOWN),
                           currency="CNY", paid_at=at)
    if outcome == Outcome.CURED:
        payment_record(account=account, transaction_id=f"DEMO-{index:08d}-F", amount=case.total_overdue_value(),
                       currency="CNY", paid_at=at)
    return True


def _seed_contact_points(customer: Customer, fake: Faker, index: int) -> None:
    """The core system's contact points for some cardholders: an emergency contact, an employer and, now and
    then, a guarantor, so that the third-party rule has someone to apply to."""
    points = [ContactPoint(customer=customer, kind=ContactPointKind.EMERGENCY, name=fake.name(),
                           relationship=["配偶", "父亲", "姐姐", "朋友"][index % 4], phone=fake.phone_number()),
              ContactPoint(customer=customer, kind=ContactPointKind.EMPLOYER, name=fake.company(),
                           relationship="工作单位", phone=fake.phone_number(), address=fake.address())]
    if index % 9 == 0:
        points.append(ContactPoint(customer=customer, kind=ContactPointKind.GUARANTOR, name=fake.name(),
                                   relationship="担保人", phone=fake.phone_number()))
    for point in points:
        point.save()


def demo_seed(*, cases: int = 240, now: dt.datetime | None = None) -> SeedSummary:
    """Create the demo teams, users and `cases` cases, skipping whatever already exists."""
    now = now or timezone.now()
    summary = SeedSummary()
    fake = Faker("zh_CN")
    with transaction.atomic():
        teams, users = _seed_users(summary)
    for index in range(1, cases + 1):
        with transaction.atomic():
            if _seed_case(index, fake, teams, users, now):
                summary.cases_created += 1
            else:
                summary.cases_existing += 1
    _seed_visit_requests(users["agent"], teams[0], now)
    with transaction.atomic():
        _seed_holds(users, teams[0], now)
    with transaction.atomic():
        _seed_us_cardholder(users, teams[0], now)
    with transaction.atomic():
        _seed_litigation(users, now)
    with transaction.atomic():
        _seed_agency(summary, users, teams[0], now)
    with transaction.atomic():
        _seed_offers(users, now)
    # The confirm checks, as the escalation pass runs them on the cases it has not placed yet.
    cases_confirm_check(case_ids=Case.objects.filter(stage=Stage.CONFIRM).values_list("pk", flat=True), at=now)
    return summary


def _offer(code: str, **terms) -> dict:
    return {"code": code, "kind": "instalments", "dpd_from": 1, "dpd_to": 90, "currency": "CNY",
            "amount_from": Decimal("0.00"), "amount_to": Decimal("50000.00"), "months": 6,
            "waive_charges_percent": Decimal("0"), "pay_percent": None, "pay_within_days": None, "deferral_days": 0,
            **terms}


def _seed_offers(users, now: dt.datetime) -> None:
    """The plans a cardholder may choose on their own page, as the manager published them: 6 or 12 monthly
    payments (half the charges waived on 12) for the first three months late, or 70 % within 30 days and
    the rest waived from the second month on."""
    from escalation.models import Policy
    from escalation.policy import policies_in_force, policy_definition, policy_version_publish

    current = policies_in_force(as_of=now).champion
    if current.offers.exists():
        return
    definition = policy_definition(version=current)
    definition["offers"] = [
        _offer("M1-M3-6"),
        _offer("M1-M3-12", months=12, waive_charges_percent=Decimal("50")),
        _offer("M2-M6-70", kind="settlement", dpd_from=31, dpd_to=180, months=None, pay_percent=Decimal("70"),
               pay_within_days=30),
    ]
    policy_version_publish(policy=Policy.objects.get(pk=current.policy_id), effective_from=now,
                           definition=definition, actor=users["manager"], note="自助还款方案")


COURTS = [("上海市浦东新区人民法院", "(2026)沪0115民初{n}号"), ("广州市天河区人民法院", "(2026)粤0106民初{n}号")]


def _seed_litigation(users, now: dt.datetime) -> None:
    """The litigation records of the demo cases in legal, as the review would have opened them, and their
    progress: one still to file, one filed with its next hearing set, one judged and in enforcement."""
    from litigation.models import LitigationRecord, MilestoneKind
    from litigation.services import litigation_open, litigation_record_update, milestone_record

    today = now.astimezone(SHANGHAI).date()
    cases = Case.objects.filter(stage=Stage.LEGAL).exclude(litigation_records__isnull=False).order_by("pk")
    for number, case in enumerate(cases):
        if LitigationRecord.objects.filter(case=case).exists():
            continue
        record = litigation_open(case=case, actor=users["supervisor"], at=min(case.stage_changed_at, now))
        if number % 3 == 0:
            continue
        court, case_number = COURTS[number % len(COURTS)]
        litigation_record_update(record=record, actor=users["legal"], counsel_kind="law_firm",
                                 counsel_name="金诚律师事务所", court=court,
                                 court_case_number=case_number.format(n=10200 + case.pk),
                                 claim_amount=case.total_overdue, costs_incurred=Decimal("3500.00"))
        legal = users["legal"]
        opened = record.opened_at.astimezone(SHANGHAI).date()

        def since(days: int, opened=opened) -> dt.date:
            return max(opened, today - dt.timedelta(days=days))
        milestone_record(record=record, actor=legal, kind=MilestoneKind.FILED, on=since(40), note="立案受理。", at=now)
        if number % 3 == 1:
            milestone_record(record=record, actor=legal, kind=MilestoneKind.HEARING,
                             on=today + dt.timedelta(days=7 + number), note="首次开庭。", at=now)
            continue
        milestone_record(record=record, actor=legal, kind=MilestoneKind.HEARING, on=since(20), at=now)
        milestone_record(record=record, actor=legal, kind=MilestoneKind.JUDGMENT, on=since(10),
                         amount=case.total_overdue, note="判决支持全部诉讼请求。", at=now)
        milestone_record(record=record, actor=legal, kind=MilestoneKind.ENFORCEMENT_APPLIED, on=since(2), at=now)


DEMO_AGENCY = "安信催收有限公司"
AGENCY_USERS = [("agency-agent", Role.AGENCY_AGENT, "黄", "海"), ("agency-manager", Role.AGENCY_MANAGER, "林", "红")]
DEMO_PLACEMENTS = 8


def _seed_agency(summary: SeedSummary, users, team, now: dt.datetime) -> None:
    """An approved agency with its two logins, and a few late-stage cases of the first team placed with it."""
    from agencies.models import Placement
    from agencies.services import agency_create, placements_create
    from staff.models import Agency
    from visits.models import Visit

    agency = Agency.objects.filter(name=DEMO_AGENCY).first() or agency_create(
        name=DEMO_AGENCY, licence="沪金催字 2026-018", actor=SYSTEM, regions=["上海市", "江苏省", "浙江省"],
        commission_percent=Decimal("12.5"), capacity=200, commission_by_bucket={"M5": "15", "M6": "18", "M7+": "20"},
        contract_start=(now - dt.timedelta(days=200)).date(), contract_end=(now + dt.timedelta(days=500)).date(),
        contacts="林女士 021-5555-0188")
    User = get_user_model()
    for username, role, last, first in AGENCY_USERS:
        if not User.objects.filter(username=username).exists():
            users[username] = staff_create(username=username, role=role, password=DEMO_PASSWORD, agency=agency,
                                           first_name=first, last_name=last, validate=False)
            summary.users_created.append(username)
    if Placement.objects.filter(agency=agency).exists():
        return
    late = [case.pk for case in Case.objects
            .filter(assigned_team=team, stage=Stage.CONTACT)
            # The demo's visit requests stay with the in-house desk.
            .exclude(pk__in=Visit.objects.values("case_id"))
            .order_by("overdue_since", "pk")[:DEMO_PLACEMENTS]]
    if late:
        placements_create(case_ids=late, agency=agency, actor=users["supervisor"], reason="晚期案件，行内多次联系未果",
                          at=now)


def _seed_us_cardholder(users, team, now: dt.datetime) -> None:
    """A cardholder in New York, under the US profile: the case page shows the validation notice that
    will be the first email or letter, and the cardholder asked not to be called before 18:00."""
    from cases.models import PreferenceKind, PreferenceSource
    from cases.preferences import preference_state

    if Account.objects.filter(account_number="4111000000000001").exists():
        return
    customer = Customer.objects.create(
        external_id="CUSTUS000001", name="Jane Doe", national_id="123-45-6789", phone="+12125550100",
        email="jane.doe@example.com", address="350 Fifth Avenue, New York, NY 10118", region="New York",
        timezone="America/New_York", language="en")
    account = Account.objects.create(account_number="4111000000000001", customer=customer, product="Platinum",
                                     currency="USD", credit_limit=Decimal("5000.00"))
    overdue_since = now.astimezone(ZoneInfo("America/New_York")).date() - dt.timedelta(days=12)
    case_open(account=account, overdue_since=overdue_since, actor=SYSTEM, team=team, agent=users["agent"],
              amounts={"principal_overdue": Decimal("1250.00"), "interest_overdue": Decimal("18.40"),
                       "fees_overdue": Decimal("35.00"), "penalty_overdue": Decimal("0.00")},
              reason=stored_phrase("Reported delinquent by the core system."), at=now - dt.timedelta(days=11))
    preference_state(customer=customer, kind=PreferenceKind.WINDOW, value={"from": "18:00", "until": "20:30"},
                     source=PreferenceSource.CARDHOLDER_PHONE, actor=users["agent"], stated_at=now)


def _seed_holds(users, team, now: dt.datetime) -> None:
    """A hardship hold ending in a few days (requested by the agent, approved by the supervisor) and a
    deceased case in the supervisors' specialist queue; once each, whatever became of them since."""
    from cases.holds import case_hold_place, hold_request_approve, hold_request_create
    from cases.lifecycle import HardshipCause, HoldKind
    from cases.models import CaseHold
    from visits.models import Visit

    # The agent's cases without a hold or a visit: a hold would withdraw the demo's visit requests.
    free = (Case.objects.filter(assigned_team=team, assigned_agent=users["agent"], stage=Stage.CONTACT,
                                holds__isnull=True, hold_requests__isnull=True)
            .exclude(pk__in=Visit.objects.values("case_id")).order_by("pk"))
    if not CaseHold.objects.filter(kind=HoldKind.HARDSHIP).exists() and (case := free.first()) is not None:
        until = now.astimezone(SHANGHAI).date() + dt.timedelta(days=4)
        request = hold_request_create(
            case=case, kind=HoldKind.HARDSHIP, cause=HardshipCause.MEDICAL, actor=users["agent"], until=until,
            evidence_reference="出院小结 RJH-2026-0412", at=now,
            reason=stored_phrase("In hospital after an operation; asked for time before paying."))
        hold_request_approve(request=request, actor=users["supervisor"], note="已核对出院小结。", at=now)
    if not CaseHold.objects.filter(kind=HoldKind.DECEASED).exists() and (case := free.first()) is not None:
        # Recorded over two weeks ago, so the policy's letter to the estate is due when the demo starts.
        case_hold_place(case=case, kind=HoldKind.DECEASED, actor=users["agent"], at=now - dt.timedelta(days=16),
                        evidence_reference="死亡证明 2026-SH-88107",
                        reason=stored_phrase("The cardholder's son reported the death and sent the certificate."))


def _seed_visit_requests(agent, team, now: dt.datetime, count: int = 3) -> None:
    """A few field-visit requests for the supervisor to assign; only while there are no visits yet."""
    from visits.models import Visit
    from visits.services import visit_request

    if Visit.objects.exists():
        return
    cases = (Case.objects.select_related("account__customer").filter(assigned_team=team, stage=Stage.CONTACT)
             .exclude(account__customer__address="").order_by("pk")[:count])
    for case in cases:
        visit_request(case=case, actor=agent, reason=stored_phrase("Three calls unanswered in a week."), at=now)
