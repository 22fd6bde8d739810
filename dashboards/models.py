from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FilterDimensions(models.Model):
    """The columns every dashboard filters on, as a row recorded them: currency, team, agent, region and
    product. No database constraint on team or agent: a row keeps what was true when it was written."""

    currency = models.CharField(_("currency"), max_length=3)
    team = models.ForeignKey("staff.Team", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                             db_index=False, related_name="+")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, db_index=False, related_name="+")
    region = models.CharField(_("region"), max_length=100, blank=True)
    product = models.CharField(_("product"), max_length=100, blank=True)

    class Meta:
        abstract = True


class CaseDaySnapshot(FilterDimensions):
    """Where one open case stood at the end of one day: bucket, stage, balance and who worked it.

    Written only by `dashboards.services.snapshot_take`, one row per (day, case). Month-end positions
    and roll rates read these rows, so later edits to a case never rewrite its history. The team, agent
    and strategy columns keep no database constraint: a row records what was true that day.
    """

    id = models.BigAutoField(primary_key=True)
    day = models.DateField(_("day"))
    case = models.ForeignKey("cases.Case", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                             related_name="+")
    bucket = models.CharField(_("bucket"), max_length=8)
    stage = models.CharField(_("stage"), max_length=20)
    balance = models.DecimalField(_("overdue balance"), max_digits=16, decimal_places=2)
    strategy = models.CharField(_("strategy"), max_length=12, blank=True)

    class Meta:
        verbose_name = _("daily case snapshot")
        verbose_name_plural = _("daily case snapshots")
        constraints = [models.UniqueConstraint(fields=["day", "case"], name="snapshot_one_per_case_day")]
        indexes = [models.Index(fields=["day", "team", "bucket"], name="snapshot_day_team_bucket_idx")]

    def __str__(self):
        return f"case {self.case_id} on {self.day}: {self.bucket} {self.balance} {self.currency}"


class SnapshotDay(models.Model):
    """One row per day that has a snapshot, so finding month ends never scans the snapshot rows."""

    day = models.DateField(_("day"), primary_key=True)
    cases = models.PositiveIntegerField(_("cases"))
    taken_at = models.DateTimeField(_("taken at"))

    class Meta:
        verbose_name = _("snapshot day")
        verbose_name_plural = _("snapshot days")

    def __str__(self):
        return f"{self.day}: {self.cases} cases"


class SnapshotTotal(FilterDimensions):
    """One day's snapshot summed by every dimension the dashboards filter on, so a month-end position
    or an opening balance reads a few thousand rows, not one per case. Written by `snapshot_take`."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField()
    bucket = models.CharField(max_length=8)
    stage = models.CharField(max_length=20)
    cases = models.PositiveIntegerField()
    balance = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["day", "currency"], name="snapshottotal_day_idx")]

    def __str__(self):
        return f"{self.day} {self.bucket} {self.stage}: {self.cases} cases, {self.balance} {self.currency}"


class SnapshotRoll(FilterDimensions):
    """For day D: the cases in `from_bucket` on the previous month's last snapshot day, with their
    balance on D summed by their bucket on D. Dimensions are the cohort's, on that month end.
    Written by `snapshot_take`; roll rates read the rows of each month's last day."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField()
    cohort_day = models.DateField()
    from_bucket = models.CharField(max_length=8)
    to_bucket = models.CharField(max_length=8)
    balance = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["day", "currency"], name="snapshotroll_day_idx")]

    def __str__(self):
        return f"{self.day} {self.from_bucket}→{self.to_bucket}: {self.balance} {self.currency}"


