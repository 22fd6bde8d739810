"""Promises to pay and repayment plans: what a cardholder agreed to pay, and whether they did."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from staff.models import Role

MONEY = {"max_digits": 14, "decimal_places": 2}


class PromiseChannel(models.TextChoices):
    CALL = "call", _("Phone call")
    VISIT = "visit", _("Field visit")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    ONLINE = "online", _("The cardholder's own page")


class PromiseStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    KEPT = "kept", _("Kept")
    PARTIALLY_KEPT = "partially_kept", _("Partially kept")
    BROKEN = "broken", _("Broken")
    # The case closed another way (recalled, written off, cured or settled without this promise's money)
    # while the promise was pending: it is neither kept nor broken (repayment_plans.closing).
    CANCELLED = "cancelled", _("Cancelled")


class Promise(models.Model):
    """A cardholder's promise to pay `amount` by `due_date`, taken by a member of staff on `channel`.

    Pending until evaluated; then kept, partially kept or broken, once (a compare-and-swap on status).
    """

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT,
                             related_name="promises")
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    due_date = models.DateField(_("promised date"))
    channel = models.CharField(_("channel"), max_length=10, choices=PromiseChannel.choices)
    status = models.CharField(_("status"), max_length=20, choices=PromiseStatus.choices,
                              default=PromiseStatus.PENDING)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    taken_by_label = models.CharField(max_length=150)
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    # A promise made on a phone call names the call's recording in the telephony system (Art. 70, oral
    # agreements); required when RECORDINGS_REQUIRED_FOR_AGREEMENTS is on.
    recording_ref = models.CharField(_("recording id"), max_length=200, blank=True, db_default="")
    recording_sha256 = models.CharField(_("recording SHA-256"), max_length=64, blank=True, db_default="")
    paid_amount = models.DecimalField(_("paid towards it"), default=Decimal("0"), **MONEY)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=PromiseStatus.values), name="promise_status_valid"),
            # One promise in force per case: a new one needs the old one evaluated first.
            models.UniqueConstraint(fields=["case"], condition=Q(status="pending"), name="promise_one_pending"),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="promise_status_due_idx")]

    def __str__(self):
        return f"{self.amount} {self.currency} by {self.due_date} ({self.status})"


# The 2011 card measures (Art. 70): a personalised plan runs at most five years. The service checks it and the
# database holds every plan to it, whatever the authority rows say.
PLAN_MAX_MONTHS = 60


def months_interval(months) -> Func:
    """`months` (an expression) as a PostgreSQL interval; a date plus it keeps the day, or the month's last."""
    return Func(Value(0), months, function="make_interval", output_field=models.DurationField())


class PlanKind(models.TextChoices):
    INSTALMENTS = "instalments", _("Instalments")
    DEFERRAL = "deferral", _("Deferral")
    SETTLEMENT = "settlement", _("Settlement")


class PlanStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
    REJECTED = "rejected", _("Rejected")
    APPROVED = "approved", _("Approved, awaiting the cardholder's acceptance")
    ACTIVE = "active", _("Active")
    BROKEN = "broken", _("Broken")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# Plans in progress: at most one per case.
PLAN_IN_PROGRESS = (PlanStatus.PENDING_APPROVAL, PlanStatus.APPROVED, PlanStatus.ACTIVE)
# Agreed and not over: its instalments are what the cardholder has undertaken to pay.
PLAN_IN_FORCE = (PlanStatus.APPROVED, PlanStatus.ACTIVE)

# status -> the statuses a plan may move to; repayment_plans.plans is the only writer.
PLAN_TRANSITIONS: dict[str, frozenset[str]] = {
    PlanStatus.PENDING_APPROVAL: frozenset({PlanStatus.APPROVED, PlanStatus.REJECTED, PlanStatus.CANCELLED}),
    PlanStatus.APPROVED: frozenset({PlanStatus.ACTIVE, PlanStatus.CANCELLED}),
    PlanStatus.ACTIVE: frozenset({PlanStatus.BROKEN, PlanStatus.COMPLETED}),
    PlanStatus.REJECTED: frozenset(),
    PlanStatus.BROKEN: frozenset(),
    # A payment that completed the plan was reversed (it bounced): the plan is tracked again.
    PlanStatus.COMPLETED: frozenset({PlanStatus.ACTIVE}),
    PlanStatus.CANCELLED: frozenset(),
}


