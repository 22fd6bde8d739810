"""Placements of cases with outside agencies, the commission they earn, and the monthly statements."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Payment
from staff.models import Agency

MONEY = {"max_digits": 14, "decimal_places": 2}


class EndCause(models.TextChoices):
    MANUAL = "manual", _("Ended by hand")
    EXPIRED = "expired", _("Placement period over")
    AGENCY_SUSPENDED = "agency_suspended", _("Agency suspended")
    AGENCY_TERMINATED = "agency_terminated", _("Agency terminated")
    CLOSED = "closed", _("Case closed")
    COMPLAINT = "complaint", _("Conduct complaint")
    RECALLED = "recalled", _("Recalled by the core system")


class Placement(models.Model):
    """A case worked by an outside agency for a period. At most one is open per case; ended ones stay as
    history, with why and by whom they ended."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="placements")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="placements")
    bucket = models.CharField(_("bucket at placement"), max_length=8)
    balance = models.DecimalField(_("overdue at placement"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    started_at = models.DateTimeField(_("placed at"), default=timezone.now)
    until = models.DateField(_("placed until"))
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    placed_by_label = models.CharField(max_length=150)
    reason = models.TextField(_("reason"), blank=True)
    # Placed by the contact policy: the action's cadence key (case, rule, cadence slot), so that a case back
    # from its agency is not placed again by the same slot of the same action.
    policy_key = models.CharField(max_length=200, blank=True, default="")
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_cause = models.CharField(_("ended because"), max_length=20, choices=EndCause.choices, blank=True)
    end_reason = models.TextField(_("end reason"), blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    ended_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(ended_at__isnull=True),
                                    name="placement_one_open_per_case"),
            models.CheckConstraint(condition=Q(ended_at__isnull=True, end_cause="")
                                   | Q(ended_at__isnull=False) & ~Q(end_cause=""), name="placement_end_has_cause"),
        ]
        indexes = [models.Index(fields=["agency", "ended_at"], name="placement_agency_ended_idx"),
                   models.Index(fields=["policy_key"], condition=~Q(policy_key=""), name="placement_policy_key_idx")]

    def __str__(self):
        return f"#{self.case_id} → {self.agency_id}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class CommissionLine(models.Model):
    """One line of an agency's commission ledger: earned on a payment, or clawed back when it was reversed."""

    class Kind(models.TextChoices):
        COMMISSION = "commission", _("Commission")
        CLAWBACK = "clawback", _("Clawback")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="commission_lines")
    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="commission_lines")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.COMMISSION)
    bucket = models.CharField(max_length=8)
    recovered = models.DecimalField(_("amount recovered"), **MONEY)
    rate = models.DecimalField(_("rate (percent)"), max_digits=5, decimal_places=2)
    amount = models.DecimalField(_("commission"), **MONEY)
    currency = models.CharField(max_length=3)
    statement_month = models.DateField(_("statement month"))
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("commission line")
        verbose_name_plural = _("commission lines")
        constraints = [
            models.UniqueConstraint(fields=["payment", "kind"], name="commission_once_per_payment_and_kind"),
            models.CheckConstraint(condition=Q(statement_month__day=1), name="commission_month_is_first_day"),
        ]
        indexes = [models.Index(fields=["agency", "statement_month"], name="commission_agency_month_idx")]

    def __str__(self):
        return f"{self.kind} {self.amount} {self.currency}"


