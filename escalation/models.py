from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Channel, Strategy
from escalation.defaults import ESTATE_LETTER_MAX_DAYS, POLICY_CURRENCY


class Policy(models.Model):
    """A named contact policy. Its rules live in versions; the default policy is the champion.

    A policy version may name a challenger policy that runs on a stable share of cases instead.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(_("champion (default)"), default=False)

    class Meta:
        verbose_name = _("contact policy")
        verbose_name_plural = _("contact policies")
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                               name="policy_one_default")]

    def __str__(self):
        return self.name


class PolicyVersion(models.Model):
    """One immutable version of a policy, in force from `effective_from` until a later version starts."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    effective_from = models.DateTimeField(_("effective from"))
    # "Large" is an amount owed at or above the threshold in the case's own currency: `large_amount_threshold`
    # for a case in `currency`, `large_amount_thresholds[code]` (a decimal string) for one in another
    # currency. A case in a currency given no threshold is never large.
    currency = models.CharField(_("currency"), max_length=3, default=POLICY_CURRENCY)
    large_amount_threshold = models.DecimalField(_("large amount from"), max_digits=14, decimal_places=2,
                                                 default=Decimal("50000.00"))
    large_amount_thresholds = models.JSONField(_("large amount from, other currencies"), default=dict, blank=True)
    # A large case is treated one tier higher, but never above this rank.
    uplift_max_rank = models.PositiveSmallIntegerField(_("uplift up to tier rank"), default=4)
    # A death stops contact for good; the one letter that still goes is to the estate, this many days after
    # the death is recorded (escalation.estate). None: the policy sends none.
    estate_letter_after_days = models.PositiveSmallIntegerField(_("letter to the estate after (days)"), null=True,
                                                                blank=True)
    challenger = models.ForeignKey(Policy, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("challenger policy"))
    challenger_percent = models.PositiveSmallIntegerField(_("challenger share, %"), default=0)
    note = models.TextField(_("what changed"), blank=True)
    created_by_label = models.CharField(max_length=150)
    # Who published it, when a person did: the manager whose approval the version's plan offers carry.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("published by"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policyversion_unique_number"),
            models.CheckConstraint(condition=Q(challenger_percent__lte=100), name="policyversion_share_percent"),
            models.CheckConstraint(condition=Q(estate_letter_after_days__lte=ESTATE_LETTER_MAX_DAYS),
                                   name="policyversion_estate_letter_days"),
        ]

    def __str__(self):
        return f"{self.policy.name} v{self.number}"


class PolicyTier(models.Model):
    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="tiers")
    code = models.CharField(_("tier"), max_length=8)
    name = models.CharField(_("name"), max_length=100)
    rank = models.PositiveSmallIntegerField(_("rank"))
    dpd_from = models.PositiveIntegerField(_("from DPD"))
    dpd_to = models.PositiveIntegerField(_("to DPD"), null=True, blank=True)
    # Whether the messages sent to a cardholder whose case is in this tier carry a link to their own page.
    self_service_links = models.BooleanField(_("links to the cardholder's own page"), default=True)

    class Meta:
        ordering = ["version", "rank"]
        constraints = [models.UniqueConstraint(fields=["version", "rank"], name="policytier_unique_rank")]

    def __str__(self):
        return f"{self.code} {self.name}"


class OfferKind(models.TextChoices):
    INSTALMENTS = "instalments", _("Monthly instalments")
    SETTLEMENT = "settlement", _("Settlement: pay part, the rest waived")


# An offer's bounds (escalation.offers checks them; the constraints below hold the database to them).
OFFER_MAX_MONTHS = 60
OFFER_MAX_DEFERRAL_DAYS = 90
OFFER_MAX_PAY_WITHIN_DAYS = 90


