"""Reads of contacts."""

from django.db.models import QuerySet

from cases.models import Case
from contacts.models import CONVERSATION_RESULTS, ContactAttempt, ContactException, ContactStatus, ScheduledContact


def case_scheduled_contacts(*, case: Case) -> QuerySet[ScheduledContact]:
    return (ScheduledContact.objects.filter(case=case).select_related("policy_version__policy")
            .order_by("due_at", "id"))


def case_delivery_problems(*, case: Case) -> QuerySet[ScheduledContact]:
    """Automated contacts whose last delivery failed: still retrying, or given up (failed)."""
    return ScheduledContact.objects.filter(case=case).exclude(last_error="").exclude(
        status=ContactStatus.SENT).order_by("due_at", "id")


def case_contact_attempts(*, case: Case) -> QuerySet[ContactAttempt]:
    return (ContactAttempt.objects.filter(case=case).select_related("exception", "contact_point")
            .order_by("occurred_at", "id"))


def case_contact_exceptions(*, case: Case, now=None) -> list[ContactException]:
    """The supervisor's exceptions on the case that can still cover a contact."""
    from django.utils import timezone

    now = now or timezone.now()
    current = ContactException.objects.filter(case=case, revoked_at__isnull=True, valid_until__gt=now).order_by(
        "valid_from", "id")
    return [exception for exception in current if not (exception.single_use and exception.used_at)]


def case_recent_breaches(*, case: Case, limit: int = 5) -> list[ContactAttempt]:
    """The case's latest contacts that broke the rules, for the agent on the case page."""
    return list(ContactAttempt.objects.filter(case=case).exclude(breached_rules=[])
                .order_by("-occurred_at", "-id")[:limit])


def case_conversation_without_reason(*, case: Case) -> ContactAttempt | None:
    """The latest conversation with the cardholder that records no reason for the delinquency (the
    telephony system's records may lack it), when no conversation records one since."""
    latest = (ContactAttempt.objects.filter(case=case, result__in=CONVERSATION_RESULTS, third_party=False)
              .order_by("-occurred_at", "-id").only("id", "delinquency_reason", "occurred_at", "result").first())
    return latest if latest is not None and not latest.delinquency_reason else None


def _masked_number(number: str) -> str:
    return f"****{number[-4:]}" if number else ""


def attempt_view(attempt: ContactAttempt) -> dict:
    """One attempt as complaint handlers, auditors and the API read it. The number shows its last 4 digits."""
    point = attempt.contact_point
    return {
        "id": attempt.pk, "channel": attempt.channel, "direction": attempt.direction, "source": attempt.source,
        "external_id": attempt.external_id, "occurred_at": attempt.occurred_at.isoformat(),
        "logged_at": attempt.logged_at.isoformat(), "duration_seconds": attempt.duration_seconds,
        "actor": attempt.actor_label, "result": attempt.result, "delinquency_reason": attempt.delinquency_reason,
        "number": _masked_number(attempt.number), "third_party": attempt.third_party,
        "contact_point": ({"id": point.pk, "kind": point.kind, "relationship": point.relationship}
                          if point is not None else None),
        "callback_requested": attempt.callback_requested, "notes": attempt.notes, "verdict": attempt.verdict,
        "breach": bool(attempt.breached_rules), "breached_rules": list(attempt.breached_rules),
        "exception": ({"id": attempt.exception.pk, "by": attempt.exception.granted_by_label,
                       "reason": attempt.exception.reason} if attempt.exception_id else None),
        "recording": ({"ref": attempt.recording_ref, "sha256": attempt.recording_sha256,
                       "keep_until": attempt.recording_keep_until.isoformat() if attempt.recording_keep_until
                       else None} if attempt.recording_ref else None),
        "scheduled_contact": attempt.scheduled_contact_id,
    }


def case_contacts_view(*, case: Case) -> dict:
    """A case's contacts for complaint handlers and auditors: every scheduled contact, oldest first, with
    the policy version and rule that produced it and the governor's trail; and every attempt, with its
    direction, when it occurred, the verdict it was logged under, any breach or authorised exception, and
    its recording. Phone numbers show their last 4 digits."""
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
    attempts = [attempt_view(attempt) for attempt in case_contact_attempts(case=case)]
    return {"results": results, "attempts": attempts}


def case_next_contact(*, case: Case) -> ScheduledContact | None:
    """The earliest contact or task still scheduled for the case, or None."""
    from contacts.models import ContactStatus

    return (ScheduledContact.objects.filter(case=case, status=ContactStatus.SCHEDULED)
            .order_by("due_at", "id").first())
