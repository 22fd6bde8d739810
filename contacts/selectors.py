"""Reads of contacts."""

from django.db.models import QuerySet

from cases.models import Case
from contacts.models import ContactAttempt, ContactStatus, ScheduledContact


def case_scheduled_contacts(*, case: Case) -> QuerySet[ScheduledContact]:
    return (ScheduledContact.objects.filter(case=case).select_related("policy_version__policy")
            .order_by("due_at", "id"))


def case_delivery_problems(*, case: Case) -> QuerySet[ScheduledContact]:
    """Automated contacts whose last delivery failed: still retrying, or given up (failed)."""
    return ScheduledContact.objects.filter(case=case).exclude(last_error="").exclude(
        status=ContactStatus.SENT).order_by("due_at", "id")


def case_contact_attempts(*, case: Case) -> QuerySet[ContactAttempt]:
    return ContactAttempt.objects.filter(case=case).select_related("overridden_by").order_by("at", "id")


def _masked_number(number: str) -> str:
    return f"****{number[-4:]}" if number else ""


def case_contacts_view(*, case: Case) -> dict:
    """A case's contacts for complaint handlers and auditors: every scheduled contact, oldest first, with
    the policy version and rule that produced it and the governor's trail; and every attempt, with the
    verdict it was logged under and any supervisor override. Phone numbers show their last 4 digits."""
    results = []
    for contact in case_scheduled_contacts(case=case):
        version = contact.policy_version
        results.append({
            "id": contact.pk, "channel": contact.channel, "due_at": contact.due_at.isoformat(),
            "status": contact.status,
            "policy_version": ({"id": version.pk, "policy": version.policy.name, "number": version.number}
                               if version else None),
            "rule": contact.rule, "strategy": contact.strategy, "origin": contact.origin, "trail": contact.trail,
            "delivery_attempts": contact.delivery_attempts, "last_error": contact.last_error,
        })
    attempts = [{
        "id": attempt.pk, "channel": attempt.channel, "at": attempt.at.isoformat(), "actor": attempt.actor_label,
        "result": attempt.result, "number": _masked_number(attempt.number), "third_party": attempt.third_party,
        "callback_requested": attempt.callback_requested, "notes": attempt.notes, "verdict": attempt.verdict,
        "scheduled_contact": attempt.scheduled_contact_id,
        "override": ({"by": attempt.overridden_by.get_username(), "reason": attempt.override_reason}
                     if attempt.overridden_by_id else None),
    } for attempt in case_contact_attempts(case=case)]
    return {"results": results, "attempts": attempts}


def case_next_contact(*, case: Case) -> ScheduledContact | None:
    """The earliest contact or task still scheduled for the case, or None."""
    from contacts.models import ContactStatus

    return (ScheduledContact.objects.filter(case=case, status=ContactStatus.SCHEDULED)
            .order_by("due_at", "id").first())