class ApprovalKind(models.TextChoices):
    """How a plan was approved. Only the last two are a second person's check (maker-checker)."""

    # The proposer's own authority covered the plan: it names the proposer and is nobody else's approval.
    WITHIN_OWN_AUTHORITY = "within_own_authority", _("Within own authority")
    SECOND_PERSON = "second_person", _("Approved by a second person")
    # Self-service (a later capability): terms a manager approved as an offer before the cardholder took it
    # up. The manager's approval of the offer is the second person's check, and decided_by names the manager.
    PRE_APPROVED_OFFER = "pre_approved_offer", _("Offer pre-approved by a manager")


# Approvals that count as a second person's check, for every count and report of maker-checker.
SECOND_PERSON_APPROVALS = (ApprovalKind.SECOND_PERSON, ApprovalKind.PRE_APPROVED_OFFER)


class PlanBasis(models.TextChoices):
    """Why the cardholder needs a plan. Art. 70 allows a personalised plan when the debt is beyond the
    cardholder's ability to pay and the cardholder is still willing to pay."""

    BEYOND_ABILITY_WILLING = "beyond_ability_willing", _("Beyond the cardholder's ability, with willingness to pay")
    WITHIN_ABILITY = "within_ability", _("Within the cardholder's ability: the payments are rearranged")


class IncomeSource(models.TextChoices):
    SALARY = "salary", _("Salary")
    BUSINESS = "business", _("Self-employment or business")
    PENSION = "pension", _("Pension")
    BENEFITS = "benefits", _("Benefits")
    FAMILY = "family", _("Family support")
    OTHER = "other", _("Other income")


class AuthorityLimit(models.Model):
    """How far a role may go without someone above approving. Shipped with DOMAIN defaults, edited in the admin."""

    role = models.CharField(_("role"), max_length=20, unique=True)
    max_months = models.PositiveSmallIntegerField(
        _("instalments up to (months)"), validators=[MaxValueValidator(PLAN_MAX_MONTHS)],
        help_text=_("At most 60 months: no plan runs longer (Art. 70 of the 2011 card measures)."))
    max_charges_waiver_percent = models.DecimalField(_("interest, fee and penalty waiver up to (%)"),
                                                     max_digits=5, decimal_places=2)
    max_principal_waiver_percent = models.DecimalField(_("principal waiver up to (%)"), max_digits=5,
                                                       decimal_places=2)
    # Writing off a case's whole balance: up to this amount in the bank's currency (COLLECTIONS_DEFAULT_CURRENCY),
    # and in another currency up to max_write_off_by_currency[code] (a decimal string). A currency given no
    # amount is beyond the role's authority.
    max_write_off = models.DecimalField(_("write-off up to (bank currency)"), default=Decimal("0"), **MONEY)
    max_write_off_by_currency = models.JSONField(
        _("write-off up to, other currencies"), default=dict, blank=True,
        help_text=_('By currency code, e.g. {"USD": "3000.00"}. A currency not listed may not be written off '
                    "under this role's authority."))

    class Meta:
        verbose_name = _("authority limit")
        verbose_name_plural = _("authority limits")
        constraints = [
            models.CheckConstraint(condition=Q(max_charges_waiver_percent__gte=0, max_charges_waiver_percent__lte=100,
                                               max_principal_waiver_percent__gte=0,
                                               max_principal_waiver_percent__lte=100),
                                   name="authority_percent_range"),
            models.CheckConstraint(condition=Q(max_months__lte=PLAN_MAX_MONTHS),
                                   name="authority_months_within_law",
                                   violation_error_message=_("Instalments go up to 60 months at most (Art. 70).")),
            models.CheckConstraint(condition=Q(max_write_off__gte=0), name="authority_write_off_not_negative",
                                   violation_error_message=_("A write-off limit cannot be negative.")),
        ]

    def __str__(self):
        return self.role

    def clean(self):
        from repayment_plans.authority import write_off_limits_check

        self.max_write_off_by_currency = write_off_limits_check(self.max_write_off_by_currency)


class AcceptanceMethod(models.TextChoices):
    SMS_CODE = "sms_code", _("One-time code by SMS")
    SIGNED_COPY = "signed_copy", _("Uploaded signed copy")
    # Chosen from the pre-approved offers on the cardholder's own page and accepted there with an SMS code.
    SELF_SERVICE = "self_service", _("On the cardholder's own page, with a code by SMS")


class ExpenseHead(models.TextChoices):
    """The heads of spending a cardholder states on their own page (IncomeStatement.expenses)."""

    HOUSING = "housing", _("Rent or mortgage")
    LIVING = "living", _("Food and household")
    TRANSPORT = "transport", _("Transport")
    CHILDREN = "children", _("Children and care")
    DEBTS = "debts", _("Payments on other debts")
    OTHER = "other", _("Other spending")


