"""The confirm stage: the core system reported a delinquency, and the portal checks it before any contact.

A case passes when (1) its amounts are consistent: the parts are not negative and add up to the total
(the database keeps both true as well: `total_overdue` is generated from the parts, and each part has a
check constraint) and something is overdue, or a supervisor confirmed the amounts as reported; (2) the
cardholder can be reached: a phone number on file not reported wrong, an email, an address, or a usable
contact point of their own; (3) no dispute is open.

The checks are one set-based statement (`CONFIRM_CHECK`), run by the escalation pass on its candidates at
confirm and by the fixes of the exceptions list. A case that fails one stores the failed checks' codes in
`Case.confirm_exceptions` and waits in confirm, on the supervisors' exceptions list (one partial index).
"""

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.lifecycle import ConfirmCheck, HoldKind, Stage
from cases.models import CONFIRM_EXCEPTION, OWN_POINT_KINDS, Case, CaseNote
from core.actors import actor_fields
from core.bulk import pg_array
from core.errors import DomainError, Forbidden, reason_required
from events.models import EventType
from events.services import event_emit
from staff.permissions import Capability, can


def _in(values) -> str:
    return "(" + ", ".join(f"'{value}'" for value in sorted(values)) + ")"


def failed_checks_sql(*, case: str = "c", customer: str = "cu") -> str:
    """The SQL array of the checks a case fails (ConfirmCheck codes, in their order), over the columns of the
    case, its account and its cardholder under these aliases: the one statement of the rules, used here and
    inside the escalation pass's chunk. Only constants are interpolated."""
    c, cu = case, customer
    return f"""array_remove(ARRAY[
    CASE WHEN {c}.amounts_confirmed_at IS NULL AND NOT (
             {c}.principal_overdue >= 0 AND {c}.interest_overdue >= 0 AND {c}.fees_overdue >= 0
             AND {c}.penalty_overdue >= 0
             AND {c}.total_overdue = {c}.principal_overdue + {c}.interest_overdue + {c}.fees_overdue
                                     + {c}.penalty_overdue
             AND {c}.total_overdue > 0)
         THEN '{ConfirmCheck.AMOUNTS}' END,
    CASE WHEN NOT (
             ({cu}.phone_hash <> '' AND NOT EXISTS (
                 SELECT 1 FROM cases_contactpoint w
                 WHERE w.customer_id = {cu}.id AND w.phone_hash = {cu}.phone_hash AND w.wrong_at IS NOT NULL))
             OR {cu}.email <> '' OR {cu}.address <> ''
             OR EXISTS (SELECT 1 FROM cases_contactpoint p
                        WHERE p.customer_id = {cu}.id AND p.retired_at IS NULL AND p.wrong_at IS NULL
                          AND p.kind IN {_in(OWN_POINT_KINDS)}))
         THEN '{ConfirmCheck.CONTACT_POINT}' END,
    CASE WHEN EXISTS (SELECT 1 FROM cases_casehold h
                      WHERE h.case_id = {c}.id AND h.kind = '{HoldKind.DISPUTE}' AND h.released_at IS NULL)
         THEN '{ConfirmCheck.DISPUTE}' END
], NULL)::varchar(20)[]"""  # noqa: S608


# Per case at confirm among `case_ids`, the checks it fails.
FAILED_CHECKS = f"""
SELECT c.id, {failed_checks_sql()} AS failed
FROM unnest(%(case_ids)s::bigint[]) AS k(id)
CROSS JOIN LATERAL (SELECT * FROM cases_case c WHERE c.id = k.id AND c.stage = '{Stage.CONFIRM}' OFFSET 0) c
JOIN cases_account a ON a.id = c.account_id
JOIN cases_customer cu ON cu.id = a.customer_id
"""  # noqa: S608

