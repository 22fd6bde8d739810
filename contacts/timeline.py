"""What contacts add to a case's timeline: scheduled contacts and the attempts staff logged."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cases.timeline import stored_text, timeline_source_register
from contacts.governor import breach_text
from contacts.models import ESTATE_LETTER_RULE, ContactAttempt, ContactStatus, Direction, Origin, ScheduledContact

# The escalation pass writes short codes as the reason when it cancels a contact; read them as sentences.
PASS_REASONS = {
    "case on hold": gettext_noop("Cancelled: the case was put on hold."),
    "case closed": gettext_noop("Cancelled: the case was closed."),
    "superseded": gettext_noop("Replaced by a newer contact of the policy."),
    "case placed with an agency": gettext_noop("Cancelled: the case was placed with an outside agency."),
    "case fails a confirm check": gettext_noop("Cancelled: the case fails a confirm check."),
}
# Rules a person should read as words rather than a policy's code (T1.sms, say).
RULE_NAMES = {ESTATE_LETTER_RULE: gettext_noop("Letter to the estate")}


def _detail(contact: ScheduledContact) -> str:
    """The rule that planned the contact and, once cancelled, why, in the reader's language."""
    rule = _(RULE_NAMES[contact.rule]) if contact.rule in RULE_NAMES else contact.rule
    reason = contact.trail[-1].get("reason", "") if contact.trail and contact.status == ContactStatus.CANCELLED else ""
    if not isinstance(reason, str) or not reason:
        return rule
    return f"{rule} · {stored_text(PASS_REASONS.get(reason, reason))}"


def _planned_by(contact: ScheduledContact) -> str:
    """Whose queue a task is in; who wrote a letter staff wrote; else the policy."""
    if contact.assigned_to_id:
        return contact.assigned_to.get_username()
    if contact.origin == Origin.STAFF and contact.trail and contact.trail[0].get("by"):
        return contact.trail[0]["by"]
    return _("contact policy")


def _scheduled(case, limit: int) -> list[dict]:
    return [{"at": contact.due_at, "kind": "scheduled", "actor": _planned_by(contact),
             "text": _("%(channel)s scheduled · %(status)s") % {"channel": contact.get_channel_display(),
                                                                "status": contact.get_status_display()},
             "detail": _detail(contact)}
            for contact in ScheduledContact.objects.filter(case=case).select_related("assigned_to")
            .order_by("-due_at")[:limit]]


def _attempts(case, limit: int) -> list[dict]:
    entries = []
    attempts = ContactAttempt.objects.filter(case=case).select_related("exception").order_by("-occurred_at")
    for attempt in attempts[:limit]:
        text = _("%(channel)s: %(result)s") % {"channel": attempt.get_channel_display(),
                                               "result": attempt.get_result_display()}
        if attempt.direction == Direction.INBOUND:
            text += " · " + _("the cardholder called in")
        if attempt.breached_rules:
            text += " · " + _("breach of the contact rules: %(rules)s") % {"rules": breach_text(attempt.breached_rules)}
        elif attempt.exception_id:
            text += " · " + _("authorised exception (%(by)s)") % {"by": attempt.exception.granted_by_label}
        if attempt.recording_ref:
            text += " · " + _("recording %(ref)s") % {"ref": attempt.recording_ref}
        entries.append({"at": attempt.occurred_at, "kind": "breach" if attempt.breached_rules else "attempt",
                        "actor": attempt.actor_label, "text": text, "detail": attempt.notes})
    return entries


def register() -> None:
    timeline_source_register("scheduled_contacts", _scheduled)
    timeline_source_register("contact_attempts", _attempts)