class RepaymentPlan(models.Model):
    """A proposed way out for a case: what is waived, what remains and when it is paid.

    The amounts owed are copied from the case at proposal, so the agreement says what was agreed even
    after the case's figures move. Status changes only through repayment_plans.plans, guarded by
    PLAN_TRANSITIONS, and each writes a PlanDecision row.
    """

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="plans")
    kind = models.CharField(_("type"), max_length=20, choices=PlanKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=PlanStatus.choices)
    currency = models.CharField(_("currency"), max_length=3)
    owed_principal = models.DecimalField(_("principal owed"), **MONEY)
    owed_interest = models.DecimalField(_("interest owed"), **MONEY)
    owed_fees = models.DecimalField(_("fees owed"), **MONEY)
    owed_penalty = models.DecimalField(_("penalty owed"), **MONEY)
    waive_principal_percent = models.DecimalField(_("principal waived (%)"), max_digits=5, decimal_places=2,
                                                  default=Decimal("0"))
    waive_interest_percent = models.DecimalField(_("interest waived (%)"), max_digits=5, decimal_places=2,
                                                 default=Decimal("0"))
    waive_fees_percent = models.DecimalField(_("fees waived (%)"), max_digits=5, decimal_places=2,
                                             default=Decimal("0"))
    waive_penalty_percent = models.DecimalField(_("penalty waived (%)"), max_digits=5, decimal_places=2,
                                                default=Decimal("0"))
    waived_amount = models.DecimalField(_("waived"), **MONEY)
    total = models.DecimalField(_("to pay"), **MONEY)
    instalment_count = models.PositiveSmallIntegerField(_("number of payments"))
    first_due_date = models.DateField(_("first payment due"))
    months = models.PositiveSmallIntegerField(_("length (months)"))
    # The annual rate (%) at which interest and fees accrue while the plan is kept, fixed at proposal from
    # the account's snapshot or the bank's default, so the agreement keeps saying what was agreed.
    interest_rate = models.DecimalField(_("interest and fee rate during the plan (percent a year)"), max_digits=7,
                                        decimal_places=4, null=True, blank=True)
    required_role = models.CharField(_("approval needed from"), max_length=20, blank=True)
    # Whether the proposer's own authority covered the plan when proposed; under four eyes such a plan
    # still waits for a second person.
    within_proposer_authority = models.BooleanField(_("within the proposer's authority"), default=False)
    basis = models.CharField(_("why a plan"), max_length=30, choices=PlanBasis.choices, blank=True)
    terms = models.TextField(_("terms"), blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    proposed_by_label = models.CharField(max_length=150)
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    # The proposal's day in the cardholder's time zone: a plan's months count from it.
    proposed_on = models.DateField(_("proposed on"), default=timezone.localdate)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    approval_kind = models.CharField(_("approved"), max_length=30, choices=ApprovalKind.choices, blank=True)
    acceptance_code_hash = models.CharField(max_length=128, blank=True)
    acceptance_code_expires_at = models.DateTimeField(null=True, blank=True)
    acceptance_code_attempts = models.PositiveSmallIntegerField(default=0)
    accepted_via = models.CharField(_("accepted by"), max_length=20, choices=AcceptanceMethod.choices, blank=True)
    signed_copy = models.FileField(_("signed copy"), upload_to="agreements/%Y/%m/", blank=True)
    # The recording of the call in which the cardholder agreed the plan, when they agreed it on the phone
    # (the one-time code read out on the call); required then when RECORDINGS_REQUIRED_FOR_AGREEMENTS is on.
    recording_ref = models.CharField(_("recording id"), max_length=200, blank=True, db_default="")
    recording_sha256 = models.CharField(_("recording SHA-256"), max_length=64, blank=True, db_default="")
    activated_at = models.DateTimeField(_("active since"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    paid_amount = models.DecimalField(_("paid"), default=Decimal("0"), **MONEY)
    excess_amount = models.DecimalField(_("paid beyond the plan"), default=Decimal("0"), **MONEY)

    class Meta:
        verbose_name = _("repayment plan")
        verbose_name_plural = _("repayment plans")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PlanStatus.values), name="plan_status_valid"),
            models.CheckConstraint(condition=Q(total__gt=0, waived_amount__gte=0), name="plan_amounts_valid"),
            models.UniqueConstraint(fields=["case"], condition=Q(status__in=PLAN_IN_PROGRESS),
                                    name="plan_one_in_progress"),
            # Art. 70: from the proposal to the last payment (the first plus count - 1 months) is 60 months
            # at most, counted from the dates themselves, so no stored figure can hide a longer plan.
            models.CheckConstraint(
                condition=Q(months__lte=PLAN_MAX_MONTHS)
                & LessThanOrEqual(F("first_due_date") + months_interval(F("instalment_count") - 1),
                                  F("proposed_on") + months_interval(Value(PLAN_MAX_MONTHS))),
                name="plan_within_60_months"),
            # Maker-checker as the database sees it: an approval within the proposer's authority names the
            # proposer; a second person's approval names someone else.
            models.CheckConstraint(
                condition=~Q(approval_kind=ApprovalKind.WITHIN_OWN_AUTHORITY)
                | Q(decided_by__isnull=False, proposed_by__isnull=False, decided_by=F("proposed_by"))
                | Q(decided_by__isnull=True, proposed_by__isnull=True),
                name="plan_own_authority_names_the_proposer"),
            models.CheckConstraint(
                condition=~Q(approval_kind__in=SECOND_PERSON_APPROVALS)
                | (Q(decided_by__isnull=False) & (Q(proposed_by__isnull=True) | ~Q(decided_by=F("proposed_by")))),
                name="plan_second_person_is_not_the_proposer"),
        ]
        indexes = [models.Index(fields=["status"], name="plan_status_idx")]

    def __str__(self):
        return f"Plan #{self.pk} {self.get_kind_display()} {self.total} {self.currency} ({self.status})"

    @property
    def required_role_label(self) -> str:
        """The role whose approval the plan needs, in words."""
        return Role(self.required_role).label if self.required_role in Role.values else self.required_role

    @property
    def owed_total(self) -> Decimal:
        return self.owed_principal + self.owed_interest + self.owed_fees + self.owed_penalty

    @property
    def approved_by_second_person(self) -> bool:
        return self.approval_kind in SECOND_PERSON_APPROVALS

    @property
    def largest_instalment(self) -> Decimal | None:
        """The largest payment of the plan (the last carries the remainder of the division)."""
        amounts = [i.amount for i in self.instalments.all()]
        return max(amounts) if amounts else None