# Runs the checks and records them on the cases (`at`: when). Returns (case id, failed checks) per case
# checked. Cases not at confirm are left as they are.
CONFIRM_CHECK = f"""
WITH checked AS MATERIALIZED ({FAILED_CHECKS}),
written AS (
    -- `confirm_checked_at` says since when the case fails (or passes) as it does: written when that changes.
    UPDATE cases_case c SET confirm_exceptions = k.failed, confirm_checked_at = %(at)s
      FROM checked k
     WHERE c.id = k.id AND (c.confirm_exceptions IS DISTINCT FROM k.failed OR c.confirm_checked_at IS NULL)
    RETURNING c.id
)
SELECT k.id, k.failed FROM checked k ORDER BY k.id
"""  # noqa: S608


def cases_confirm_check(*, case_ids, at: dt.datetime | None = None) -> dict[int, list[str]]:
    """Check the listed cases that are at confirm, record what they fail, and return {case id: failed checks}.

    Set-based: one statement whatever the number of cases. A case that passes has no failed checks, and
    leaves the exceptions list; the escalation pass places it in plan.
    """
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(CONFIRM_CHECK, {"case_ids": pg_array(ids), "at": at or timezone.now()})
        return {case_id: list(failed) for case_id, failed in cursor.fetchall()}


def confirm_exceptions(*, queryset=None):
    """The cases waiting in confirm because a check failed, the longest-waiting first (the partial index)."""
    queryset = Case.objects.all() if queryset is None else queryset
    return queryset.filter(CONFIRM_EXCEPTION).order_by("confirm_checked_at", "id")


def confirm_check_labels(case: Case) -> list:
    """The failed checks of a case, in words."""
    labels = dict(ConfirmCheck.choices)
    return [labels.get(code, code) for code in case.confirm_exceptions]


def confirm_fix_check(*, actor, case: Case) -> None:
    """May `actor` fix this case from the exceptions list? Raises Forbidden, or DomainError once it left confirm."""
    if not can(actor, Capability.FIX_CONFIRM_EXCEPTIONS):
        raise Forbidden(_("Only supervisors and managers fix the cases waiting in confirm."),
                        code="confirm_exceptions_forbidden")
    if case.stage != Stage.CONFIRM:
        raise DomainError(_("The case is no longer waiting in confirm."), code="not_in_confirm")


@transaction.atomic
def case_amounts_confirm(*, case: Case, actor, note: str, at: dt.datetime | None = None,
                         ip_address: str | None = None) -> Case:
    """A supervisor confirms the amounts as the core system reported them, with a note saying why.

    The note is kept on the case and audited; the amounts check passes from then on, and the checks run
    again at once (a trigger also marks the case for the escalation pass, escalation 0010).
    """
    confirm_fix_check(actor=actor, case=case)
    note = reason_required(note, field="note")
    now = at or timezone.now()
    who = actor_fields(actor)
    Case.objects.filter(pk=case.pk).update(amounts_confirmed_at=now, amounts_confirmed_by_label=who["actor_label"],
                                           updated_at=now)
    case.amounts_confirmed_at, case.amounts_confirmed_by_label = now, who["actor_label"]
    CaseNote.objects.create(case=case, author=who["actor"], author_label=who["actor_label"], body=note,
                            created_at=now)
    audit_log(actor=actor, action="case.amounts_confirmed", obj=case, case_id=case.pk, reason=note,
              ip_address=ip_address, changes={"total_overdue": str(case.total_overdue_value()),
                                              "currency": case.currency})
    case.confirm_exceptions = cases_confirm_check(case_ids=[case.pk], at=now).get(case.pk, [])
    return case


@transaction.atomic
def case_account_check_request(*, case: Case, actor, note: str, at: dt.datetime | None = None,
                               ip_address: str | None = None) -> None:
    """Ask the core system to check the account behind a case waiting in confirm (`account.check_requested`,
    with the checks it fails and the supervisor's note). Audited; the case waits for the next snapshot."""
    confirm_fix_check(actor=actor, case=case)
    note = reason_required(note, field="note")
    now = at or timezone.now()
    event_emit(type=EventType.ACCOUNT_CHECK_REQUESTED, case=case, at=now,
               payload={"checks": list(case.confirm_exceptions), "note": note})
    audit_log(actor=actor, action="case.account_check_requested", obj=case, case_id=case.pk, reason=note,
              ip_address=ip_address, changes={"checks": list(case.confirm_exceptions)})