class Statement(models.Model):
    """A month's commission statement for one agency and currency, approved by a manager. The figures are
    frozen at approval; lines that arrive later belong to the next month's statement."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="statements")
    month = models.DateField(_("month"))
    currency = models.CharField(max_length=3)
    recovered = models.DecimalField(_("recovered"), **MONEY)
    commission = models.DecimalField(_("commission"), **MONEY)
    adjustment = models.DecimalField(_("recovery-rate adjustment"), **MONEY)
    total = models.DecimalField(_("total due"), **MONEY)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("commission statement")
        verbose_name_plural = _("commission statements")
        constraints = [models.UniqueConstraint(fields=["agency", "month", "currency"],
                                               name="statement_once_per_agency_month")]

    def __str__(self):
        return f"{self.agency_id} {self.month:%Y-%m} {self.currency}"


class TemplateSet(models.Model):
    """One version of an agency's texts for the automated messages sent while it works a case: per channel
    (SMS, letter, email) and per language. A manager uploads a version and publishes it; the published
    version in force is the one `active` (at most one per agency). A channel the active version does not
    cover gets no automated message while a case is placed; without an active version, none at all."""

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT,
                               related_name="template_sets")
    version = models.PositiveIntegerField(_("version"))
    # {channel: {language: text}}; every channel present has every language (agencies.templates).
    texts = models.JSONField(_("texts"), default=dict)
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    active = models.BooleanField(_("in force"), default=False)

    class Meta:
        verbose_name = _("agency template set")
        verbose_name_plural = _("agency template sets")
        constraints = [
            models.UniqueConstraint(fields=["agency", "version"], name="template_set_version_once"),
            models.UniqueConstraint(fields=["agency"], condition=Q(active=True), name="template_set_one_active"),
            models.CheckConstraint(condition=Q(active=False) | Q(published_at__isnull=False),
                                   name="template_set_active_is_published"),
        ]

    def __str__(self):
        return f"{self.agency_id} v{self.version}"

    @property
    def channels(self) -> list[str]:
        return sorted(self.texts)


class ComplaintsWarning(models.Model):
    """An agency's complaints per 1,000 contacts over the threshold in a month: raised once per agency and
    month (the unique constraint makes raising it idempotent), and emailed to the managers once."""

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT,
                               related_name="complaints_warnings")
    period = models.DateField(_("month"))
    complaints = models.PositiveIntegerField(_("complaints"))
    contacts = models.PositiveIntegerField(_("contacts made"))
    rate = models.DecimalField(_("complaints per 1,000 contacts"), max_digits=8, decimal_places=1)
    threshold = models.DecimalField(_("threshold"), max_digits=8, decimal_places=1)
    raised_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)
    emailed_to = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("complaints warning")
        verbose_name_plural = _("complaints warnings")
        constraints = [
            models.UniqueConstraint(fields=["agency", "period"], name="complaints_warning_once_per_month"),
            models.CheckConstraint(condition=Q(period__day=1), name="complaints_warning_period_is_first_day"),
        ]

    def __str__(self):
        return f"{self.agency_id} {self.period:%Y-%m} {self.rate}"


class InHouseTotal(models.Model):
    """The in-house desk's figures the agencies dashboard compares against, pre-aggregated: per bucket now and
    currency, the open cases never placed with an agency, what they owe, and what they paid in the last 90 days.
    Replaced whole by `agencies.refresh_in_house_totals`; the page reads the latest refresh."""

    refreshed_at = models.DateTimeField()
    bucket = models.CharField(max_length=8)
    currency = models.CharField(max_length=3)
    cases = models.PositiveIntegerField()
    owed = models.DecimalField(**MONEY)
    paid = models.DecimalField(**MONEY)

    class Meta:
        verbose_name = _("in-house total")
        verbose_name_plural = _("in-house totals")
        constraints = [models.UniqueConstraint(fields=["bucket", "currency"], name="in_house_total_once")]

    def __str__(self):
        return f"{self.bucket} {self.currency}"


class AgencyTotal(models.Model):
    """An agency's money figures, pre-aggregated per currency, bucket at placement and day of placement (in the
    portal's zone): its open placements (how many, and what those cases owe now, in the case's currency), all
    its placements (how many, and the balance placed), and what its commission ledger says was recovered on
    them. Replaced whole with `AgencyFigure` by `agencies.refresh_agency_totals`; amounts are never added
    across currencies. The day lets the page show the placements of a period as a cohort."""

    refreshed_at = models.DateTimeField()
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    bucket = models.CharField(max_length=8)
    placed_on = models.DateField()
    placed = models.PositiveIntegerField()
    balance = models.DecimalField(**MONEY)
    placements = models.PositiveIntegerField()
    placed_balance = models.DecimalField(**MONEY)
    recovered = models.DecimalField(**MONEY)

    class Meta:
        verbose_name = _("agency total")
        verbose_name_plural = _("agency totals")
        constraints = [models.UniqueConstraint(fields=["agency", "currency", "bucket", "placed_on"],
                                               name="agency_total_once")]

    def __str__(self):
        return f"{self.agency_id} {self.bucket} {self.currency} {self.placed_on}"


class AgencyFigure(models.Model):
    """An agency's conduct, pre-aggregated with its `AgencyTotal` rows: its staff's promises and outbound
    contacts, the complaints on its cases while placed, the average wait from placement to its first
    contact, its placements' ends by cause, and this month's complaints and contacts for the threshold."""

    refreshed_at = models.DateTimeField()
    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="+")
    promises = models.PositiveIntegerField()
    promises_kept = models.PositiveIntegerField()
    contacts = models.PositiveIntegerField()
    breaches = models.PositiveIntegerField()
    complaints = models.PositiveIntegerField()
    first_contact_wait = models.DurationField(null=True, blank=True)
    ends = models.JSONField(default=dict)
    month = models.DateField()
    month_complaints = models.PositiveIntegerField()
    month_contacts = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("agency figure")
        verbose_name_plural = _("agency figures")

    def __str__(self):
        return f"{self.agency_id} {self.refreshed_at}"