class IncomeStatement(models.Model):
    """The cardholder's income and expenditure, as told when a plan was proposed: what they can afford."""

    plan = models.OneToOneField(RepaymentPlan, on_delete=models.PROTECT, related_name="income_statement")
    monthly_income = models.DecimalField(_("monthly income"), **MONEY)
    income_sources = ArrayField(models.CharField(max_length=20, choices=IncomeSource.choices),
                                verbose_name=_("income sources"), default=list, blank=True)
    household_size = models.PositiveSmallIntegerField(_("household size"))
    essential_spending = models.DecimalField(_("essential spending a month"), **MONEY)
    other_debts = models.DecimalField(_("other debts' payments a month"), **MONEY)
    # Why the plan goes ahead when its instalment is more than the disposable income.
    shortfall_reason = models.TextField(_("why the instalment exceeds the disposable income"), blank=True)
    # Stated by the cardholder on their own page: spending by head (ExpenseHead, decimal strings), the people
    # who depend on them, and what they propose to pay a month. essential_spending and other_debts are the sums.
    expenses = models.JSONField(_("spending by head"), default=dict, blank=True)
    dependants = models.PositiveSmallIntegerField(_("dependants"), null=True, blank=True)
    proposed_monthly = models.DecimalField(_("proposed monthly payment"), null=True, blank=True, **MONEY)

    class Meta:
        verbose_name = _("income and expenditure statement")
        verbose_name_plural = _("income and expenditure statements")
        constraints = [
            models.CheckConstraint(condition=Q(monthly_income__gte=0, essential_spending__gte=0, other_debts__gte=0,
                                               household_size__gte=1),
                                   name="income_statement_figures_valid"),
        ]

    def __str__(self):
        return f"Income statement of plan #{self.plan_id}"

    @property
    def disposable_income(self) -> Decimal:
        return self.monthly_income - self.essential_spending - self.other_debts

    @property
    def expenses_display(self) -> list[tuple[str, str]]:
        """The spending by head, in the reader's language, in ExpenseHead's order."""
        return [(ExpenseHead(head).label, self.expenses[head]) for head in ExpenseHead.values if head in self.expenses]

    def get_income_sources_display(self) -> str:
        labels = dict(IncomeSource.choices)
        return ", ".join(str(labels.get(code, code)) for code in self.income_sources)


