"""The complaints threshold: an agency whose complaints per 1,000 contacts reach AGENCY_COMPLAINTS_PER_1000_THRESHOLD
in a month is flagged on the agencies dashboard, and the managers are emailed once for that agency and month.

`complaints_warnings_raise` runs hourly (beat); each warning raised queues `agencies.email_complaints_warning`
after commit, and the email is sent at most once per warning, however often the task runs.
"""

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.figures import _per_1000, agency_complaints_rate, month_bounds
from agencies.models import ComplaintsWarning
from audit.services import audit_log
from core.actors import SYSTEM
from core.outbox import task_enqueue
from staff.models import Agency, Role, StaffProfile


def complaints_over_threshold(*, agency: Agency, as_of: dt.datetime | None = None
                              ) -> tuple[int, int, object] | None:
    """(complaints, contacts, rate) of the agency this month when the rate is at or over the threshold."""
    _first, start, end = month_bounds(as_of or timezone.now())
    complaints, contacts, rate = agency_complaints_rate(agency=agency, since=start, until=end)
    if rate is None or rate < settings.AGENCY_COMPLAINTS_PER_1000_THRESHOLD:
        return None
    return complaints, contacts, rate


def complaints_over_threshold_counted(*, rows, as_of: dt.datetime | None = None) -> list[tuple[Agency, tuple]]:
    """The same test as `complaints_over_threshold`, on the dashboard's pre-aggregated figures (`AgencyFigures`
    rows): (agency, (complaints, contacts, rate)) for each agency at or over the threshold in the month counted,
    when that month is this one (a count from last month warns of nothing until the next refresh)."""
    this_month, _start, _end = month_bounds(as_of or timezone.now())
    over = []
    for row in rows:
        if row.month != this_month:
            continue
        rate = _per_1000(row.month_complaints, row.month_contacts)
        if rate is not None and rate >= settings.AGENCY_COMPLAINTS_PER_1000_THRESHOLD:
            over.append((row.agency, (row.month_complaints, row.month_contacts, rate)))
    return over


def complaints_warnings_raise(*, as_of: dt.datetime | None = None) -> list[int]:
    """Raise this month's warning for every approved agency over the threshold that has none yet, and queue
    its email after commit. Idempotent by (agency, month): a second run raises and emails nothing new."""
    as_of = as_of or timezone.now()
    period, _start, _end = month_bounds(as_of)
    raised = []
    for agency in Agency.objects.filter(status=Agency.Status.APPROVED).exclude(
            complaints_warnings__period=period).order_by("pk"):
        over = complaints_over_threshold(agency=agency, as_of=as_of)
        if over is None:
            continue
        complaints, contacts, rate = over
        with transaction.atomic():
            warning, created = ComplaintsWarning.objects.get_or_create(
                agency=agency, period=period,
                defaults={"complaints": complaints, "contacts": contacts, "rate": rate,
                          "threshold": settings.AGENCY_COMPLAINTS_PER_1000_THRESHOLD, "raised_at": as_of})
            if created:
                task_enqueue(task="agencies.email_complaints_warning", kwargs={"warning_id": warning.pk},
                             key=f"complaints-warning:{warning.pk}")
                raised.append(warning.pk)
    return raised


def complaints_warning_email(*, warning_id: int) -> int:
    """Email the managers (those with an address) about one warning, each in their own language, once: the
    warning row is locked and marked sent in the same transaction, so a second run sends nothing; a failure part-way
    leaves it unsent and the retry emails them all. Returns how many were emailed."""
    with transaction.atomic():
        warning = (ComplaintsWarning.objects.select_for_update().select_related("agency")
                   .filter(pk=warning_id).first())
        if warning is None or warning.emailed_at is not None:
            return 0
        managers = list(StaffProfile.objects.filter(role=Role.MANAGER, user__is_active=True)
                        .exclude(user__email="").select_related("user").order_by("user__email"))
        for profile in managers:
            with translation.override(profile.language or settings.LANGUAGE_CODE):
                params = {"agency": warning.agency.name, "month": f"{warning.period:%Y-%m}", "rate": warning.rate,
                          "threshold": warning.threshold, "complaints": warning.complaints,
                          "contacts": warning.contacts}
                send_mail(
                    subject=_("Complaints over the threshold: %(agency)s, %(month)s") % params,
                    message=_("%(agency)s has %(complaints)s complaints for %(contacts)s contacts in %(month)s: "
                              "%(rate)s per 1,000 contacts, at or over the threshold of %(threshold)s. "
                              "See the agencies dashboard.") % params,
                    from_email=None, recipient_list=[profile.user.email])
        warning.emailed_at = timezone.now()
        warning.emailed_to = [profile.user.email for profile in managers]
        warning.save(update_fields=["emailed_at", "emailed_to"])
        audit_log(actor=SYSTEM, action="agency.complaints_warned", obj=warning.agency,
                  changes={"month": f"{warning.period:%Y-%m}", "rate": str(warning.rate),
                           "threshold": str(warning.threshold), "emailed": len(managers)})
        return len(managers)