class OpenCaseTotal(FilterDimensions):
    """The open cases as they stood at `refreshed_at`, summed by every dimension the dashboards filter on,
    bucket (DPD counted to `day`) and stage.

    The live portfolio, team load and each agent's open cases read these few thousand rows instead of
    every open case. Written only by `dashboards.services.open_totals_refresh` (a few minutes apart, and
    with every snapshot), which replaces all rows in one transaction, so a reader sees one refresh whole.
    """

    id = models.BigAutoField(primary_key=True)
    refreshed_at = models.DateTimeField(_("refreshed at"))
    day = models.DateField(_("day"))
    bucket = models.CharField(_("bucket"), max_length=8)
    stage = models.CharField(_("stage"), max_length=20)
    cases = models.PositiveIntegerField(_("cases"))
    balance = models.DecimalField(_("overdue balance"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("open case total")
        verbose_name_plural = _("open case totals")
        indexes = [models.Index(fields=["currency", "team"], name="opentotal_currency_team_idx")]

    def __str__(self):
        return f"{self.bucket} {self.stage}: {self.cases} cases, {self.balance} {self.currency}"


class ActivityCount(models.Model):
    """Where the settled activity totals stop: attempts up to `last_attempt_id`, and payments up to
    `last_payment_id` received before `received_before`.

    One row, rewritten with the totals by `dashboards.services.activity_totals_rebuild`. Figures read the
    totals up to here and the few newer attempts and payments from their own tables, so nothing is
    counted twice or missed."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    rebuilt_at = models.DateTimeField(_("rebuilt at"))
    last_attempt_id = models.BigIntegerField(_("last attempt counted"))
    last_payment_id = models.BigIntegerField(_("last payment counted"))
    received_before = models.DateTimeField(_("payments received before"))

    class Meta:
        verbose_name = _("activity count")
        verbose_name_plural = _("activity counts")

    def __str__(self):
        return f"activity counted at {self.rebuilt_at}"


class AttemptTotal(FilterDimensions):
    """Settled contact attempts (see `ActivityCount`) summed per day in the portal's zone, the case's
    dimensions and who made them. Promises among them are final: kept (a payment within the window)
    or broken. Written only by `dashboards.services.activity_totals_rebuild`."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField(_("day"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, db_index=False, related_name="+")
    attempts = models.PositiveIntegerField(_("attempts"))
    right_party = models.PositiveIntegerField(_("right-party contacts"))
    overrides = models.PositiveIntegerField(_("authorised exceptions"))
    breaches = models.PositiveIntegerField(_("contact-rule breaches"), default=0)

    class Meta:
        verbose_name = _("attempt total")
        verbose_name_plural = _("attempt totals")
        indexes = [models.Index(fields=["currency", "day"], name="attempttotal_currency_day_idx")]

    def __str__(self):
        return f"{self.day}: {self.attempts} attempts"


class PaymentTotal(FilterDimensions):
    """Counted payments (see `ActivityCount`) summed per day of payment in the portal's zone and the
    case's dimensions."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField(_("day"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("payment total")
        verbose_name_plural = _("payment totals")
        indexes = [models.Index(fields=["currency", "day"], name="paymenttotal_currency_day_idx")]

    def __str__(self):
        return f"{self.day}: {self.amount} {self.currency}"


class CaseSpanTotal(FilterDimensions):
    """Every case, open or closed, counted by the day it opened and the day it closed (portal's zone),
    the dimensions the dashboards filter on and how many closed cured. Cure rates read these rows
    instead of every case. Replaced whole with `OpenCaseTotal` by `open_totals_refresh`."""

    id = models.BigAutoField(primary_key=True)
    refreshed_at = models.DateTimeField(_("refreshed at"))
    opened_day = models.DateField(_("opened on"))
    closed_day = models.DateField(_("closed on"), null=True)
    cases = models.PositiveIntegerField(_("cases"))
    cured = models.PositiveIntegerField(_("cured"))

    class Meta:
        verbose_name = _("case span total")
        verbose_name_plural = _("case span totals")
        indexes = [models.Index(fields=["currency", "team"], name="spantotal_currency_team_idx")]

    def __str__(self):
        return f"opened {self.opened_day}, closed {self.closed_day or '–'}: {self.cases} cases"


class SelfServiceTotal(FilterDimensions):
    """The self-service funnel of one day in the portal's zone, by the dimensions of the case each step
    belongs to: links sent, first opened and first signed in through (the case the message was about),
    promises and disputes the cardholder made on their own page, plans they chose there, and the payments
    on their cases that followed within `dashboards.self_service.FOLLOWING_DAYS` (counted and summed in the
    case's currency). Written only by `dashboards.self_service.self_service_totals_refresh`."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField(_("day"))
    links_sent = models.PositiveIntegerField(_("links sent"))
    links_opened = models.PositiveIntegerField(_("links opened"))
    links_verified = models.PositiveIntegerField(_("links verified"))
    promises = models.PositiveIntegerField(_("promises made"))
    plans = models.PositiveIntegerField(_("plans chosen"))
    disputes = models.PositiveIntegerField(_("disputes raised"))
    payments = models.PositiveIntegerField(_("payments that followed"))
    paid_amount = models.DecimalField(_("amount paid"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("self-service total")
        verbose_name_plural = _("self-service totals")
        indexes = [models.Index(fields=["currency", "day"], name="selfservicetotal_cur_day_idx")]

    def __str__(self):
        return f"{self.day}: {self.links_sent} links sent"


class SelfServiceCount(models.Model):
    """Where the self-service totals stand: refreshed at `refreshed_at`, the days from `counted_from` on
    rewritten that time, payments up to `last_payment_id` seen. One row, locked by each refresh, so two
    refreshes never interleave."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    refreshed_at = models.DateTimeField(_("refreshed at"))
    counted_from = models.DateField(_("days rewritten from"), null=True)
    last_payment_id = models.BigIntegerField(_("last payment seen"), default=0)

    class Meta:
        verbose_name = _("self-service count")
        verbose_name_plural = _("self-service counts")

    def __str__(self):
        return f"self-service funnel counted at {self.refreshed_at}"


class PolicyPreview(models.Model):
    """A supervisor's preview of a draft contact policy: the two dry runs of the pass, done in the background.

    At a million cases the dry runs take minutes, longer than a web request may last; the page asks for
    a preview, a task computes it, and the page shows it once it is done.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    policy = models.ForeignKey("escalation.Policy", on_delete=models.PROTECT, related_name="+")
    # The draft as the supervisor wrote it (money as text); parsed again by the task.
    definition = models.JSONField(_("draft"))
    as_of = models.DateTimeField(_("as of"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Per channel and team: {"channel", "team", "current", "draft", "change"}.
    rows = models.JSONField(default=list)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("policy preview")
        verbose_name_plural = _("policy previews")
        constraints = [models.CheckConstraint(condition=models.Q(status__in=["queued", "done", "failed"]),
                                              name="policypreview_status_valid")]

    def __str__(self):
        return f"Preview {self.pk} of {self.policy} as of {self.as_of:%Y-%m-%d %H:%M}"