class PlanOffer(models.Model):
    """A plan pre-approved by the manager who published its policy version, for the cardholder to choose on
    their own page when their case fits it: days past due within [dpd_from, dpd_to] and the amount overdue,
    in `currency`, within [amount_from, amount_to].

    Instalments: `months` monthly payments, with `waive_charges_percent` of interest, fees and penalty
    waived. Settlement: `pay_percent` of every part paid once, within `pay_within_days`, the rest waived.
    Either may defer its first payment by `deferral_days`. Immutable like its version.
    """

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="offers")
    code = models.CharField(_("offer"), max_length=40)
    kind = models.CharField(_("type"), max_length=20, choices=OfferKind.choices)
    dpd_from = models.PositiveIntegerField(_("from DPD"))
    dpd_to = models.PositiveIntegerField(_("to DPD"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    amount_from = models.DecimalField(_("amount overdue from"), max_digits=14, decimal_places=2)
    amount_to = models.DecimalField(_("amount overdue up to"), max_digits=14, decimal_places=2, null=True,
                                    blank=True)
    months = models.PositiveSmallIntegerField(_("monthly payments"), null=True, blank=True)
    waive_charges_percent = models.DecimalField(_("interest, fees and penalty waived (%)"), max_digits=5,
                                                decimal_places=2, default=Decimal("0"))
    pay_percent = models.DecimalField(_("share paid (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    pay_within_days = models.PositiveSmallIntegerField(_("paid within (days)"), null=True, blank=True)
    deferral_days = models.PositiveSmallIntegerField(_("first payment deferred by (days)"), default=0)

    class Meta:
        verbose_name = _("plan offer")
        verbose_name_plural = _("plan offers")
        ordering = ["version", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="planoffer_unique_code"),
            models.CheckConstraint(
                condition=(Q(kind="instalments", months__gte=2, months__lte=OFFER_MAX_MONTHS, pay_percent__isnull=True,
                             pay_within_days__isnull=True)
                           | Q(kind="settlement", months__isnull=True, pay_percent__gt=0, pay_percent__lt=100,
                               pay_within_days__gte=1, pay_within_days__lte=OFFER_MAX_PAY_WITHIN_DAYS,
                               waive_charges_percent=0)),
                name="planoffer_terms_of_its_kind"),
            models.CheckConstraint(condition=Q(waive_charges_percent__gte=0, waive_charges_percent__lte=100,
                                               deferral_days__lte=OFFER_MAX_DEFERRAL_DAYS, amount_from__gte=0),
                                   name="planoffer_bounds"),
            models.CheckConstraint(condition=Q(dpd_to__isnull=True) | Q(dpd_to__gte=F("dpd_from")),
                                   name="planoffer_dpd_range"),
            models.CheckConstraint(condition=Q(amount_to__isnull=True) | Q(amount_to__gte=F("amount_from")),
                                   name="planoffer_amount_range"),
        ]

    def __str__(self):
        return self.code


class Cadence(models.TextChoices):
    # `times` contacts in `per_days` days: one at once, then each ceil(per_days / times) days after the last of the
    # rule that was sent or worked (scheduled, held back or failed ones do not count).
    REPEAT = "repeat", _("Repeating")
    # Once each time the case enters the tier.
    ON_ENTRY = "on_entry", _("Once on entry")
    # Once in the life of the case.
    ONCE = "once", _("Once per case")


class Condition(models.TextChoices):
    ALWAYS = "", _("Always")
    HAS_EMAIL = "has_email", _("When an email is on file")
    NO_EMAIL = "no_email", _("When no email is on file")
    CALLS_FAILED = "calls_failed", _("After failed call attempts without reaching the cardholder")


# The one policy action that is no contact: the pass hands the case to an outside agency
# (escalation.placing), chosen by region, room and recent recovery rate.
PLACE_WITH_AGENCY = "place_with_agency"
ACTION_CHANNELS = [*Channel.choices, (PLACE_WITH_AGENCY, _("Place with an agency"))]


class PolicyAction(models.Model):
    tier = models.ForeignKey(PolicyTier, on_delete=models.CASCADE, related_name="actions")
    code = models.CharField(_("rule"), max_length=40)
    channel = models.CharField(_("channel"), max_length=20, choices=ACTION_CHANNELS)
    cadence = models.CharField(_("cadence"), max_length=10, choices=Cadence.choices)
    times = models.PositiveSmallIntegerField(default=1)
    per_days = models.PositiveSmallIntegerField(null=True, blank=True)
    condition = models.CharField(_("condition"), max_length=20, choices=Condition.choices, blank=True)
    # For CALLS_FAILED: this many failed calls within `condition_days` and no conversation.
    condition_count = models.PositiveSmallIntegerField(null=True, blank=True)
    condition_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # Used instead when the cardholder opted out of `channel` (a letter instead of an email).
    fallback_channel = models.CharField(_("fallback channel"), max_length=20, choices=Channel.choices, blank=True)
    # For PLACE_WITH_AGENCY only, each empty or null meaning any: the cardholder's region is one of `regions`,
    # the case's bucket one of `buckets` (M1…M7+, within the tier's days past due), and the amount overdue,
    # in the version's currency, at least `min_amount` and at most `max_amount`. A case in another currency
    # meets no amount rule.
    regions = models.JSONField(_("regions"), default=list, blank=True)
    buckets = models.JSONField(_("buckets"), default=list, blank=True)
    min_amount = models.DecimalField(_("from amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    max_amount = models.DecimalField(_("up to amount"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(cadence="repeat") | Q(per_days__gte=1),
                                   name="policyaction_repeat_has_period"),
        ]

    def __str__(self):
        return self.code


class CaseEscalation(models.Model):
    """Where the escalation pass last placed a case: its tier, strategy and policy version.

    Written by the pass only when something changed, so a quiet pass writes nothing. `next_due_at` is
    the first moment at which the passing of time alone can bring the case something new: the local
    midnight of its next cadence day or tier boundary. Until then, and unless the case is marked in
    EscalationPending, the pass leaves the case alone. Null: time alone will bring nothing (the case
    is parked outside the policy's stages, or its tier has nothing more to schedule).
    """

    case = models.OneToOneField("cases.Case", primary_key=True, on_delete=models.PROTECT, related_name="escalation")
    strategy = models.CharField(max_length=12, choices=Strategy.choices)
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    tier_rank = models.PositiveSmallIntegerField()
    tier_code = models.CharField(max_length=8)
    tier_since = models.DateTimeField()
    # Not indexed: the pass finds due cases in one scan of this narrow table, and an unindexed column lets
    # PostgreSQL rewrite a row in place (a HOT update) when the daily pass moves it to the next cadence day.
    next_due_at = models.DateTimeField(_("next due"), null=True, blank=True)

    class Meta:
        verbose_name = _("case escalation")
        verbose_name_plural = _("case escalations")

    def __str__(self):
        return f"case {self.case_id}: {self.tier_code} ({self.strategy})"


class EscalationPending(models.Model):
    """A case whose escalation inputs changed since the pass last looked at it.

    Rows are written by database triggers (PostgreSQL, migration 0003) in the same transaction as the
    change: a new case; a stage change into or out of the policy's stages, or to closed; a new
    overdue date; an amount crossing a policy's large-amount threshold; a hold placed or released; a
    call attempt; a cardholder's email or time zone changed. Each write takes a new `mark`, and the pass
    deletes a row only with the mark it read, so a change that lands while a chunk runs is looked at
    again by the next pass.
    """

    case = models.OneToOneField("cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="+")
    mark = models.BigIntegerField()
    # A case no tier takes yet (days past due below the first tier's) waits until the local midnight of
    # the day it reaches one. A new mark clears it.
    not_before = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("case awaiting the pass")
        verbose_name_plural = _("cases awaiting the pass")

    def __str__(self):
        return f"case {self.case_id} (mark {self.mark})"


class EscalationRun(models.Model):
    """One pass: its moment, chunks and summary. Chunks report into EscalationChunk."""

    as_of = models.DateTimeField()
    dry_run = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    chunks_total = models.PositiveIntegerField(default=0)
    started_by_label = models.CharField(max_length=150, default="system")

    class Meta:
        verbose_name = _("escalation run")
        verbose_name_plural = _("escalation runs")
        ordering = ["-started_at"]

    def __str__(self):
        return f"Pass as of {self.as_of:%Y-%m-%d %H:%M} UTC"


class EscalationChunk(models.Model):
    run = models.ForeignKey(EscalationRun, on_delete=models.CASCADE, related_name="chunks")
    id_from = models.BigIntegerField()
    id_to = models.BigIntegerField()
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "id_from"], name="escalationchunk_unique")]

    def __str__(self):
        return f"Cases {self.id_from}–{self.id_to - 1} of run {self.run_id}"

