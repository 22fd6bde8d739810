import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import validate_email
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Right
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.delinquency import bucket_for_dpd, days_past_due
from cases.lifecycle import (
    APPROVED_HOLD_KINDS,
    DATED_HOLD_KINDS,
    HardshipCause,
    HoldKind,
    Outcome,
    Stage,
)
from core.crypto import EncryptedJSONField, EncryptedTextField, pii_hash
from core.masking import mask
from staff.models import Language, validate_timezone

MONEY = {"max_digits": 14, "decimal_places": 2}

# A case waiting in confirm because a check failed: what the exceptions list shows, and its index's condition.
CONFIRM_EXCEPTION = Q(stage=Stage.CONFIRM) & ~Q(confirm_exceptions=[])


class Customer(models.Model):
    """A cardholder, as the core system knows them."""

    external_id = models.CharField(_("core system id"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    # Personal data is encrypted at rest; the keyed hashes beside it serve exact lookups.
    national_id = EncryptedTextField(_("national id"))
    national_id_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone = EncryptedTextField(_("phone"))
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    other_phones = EncryptedJSONField(_("other phone numbers"), default=list, blank=True)
    email = EncryptedTextField(_("email"), blank=True, validators=[validate_email])
    address = EncryptedTextField(_("address"), blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai",
                                validators=[validate_timezone])
    language = models.CharField(_("preferred language"), max_length=10, choices=Language.choices,
                                default=Language.ZH_HANS)
    # Set when the cardholder's personal data was removed past retention (cases.retention); never cleared.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cardholder")
        verbose_name_plural = _("cardholders")
        # Plain btree indexes: every lookup is exact, so no second `LIKE` index is kept up to date on ingest.
        constraints = [models.UniqueConstraint(fields=["external_id"], name="customer_external_id_key")]
        indexes = [
            models.Index(fields=["national_id_hash"], name="customer_national_id_hash_idx"),
            models.Index(fields=["phone_hash"], name="customer_phone_hash_idx"),
            models.Index(fields=["region"], name="customer_region_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.external_id})"

    def save(self, *args, **kwargs):
        # The lookup hashes follow the values they stand for, whoever saves the row.
        self.national_id_hash, self.phone_hash = pii_hash(self.national_id), pii_hash(self.phone)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "national_id_hash", "phone_hash"}
        super().save(*args, **kwargs)


class Account(models.Model):
    """A credit-card account. The core system owns its balances; we keep what collections needs."""

    account_number = models.CharField(_("card number"), max_length=32)
    customer = models.ForeignKey(Customer, verbose_name=_("cardholder"), on_delete=models.PROTECT,
                                 related_name="accounts")
    product = models.CharField(_("product"), max_length=100, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    credit_limit = models.DecimalField(_("credit limit"), null=True, blank=True, **MONEY)
    # What a repayment plan's agreement states, when the core system sends it (settings supply the rest):
    # the annual rate at which interest and fees accrue while a plan is kept, and the reference the
    # cardholder quotes with a repayment.
    plan_interest_rate = models.DecimalField(_("interest and fee rate during a plan (percent a year)"), max_digits=7,
                                             decimal_places=4, null=True, blank=True)
    repayment_reference = models.CharField(_("repayment reference"), max_length=64, blank=True)
    # The `as_of` of the last core-system snapshot applied; older snapshots are stale.
    snapshot_as_of = models.DateTimeField(_("last snapshot as of"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(fields=["account_number"], name="account_number_key"),
            models.CheckConstraint(condition=Q(credit_limit__gte=0) | Q(credit_limit__isnull=True),
                                   name="account_credit_limit_not_negative"),
            models.CheckConstraint(condition=Q(plan_interest_rate__gte=0, plan_interest_rate__lte=100)
                                   | Q(plan_interest_rate__isnull=True), name="account_plan_interest_rate_range"),
        ]
        # A cardholder calling in reads out the card's last four digits (cases.search).
        indexes = [models.Index(Right("account_number", 4), name="account_last_four_idx")]

    def __str__(self):
        # Masked: a card number printed anywhere (the admin's titles, a log line) must not leak in full.
        return mask(self.account_number)


class Case(models.Model):
    """One collections episode of an account, from the core system's report to its outcome.

    The stage and outcome are written only by `cases.services.case_transition`.
    """

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT,
                                related_name="cases")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.CONFIRM)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    principal_overdue = models.DecimalField(_("principal overdue"), default=Decimal("0"), **MONEY)
    interest_overdue = models.DecimalField(_("interest overdue"), default=Decimal("0"), **MONEY)
    fees_overdue = models.DecimalField(_("fees overdue"), default=Decimal("0"), **MONEY)
    penalty_overdue = models.DecimalField(_("penalty overdue"), default=Decimal("0"), **MONEY)
    total_overdue = models.GeneratedField(
        expression=F("principal_overdue") + F("interest_overdue") + F("fees_overdue") + F("penalty_overdue"),
        output_field=models.DecimalField(max_digits=16, decimal_places=2),
        db_persist=True,
        verbose_name=_("total overdue"),
    )
    overdue_since = models.DateField(_("overdue since"))
    # Both indexed by case_team_stage_idx and case_agent_stage_idx, which lead with them.
    assigned_team = models.ForeignKey("staff.Team", verbose_name=_("team"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="cases", db_index=False)
    assigned_agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("agent"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="assigned_cases", db_index=False)
    priority = models.IntegerField(_("priority"), default=0)
    # While an agent works a case from their queue it is claimed, so nobody else is handed it.
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("claimed by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="claimed_cases")
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    stage_changed_at = models.DateTimeField(_("stage changed at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The confirm checks (cases.confirm) the case failed when last checked, as ConfirmCheck codes: empty when
    # it passed or was never checked. Written by the escalation pass; the exceptions list reads them.
    # Database defaults: bulk and raw inserts of new cases name only the columns they fill.
    confirm_exceptions = ArrayField(models.CharField(max_length=20), default=list, db_default=[], blank=True,
                                    verbose_name=_("confirm checks failed"))
    confirm_checked_at = models.DateTimeField(_("confirm checks run at"), null=True, blank=True)
    # A supervisor confirmed the amounts as reported (with a note, audited): the amounts check passes from then on.
    amounts_confirmed_at = models.DateTimeField(_("amounts confirmed at"), null=True, blank=True)
    amounts_confirmed_by_label = models.CharField(max_length=150, blank=True, db_default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["account"], condition=~Q(stage=Stage.CLOSED),
                                    name="case_one_open_per_account"),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="case_stage_valid"),
            models.CheckConstraint(
                condition=(Q(stage=Stage.CLOSED, outcome__in=Outcome.values, closed_at__isnull=False)
                           | (~Q(stage=Stage.CLOSED) & Q(outcome="", closed_at__isnull=True))),
                name="case_outcome_only_when_closed",
            ),
            models.CheckConstraint(condition=Q(principal_overdue__gte=0), name="case_principal_not_negative"),
            models.CheckConstraint(condition=Q(interest_overdue__gte=0), name="case_interest_not_negative"),
            models.CheckConstraint(condition=Q(fees_overdue__gte=0), name="case_fees_not_negative"),
            models.CheckConstraint(condition=Q(penalty_overdue__gte=0), name="case_penalty_not_negative"),
        ]
        indexes = [
            models.Index(fields=["stage", "overdue_since"], name="case_stage_overdue_idx"),
            models.Index(fields=["assigned_agent", "stage"], name="case_agent_stage_idx"),
            models.Index(fields=["assigned_team", "stage"], name="case_team_stage_idx"),
            # The exceptions list, oldest check first: a few rows of a million, so a small partial index.
            models.Index(fields=["confirm_checked_at", "id"], condition=CONFIRM_EXCEPTION,
                         name="case_confirm_exceptions_idx"),
        ]

    def __str__(self):
        return f"Case {self.pk} ({self.account_id})"

    @property
    def is_open(self) -> bool:
        return self.stage != Stage.CLOSED

    @property
    def timezone_name(self) -> str:
        return self.account.customer.timezone

    def total_overdue_value(self) -> Decimal:
        """The total from the in-memory parts; `total_overdue` is the database's copy, for queries."""
        return self.principal_overdue + self.interest_overdue + self.fees_overdue + self.penalty_overdue

    def dpd(self, as_of: dt.datetime | None = None) -> int:
        return days_past_due(self.overdue_since, as_of or timezone.now(), self.timezone_name)

    def bucket(self, as_of: dt.datetime | None = None) -> str:
        return bucket_for_dpd(self.dpd(as_of))


class StageHistory(models.Model):
    """One row per stage change, written in the same transaction as the change. Never edited."""

    # Indexed by stagehistory_case_time_idx, which leads with the case.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="history", db_index=False)
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_label = models.CharField(max_length=150)
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage history")
        indexes = [models.Index(fields=["case", "created_at"], name="stagehistory_case_time_idx")]
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.case_id}: {self.from_stage or '∅'} → {self.to_stage}"


# The extension on disk follows the type detected from the content (core.uploads), never the name sent.
EVIDENCE_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


def _evidence_path(instance, filename: str) -> str:
    # A random name: the file name may carry personal data (a death certificate's), and must not be guessable.
    suffix = EVIDENCE_EXTENSIONS.get(instance.evidence_content_type, "bin")
    return f"holds/{instance.case_id}/{uuid.uuid4().hex}.{suffix}"


# A hardship names its cause (medical, unemployment, disaster); no other hold has one.
HARDSHIP_HAS_CAUSE = (Q(kind=HoldKind.HARDSHIP, cause__in=HardshipCause.values)
                      | (~Q(kind=HoldKind.HARDSHIP) & Q(cause="")))


class HoldEvidence(models.Model):
    """What a hold rests on: an uploaded document, or a reference to where the bank keeps it (or both)."""

    evidence_file = models.FileField(_("evidence"), upload_to=_evidence_path, blank=True)
    evidence_content_type = models.CharField(max_length=100, blank=True)
    evidence_reference = models.CharField(_("evidence reference"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_file) or bool(self.evidence_reference)


class CaseHold(HoldEvidence):
    """A hold that stops automated contact while it is active (released_at is null).

    A hold with an end date (`until`, the last day it is in force in the cardholder's time zone) is
    released by the scheduled task `cases.release_ended_holds` the day after.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="holds")
    kind = models.CharField(_("hold"), max_length=20, choices=HoldKind.choices)
    cause = models.CharField(_("cause"), max_length=20, choices=HardshipCause.choices, blank=True)
    reason = models.TextField(_("reason"))
    until = models.DateField(_("until"), null=True, blank=True)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    placed_by_label = models.CharField(max_length=150)
    placed_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    released_by_label = models.CharField(max_length=150, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], condition=Q(released_at__isnull=True),
                                    name="casehold_one_active_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=HoldKind.values), name="casehold_kind_valid"),
            # Register holds end with their entry and deceased or bankruptcy never; hardship and breathing
            # space always end, and rest on evidence.
            models.CheckConstraint(condition=Q(until__isnull=True) | Q(kind__in=sorted(DATED_HOLD_KINDS)),
                                   name="casehold_until_only_for_dated_kinds"),
            models.CheckConstraint(
                condition=~Q(kind__in=sorted(APPROVED_HOLD_KINDS))
                | (Q(until__isnull=False) & (~Q(evidence_file="") | ~Q(evidence_reference=""))),
                name="casehold_approved_kinds_end_and_rest_on_evidence"),
            models.CheckConstraint(condition=HARDSHIP_HAS_CAUSE, name="casehold_cause_only_for_hardship"),
        ]
        indexes = [models.Index(fields=["until"], condition=Q(released_at__isnull=True, until__isnull=False),
                                name="casehold_active_until_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} on case {self.case_id}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None

    @property
    def label(self) -> str:
        """The kind, with the hardship's cause: "Hardship (medical)"."""
        if self.cause:
            return f"{self.get_kind_display()} ({self.get_cause_display()})"
        return str(self.get_kind_display())


class HoldRequest(HoldEvidence):
    """A hardship or breathing-space hold asked for by an agent, until a supervisor decides on it.

    A pending request does not stop contact: the hold, written on approval, does (see the README's
    holds section). The requester never decides their own request.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="hold_requests")
    kind = models.CharField(_("hold"), max_length=20, choices=HoldKind.choices)
    cause = models.CharField(_("cause"), max_length=20, choices=HardshipCause.choices, blank=True)
    reason = models.TextField(_("reason"))
    until = models.DateField(_("until"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    requested_by_label = models.CharField(max_length=150)
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_by_label = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)
    hold = models.OneToOneField(CaseHold, null=True, blank=True, on_delete=models.PROTECT, related_name="request")

    class Meta:
        verbose_name = _("hold request")
        verbose_name_plural = _("hold requests")
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], condition=Q(status="pending"),
                                    name="holdrequest_one_pending_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=sorted(APPROVED_HOLD_KINDS)), name="holdrequest_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=["pending", "approved", "refused"]),
                                   name="holdrequest_status_valid"),
            models.CheckConstraint(condition=~Q(evidence_file="") | ~Q(evidence_reference=""),
                                   name="holdrequest_rests_on_evidence"),
            models.CheckConstraint(condition=Q(status="approved", hold__isnull=False)
                                   | (~Q(status="approved") & Q(hold__isnull=True)),
                                   name="holdrequest_hold_when_approved"),
            models.CheckConstraint(condition=HARDSHIP_HAS_CAUSE, name="holdrequest_cause_only_for_hardship"),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="holdrequest_status_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} requested on case {self.case_id} ({self.status})"

    @property
    def label(self) -> str:
        if self.cause:
            return f"{self.get_kind_display()} ({self.get_cause_display()})"
        return str(self.get_kind_display())


class ContactPointKind(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    HOME = "home", _("Home")
    WORK = "work", _("Work")
    EMERGENCY = "emergency", _("Emergency contact")
    GUARANTOR = "guarantor", _("Guarantor")
    EMPLOYER = "employer", _("Employer")


# The cardholder's own numbers and addresses; the rest reach someone else (the third-party rule). A
# guarantor is liable under the guarantee, so is not a third party for it.
OWN_POINT_KINDS = frozenset({ContactPointKind.MOBILE, ContactPointKind.HOME, ContactPointKind.WORK})
THIRD_PARTY_POINT_KINDS = frozenset({ContactPointKind.EMERGENCY, ContactPointKind.EMPLOYER})


class ContactPointSource(models.TextChoices):
    CORE = "core", _("Core system")
    STAFF = "staff", _("Staff")
    CARDHOLDER = "cardholder", _("The cardholder")


class ContactPoint(models.Model):
    """A number or address through which a cardholder (or someone who can locate them) is reached.

    The core system's list is replaced by each account snapshot (its old points are retired, never
    deleted, since attempts name them); staff add points with their source and mark wrong ones. A point
    marked wrong is not offered or dialled again.
    """

    customer = models.ForeignKey(Customer, verbose_name=_("cardholder"), on_delete=models.PROTECT,
                                 related_name="contact_points")
    kind = models.CharField(_("kind"), max_length=12, choices=ContactPointKind.choices)
    name = EncryptedTextField(_("name"), blank=True)
    relationship = models.CharField(_("relationship"), max_length=60, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    address = EncryptedTextField(_("address"), blank=True)
    source = models.CharField(_("source"), max_length=12, choices=ContactPointSource.choices,
                              default=ContactPointSource.CORE)
    source_note = models.CharField(_("where it came from"), max_length=200, blank=True)
    added_by_label = models.CharField(max_length=150, blank=True)
    added_at = models.DateTimeField(default=timezone.now)
    # Replaced by a newer snapshot of the core system's list.
    retired_at = models.DateTimeField(null=True, blank=True)
    wrong_at = models.DateTimeField(_("reported wrong at"), null=True, blank=True)
    wrong_by_label = models.CharField(max_length=150, blank=True)
    wrong_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        constraints = [models.CheckConstraint(condition=Q(kind__in=ContactPointKind.values),
                                              name="contactpoint_kind_valid")]
        indexes = [
            models.Index(fields=["customer"], condition=Q(retired_at__isnull=True), name="contactpoint_current_idx"),
            models.Index(fields=["phone_hash"], name="contactpoint_phone_hash_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of cardholder {self.customer_id}"

    def save(self, *args, **kwargs):
        self.phone_hash = pii_hash(self.phone)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "phone_hash"}
        super().save(*args, **kwargs)

    @property
    def is_usable(self) -> bool:
        return self.retired_at is None and self.wrong_at is None

    @property
    def is_third_party(self) -> bool:
        return self.kind in THIRD_PARTY_POINT_KINDS



class PaymentQuerySet(models.QuerySet):
    def counted(self):
        """The money that stands: neither a reversal nor a payment that was reversed (bounced, returned)."""
        return self.filter(reverses__isnull=True, reversed_at__isnull=True)


class Payment(models.Model):
    """Money received on an account, reported by the core system. Unique by its transaction id.

    A reversal (a bounced or returned payment) is a row of its own, with its own transaction id, that
    `reverses` the payment; the payment then carries `reversed_at`. Neither counts as money received.
    A recovery is a payment received after the account's case was written off, recorded on that case.
    """

    transaction_id = models.CharField(_("transaction id"), max_length=64)
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT,
                                related_name="payments")
    # Indexed by payment_case_paid_idx, which leads with the case.
    case = models.ForeignKey(Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="payments", db_index=False)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    paid_at = models.DateTimeField(_("paid at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    reverses = models.OneToOneField("self", verbose_name=_("reverses"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversal")
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    # Database defaults too: the core system's bulk loaders and the benchmarks' baselines insert raw rows.
    recovery = models.BooleanField(_("recovered after write-off"), default=False, db_default=False)
    # What this payment paid off the case's parts ({"fees_overdue": "20.00", …}), so a reversal puts back
    # exactly that. Empty when the payment was already reflected in a snapshot and paid nothing here.
    allocation = models.JSONField(_("allocation"), default=dict, db_default=Value({}, output_field=models.JSONField()),
                                  blank=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(fields=["transaction_id"], name="payment_transaction_id_key"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["case", "paid_at"], name="payment_case_paid_idx")]

    def __str__(self):
        return f"{self.transaction_id}: {self.amount} {self.currency}"


class CaseNote(models.Model):
    """A free-text note on a case. Kept like every contact record: never edited, never hard-deleted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    author_label = models.CharField(max_length=150)
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        indexes = [models.Index(fields=["case", "created_at"], name="casenote_case_time_idx")]

    def __str__(self):
        return f"Note on case {self.case_id} by {self.author_label}"


class Referral(models.Model):
    """An agent asks the team's supervisor to look at a case: a decision above their authority, a
    difficult cardholder, a suspected fraud. Open until the supervisor records what they decided."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    team = models.ForeignKey("staff.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    raised_by_label = models.CharField(max_length=150)
    reason = models.TextField(_("reason"))
    raised_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    decision = models.TextField(_("decision"), blank=True)
    decided_by_label = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("referral to a supervisor")
        verbose_name_plural = _("referrals to a supervisor")
        indexes = [models.Index(fields=["team", "status"], name="referral_team_status_idx")]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(status="open"), name="referral_one_open_per_case"),
        ]

    def __str__(self):
        return f"Referral of case {self.case_id} ({self.status})"


class PreferenceKind(models.TextChoices):
    """What a cardholder's statement about being contacted is about. `target` names the channel or the
    number an opt-out applies to; the value says yes or no, a window or a language."""

    OPT_OUT_CHANNEL = "opt_out_channel", _("Opt-out of a channel")
    OPT_OUT_NUMBER = "opt_out_number", _("No calls to a number")
    OPT_OUT_WORK_CALLS = "opt_out_work_calls", _("No calls at work")
    WINDOW = "window", _("Preferred time window")
    LANGUAGE = "language", _("Preferred language")
    CONSENT_EMAIL = "consent_email", _("Consent to email")
    CONSENT_SMS = "consent_sms", _("Consent to SMS")


class PreferenceSource(models.TextChoices):
    CARDHOLDER_PHONE = "phone", _("The cardholder, by phone")
    LETTER = "letter", _("A letter from the cardholder")
    SELF_SERVICE = "self_service", _("Self-service")
    CORE = "core", _("Core system")
    SMS_REPLY = "sms_reply", _("A reply by SMS")


# The channels a cardholder may opt out of (contacts.models.Channel's values, which this app cannot import).
PREFERENCE_CHANNELS = (("sms", _("SMS")), ("email", _("Email")), ("call", _("Phone call")), ("letter", _("Letter")))


class ContactPreferenceStatement(models.Model):
    """One statement of how a cardholder wants (or does not want) to be contacted, with its source and date.

    Statements are never edited: the current preferences are, per kind and target, the most recent
    statement, whatever its source (`cases.preferences.customer_preferences`). The history stays.
    `value`: {"opted_out": bool} for opt-outs, {"consent": bool}, {"from": "HH:MM", "until": "HH:MM"} (or
    {} to clear) for the window, {"language": code} for the language.
    """

    id = models.BigAutoField(primary_key=True)
    customer = models.ForeignKey(Customer, verbose_name=_("cardholder"), on_delete=models.PROTECT,
                                 related_name="preference_statements", db_index=False)
    kind = models.CharField(_("preference"), max_length=20, choices=PreferenceKind.choices)
    # The channel for a channel opt-out, the number's keyed hash for a number opt-out, else empty.
    target = models.CharField(max_length=64, blank=True)
    value = models.JSONField(default=dict)
    source = models.CharField(_("source"), max_length=12, choices=PreferenceSource.choices)
    stated_at = models.DateTimeField(_("stated at"))
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_by_label = models.CharField(max_length=150)

    class Meta:
        verbose_name = _("contact preference")
        verbose_name_plural = _("contact preferences")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PreferenceKind.values), name="preference_kind_valid"),
            models.CheckConstraint(condition=Q(source__in=PreferenceSource.values), name="preference_source_valid"),
        ]
        indexes = [models.Index(fields=["customer", "kind", "target", "stated_at"], name="preference_latest_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} of cardholder {self.customer_id} ({self.stated_at:%Y-%m-%d})"


class MeasureReason(models.TextChoices):
    LEGAL = "legal", _("The case entered the legal stage")
    WRITTEN_OFF = "written_off", _("The case was written off")
    DPD = "dpd", _("Days past due reached the jurisdiction's threshold")


class MeasureRequest(models.Model):
    """The portal asked the core system once to block the card or report to the credit bureau, for a reason.

    Unique per case and reason: each case asks once per reason, however often it crosses the line.
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="measure_requests")
    reason = models.CharField(_("reason"), max_length=20, choices=MeasureReason.choices)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        verbose_name = _("measure request")
        verbose_name_plural = _("measure requests")
        constraints = [models.UniqueConstraint(fields=["case", "reason"], name="measurerequest_case_reason_key")]

    def __str__(self):
        return f"{self.case_id}: {self.reason}"
