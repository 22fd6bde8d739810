"""The supervisors' exceptions list: fixing a case that waits in confirm because a check failed.

Each fix goes through the service that owns it (a contact point: cases.contact_points; a dispute: the
complaints register, which places the dispute hold; the amounts and the core system's check:
cases.confirm), then the checks run again at once, in the same transaction, so a fixed case leaves the
list; the escalation pass, which the fix marks through its triggers, places it in plan at its next run.
"""

from django.db import transaction

from cases.confirm import cases_confirm_check, confirm_fix_check
from cases.contact_points import contact_point_add
from cases.models import Case
from complaints.models import Kind
from complaints.services import complaint_open


@transaction.atomic
def confirm_exception_contact_point_add(*, case: Case, actor, ip_address: str | None = None, **point) -> list[str]:
    """Add the contact point the cardholder lacked (audited, masked), then check again. Returns what still fails."""
    confirm_fix_check(actor=actor, case=case)
    contact_point_add(customer=case.account.customer, actor=actor, case_id=case.pk, ip_address=ip_address, **point)
    return cases_confirm_check(case_ids=[case.pk]).get(case.pk, [])


@transaction.atomic
def confirm_exception_dispute_open(*, case: Case, actor, channel: str, category: str, description: str,
                                   ip_address: str | None = None) -> list[str]:
    """Register the cardholder's dispute (which places the dispute hold), then check again: the case now
    waits on the dispute, resolved in the complaints register."""
    confirm_fix_check(actor=actor, case=case)
    complaint_open(case=case, kind=Kind.DISPUTE, channel=channel, category=category, description=description,
                   actor=actor, ip_address=ip_address)
    return cases_confirm_check(case_ids=[case.pk]).get(case.pk, [])
