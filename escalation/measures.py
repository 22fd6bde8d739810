"""Card measures by days past due: the jurisdiction's threshold, asked of the core system once per case.

Blocking the card or reporting to the credit bureau is the core system's act. A jurisdiction profile may
name the DPD at which the portal asks for it (`measure_after_dpd`); entering legal and a write-off ask
through `cases.services.case_transition` itself. The marker is the unique `MeasureRequest` row per case
and reason: a case asks once, however often the pass runs.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from cases.delinquency import days_past_due
from cases.lifecycle import Stage
from cases.measures import cases_measure_request
from cases.models import Case, MeasureReason, MeasureRequest
from contacts.governor import governor_profile_for, governor_profiles

CHUNK = 5000


def measures_request_due(*, at: dt.datetime | None = None, chunk: int = CHUNK) -> int:
    """Ask for card measures on every open case whose DPD has reached its jurisdiction's threshold and that
    has not asked for this reason before; returns how many asked now.

    A few queries per chunk of cases in id order, whatever the number of cases. Safe to run twice or in
    parallel: the unique request row lets only one run emit the event.
    """
    at = at or timezone.now()
    profiles = governor_profiles()
    thresholds = [profile.measure_after_dpd for profile in profiles if profile.measure_after_dpd is not None]
    if not thresholds:
        return 0
    # Any zone's local date is within a day of UTC's; the exact DPD is worked out per case below.
    latest = at.date() - dt.timedelta(days=min(thresholds) - 1)
    due_cases = (Case.objects.exclude(stage=Stage.CLOSED).filter(overdue_since__lte=latest)
                 .exclude(Exists(MeasureRequest.objects.filter(case=OuterRef("pk"), reason=MeasureReason.DPD))))
    zones: dict[str, object] = {}
    asked, after = 0, 0
    while True:
        rows = list(due_cases.filter(pk__gt=after).order_by("pk").values_list(
            "pk", "account__account_number", "overdue_since", "account__customer__timezone")[:chunk])
        if not rows:
            return asked
        after = rows[-1][0]
        due, payload = [], {}
        for pk, number, overdue_since, tz_name in rows:
            tz_name = tz_name or settings.COLLECTIONS_DEFAULT_TIMEZONE
            if tz_name not in zones:
                zones[tz_name] = governor_profile_for(tz_name=tz_name, profiles=profiles)
            profile = zones[tz_name]
            if profile.measure_after_dpd is None:
                continue
            dpd = days_past_due(overdue_since, at, tz_name)
            if dpd >= profile.measure_after_dpd:
                due.append((pk, number))
                payload[pk] = {"dpd": dpd, "jurisdiction": profile.code}
        asked += len(cases_measure_request(rows=due, reason=MeasureReason.DPD, at=at, payload=payload))
