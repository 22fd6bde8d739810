"""Reads for compliance: contact-rule breaches as the contact record holds them."""

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate

from contacts.governor import RULE_LABELS
from contacts.models import ContactAttempt


def breaches_search(*, rule: str = "", agent: str = "", team_id: int | None = None,
                    date_from: dt.date | None = None, date_to: dt.date | None = None, tz=None) -> QuerySet:
    """Attempts the record holds as breaches (made against the contact rules, no exception covering them),
    newest first, narrowed by rule, agent (login), the case's team and whole days in `tz`. The partial
    index on breaches by time keeps this a scan of breaches alone."""
    attempts = ContactAttempt.objects.filter(~Q(breached_rules=[]))
    if rule:
        attempts = attempts.filter(breached_rules__contains=[rule])
    if agent:
        attempts = attempts.filter(Q(actor__username__iexact=agent) | Q(actor_label__iexact=agent))
    if team_id is not None:
        attempts = attempts.filter(case__assigned_team_id=team_id)
    if date_from is not None:
        attempts = attempts.filter(occurred_at__gte=dt.datetime.combine(date_from, dt.time.min, tz))
    if date_to is not None:
        attempts = attempts.filter(occurred_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min,
                                                                       tz))
    return attempts.select_related("case__assigned_team").order_by("-occurred_at", "-id")


def breaches_summary(*, breaches: QuerySet, tz, rows: int = 31) -> dict:
    """The breaches counted by rule, agent, team and day (each the largest `rows`). Four queries."""
    plain = breaches.order_by()
    by_rule = plain.aggregate(**{rule: Count("id", filter=Q(breached_rules__contains=[rule])) for rule in RULE_LABELS})
    return {
        "total": plain.count(),
        "by_rule": [(rule, RULE_LABELS[rule], n) for rule, n in sorted(by_rule.items(), key=lambda r: -r[1]) if n],
        "by_agent": list(plain.values_list("actor_label").annotate(n=Count("id")).order_by("-n", "actor_label")
                         [:rows]),
        "by_team": list(plain.values_list("case__assigned_team__name").annotate(n=Count("id"))
                        .order_by("-n", "case__assigned_team__name")[:rows]),
        "by_day": list(plain.annotate(day=TruncDate("occurred_at", tzinfo=tz)).values_list("day")
                       .annotate(n=Count("id")).order_by("-day")[:rows]),
    }