class Instalment(models.Model):
    plan = models.ForeignKey(RepaymentPlan, on_delete=models.PROTECT, related_name="instalments")
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due"))
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_amount = models.DecimalField(_("paid"), default=Decimal("0"), **MONEY)
    paid_at = models.DateTimeField(_("paid in full at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="instalment_unique_number"),
            models.CheckConstraint(condition=Q(amount__gt=0, paid_amount__gte=0), name="instalment_amounts_valid"),
        ]

    def __str__(self):
        return f"{self.number}: {self.amount} due {self.due_date}"


class PlanDecision(models.Model):
    """Why a plan's status changed, and who changed it: one row per change, never edited."""

    plan = models.ForeignKey(RepaymentPlan, on_delete=models.PROTECT, related_name="decisions")
    from_status = models.CharField(max_length=20, choices=PlanStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=PlanStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_label = models.CharField(max_length=150)
    # For an approval: within the proposer's own authority, or a second person's check.
    approval_kind = models.CharField(max_length=30, choices=ApprovalKind.choices, blank=True)
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("plan decision")
        verbose_name_plural = _("plan decisions")
        ordering = ["plan", "created_at", "id"]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"


class WriteOffStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
    APPROVED = "approved", _("Written off")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class WriteOff(models.Model):
    """Writing off the whole balance of a case: the proposal, its decision and the amounts by part.

    The amounts are the case's at proposal, and an approval holds only while they still are. Approved, the
    case closes as written off in the same transaction. One waits per case; a case reopened after a write-off
    may be written off again, so an approved one is not unique per case. Changed only through
    repayment_plans.write_offs.
    """

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT,
                             related_name="write_offs")
    status = models.CharField(_("status"), max_length=20, choices=WriteOffStatus.choices,
                              default=WriteOffStatus.PENDING_APPROVAL)
    currency = models.CharField(_("currency"), max_length=3)
    principal = models.DecimalField(_("principal"), **MONEY)
    interest = models.DecimalField(_("interest"), **MONEY)
    fees = models.DecimalField(_("fees"), **MONEY)
    penalty = models.DecimalField(_("penalty"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)
    reason = models.TextField(_("why write it off"))
    # The proposer's role and its write-off limit in the case's currency when proposed (null: none in it), so
    # the approval screen says which limit the amount exceeded.
    proposer_role = models.CharField(_("proposer's role"), max_length=20)
    proposer_limit = models.DecimalField(_("proposer's write-off limit"), null=True, blank=True, **MONEY)
    within_proposer_authority = models.BooleanField(_("within the proposer's authority"), default=False)
    required_role = models.CharField(_("approval needed from"), max_length=20, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    proposed_by_label = models.CharField(max_length=150)
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_by_label = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    approval_kind = models.CharField(_("approved"), max_length=30, choices=ApprovalKind.choices, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=WriteOffStatus.values), name="write_off_status_valid"),
            models.CheckConstraint(
                condition=Q(principal__gte=0, interest__gte=0, fees__gte=0, penalty__gte=0, total__gt=0)
                & Q(total=F("principal") + F("interest") + F("fees") + F("penalty")),
                name="write_off_amounts_add_up"),
            models.UniqueConstraint(fields=["case"], condition=Q(status="pending_approval"),
                                    name="write_off_one_pending"),
            models.CheckConstraint(condition=~Q(status="approved") | (~Q(approval_kind="")
                                                                     & Q(decided_at__isnull=False)),
                                   name="write_off_approval_recorded"),
            # Maker-checker as for plans: an approval within the proposer's authority names the proposer; a
            # second person's approval names someone else.
            models.CheckConstraint(
                condition=~Q(approval_kind=ApprovalKind.WITHIN_OWN_AUTHORITY)
                | Q(decided_by__isnull=False, proposed_by__isnull=False, decided_by=F("proposed_by"))
                | Q(decided_by__isnull=True, proposed_by__isnull=True),
                name="write_off_own_authority_names_the_proposer"),
            models.CheckConstraint(
                condition=~Q(approval_kind__in=SECOND_PERSON_APPROVALS)
                | (Q(decided_by__isnull=False) & (Q(proposed_by__isnull=True) | ~Q(decided_by=F("proposed_by")))),
                name="write_off_second_person_is_not_the_proposer"),
        ]
        indexes = [models.Index(fields=["status"], name="write_off_status_idx")]

    def __str__(self):
        return f"Write-off #{self.pk} {self.total} {self.currency} ({self.status})"

    @property
    def parts(self) -> dict[str, Decimal]:
        return {"principal": self.principal, "interest": self.interest, "fees": self.fees, "penalty": self.penalty}

    @property
    def required_role_label(self) -> str:
        return Role(self.required_role).label if self.required_role in Role.values else self.required_role

    @property
    def proposer_role_label(self) -> str:
        return Role(self.proposer_role).label if self.proposer_role in Role.values else self.proposer_role
