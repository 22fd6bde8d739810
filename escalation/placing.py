"""The policy action that is no contact: `place_with_agency` hands the case to an outside agency.

CHUNK returns its due rows like any action's. The pass takes them out before the governor, keeps those
whose rules by region, bucket and amount the case meets, and places them in one call for the chunk
(agencies.by_policy); the other actions due for a case it placed are dropped, since an agency now works it.
A case no agency can take stays in-house and the pass counts why, and is tried again whenever the pass
looks at it while the action is due. A placement keeps the action's cadence key, as a contact does: a case
back from its agency is placed again only by the action's next slot (a repeating action's next day, an
on-entry action's next entry into the tier; a once-per-case action never).
"""

import datetime as dt

from agencies.by_policy import PolicyPlacement, placements_by_policy
from cases.delinquency import bucket_for_dpd, days_past_due
from cases.models import Case
from core.actors import SYSTEM
from escalation.models import PLACE_WITH_AGENCY, PolicyAction, PolicyVersion


def _rules(rows) -> dict[tuple[int, str], PolicyAction]:
    """The placement actions of the due rows' versions, by (version, rule code): a few rows."""
    actions = PolicyAction.objects.filter(tier__version_id__in={row.version_id for row in rows},
                                          channel=PLACE_WITH_AGENCY).select_related("tier")
    return {(action.tier.version_id, action.code): action for action in actions}


def _meets(action: PolicyAction, *, region: str, bucket: str, amount, currency: str, policy_currency: str) -> bool:
    if action.regions and region not in action.regions:
        return False
    if action.buckets and bucket not in action.buckets:
        return False
    if action.min_amount is None and action.max_amount is None:
        return True
    return (currency == policy_currency
            and (action.min_amount is None or amount >= action.min_amount)
            and (action.max_amount is None or amount <= action.max_amount))


def due_placements_run(*, due: list, as_of: dt.datetime, summary) -> list:
    """Place the cases whose `place_with_agency` action is due (CHUNK's rows) and whose rules they meet.

    Returns the rest of `due`: the contact actions, without those of the cases placed now. Counts the cases
    placed per agency and those kept in-house per reason in `summary`. In the chunk's transaction.
    """
    placing = [row for row in due if row.channel == PLACE_WITH_AGENCY]
    if not placing:
        return due
    rules = _rules(placing)
    currencies = dict(PolicyVersion.objects.filter(pk__in={row.version_id for row in placing})
                      .values_list("pk", "currency"))
    facts = {pk: rest for pk, *rest in Case.objects.filter(pk__in={row.case_id for row in placing}).values_list(
        "pk", "account__customer__region", "overdue_since", "total_overdue", "currency")}
    requests = []
    for row in placing:
        region, overdue_since, amount, currency = facts[row.case_id]
        bucket = bucket_for_dpd(max(days_past_due(overdue_since, as_of, row.timezone), 0))
        if _meets(rules[(row.version_id, row.rule)], region=region, bucket=bucket, amount=amount, currency=currency,
                  policy_currency=currencies[row.version_id]):
            requests.append(PolicyPlacement(case_id=row.case_id, rule=row.rule, region=region,
                                            key=row.idempotency_key))
    if not requests:
        return [row for row in due if row.channel != PLACE_WITH_AGENCY]
    result = placements_by_policy(requests=requests, actor=SYSTEM, at=as_of)
    summary.placed.update(result.placed.values())
    summary.kept_in_house.update(result.kept.values())
    return [row for row in due if row.channel != PLACE_WITH_AGENCY and row.case_id not in result.placed]
