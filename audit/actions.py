"""What each audit action means, in words: compliance reads the trail in its own language, never codes.

The trail stores the stable code (`visit.requested`); the page and the filter show these words. A code
missing here is shown as stored.
"""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "audit.exported": _("Audit trail exported"),
    "breaches.exported": _("Contact-rule breaches exported"),
    "cardholder_file.built": _("Cardholder's file built"),
    "callback.scheduled": _("Callback scheduled"),
    "case.hold_placed": _("Hold placed"),
    "case.hold_released": _("Hold released"),
    "case.hold_requested": _("Hold requested for approval"),
    "case.hold_request_approved": _("Hold request approved"),
    "case.hold_request_refused": _("Hold request refused"),
    "case.hold_evidence_viewed": _("Hold evidence viewed"),
    "case.note_added": _("Note added"),
    "case.amounts_confirmed": _("Amounts confirmed as reported"),
    "case.account_check_requested": _("Core system asked to check the account"),
    "preference.stated": _("Contact preference recorded"),
    "case.reassigned": _("Case reassigned"),
    "case.assigned_by_load": _("Case assigned by load"),
    "cases.reassigned_bulk": _("Cases reassigned in bulk"),
    "case.referred": _("Referred to the supervisor"),
    "case.referral_decided": _("Referral decided"),
    "case.viewed": _("Case viewed"),
    "case.searched": _("Cases searched by identifier"),
    "complaints.exported": _("Complaints register exported"),
    "contact_attempt.reason_recorded": _("Reason for the delinquency recorded"),
    "contact_exception.granted": _("Contact exception authorised"),
    "contact_exception.revoked": _("Contact exception revoked"),
    "contact_point.added": _("Contact point added"),
    "contact_point.marked_wrong": _("Number reported wrong"),
    "complaint.opened": _("Complaint registered"),
    "complaint.resolved": _("Complaint resolved"),
    "dispute.opened": _("Dispute registered"),
    "dispute.resolved": _("Dispute resolved"),
    "contact.letter_written": _("Letter written by staff"),
    "litigation.opened": _("Litigation record opened"),
    "litigation.viewed": _("Litigation record viewed"),
    "litigation.updated": _("Litigation record changed"),
    "litigation.milestone_recorded": _("Litigation milestone recorded"),
    "litigation.document_viewed": _("Litigation document viewed"),
    "litigation.pack_built": _("Lawyer's pack built"),
    "litigation.write_off_not_raised": _("No write-off proposal raised"),
    "personal_data.reveal": _("Personal data revealed"),
    "plan.proposed": _("Plan proposed"),
    "plan.pending_approval": _("Plan sent for approval"),
    "plan.approved": _("Plan approved"),
    "plan.rejected": _("Plan rejected"),
    "plan.active": _("Plan accepted and active"),
    "plan.broken": _("Plan broken"),
    "plan.completed": _("Plan completed"),
    "plan.cancelled": _("Plan withdrawn"),
    "plan.acceptance_code_sent": _("Acceptance code sent"),
    "plan.agreement_downloaded": _("Agreement downloaded"),
    "policy.version_published": _("Contact policy version activated"),
    "promise.taken": _("Promise to pay taken"),
    "team.capacity_set": _("Team capacity set"),
    "team.assignment_set": _("Team's assignment of new cases set"),
    "two_factor.enabled": _("Two-factor sign-in enabled"),
    "write_off.proposed": _("Write-off proposed"),
    "write_off.approved": _("Write-off approved: case closed as written off"),
    "write_off.rejected": _("Write-off rejected"),
    "write_off.withdrawn": _("Write-off withdrawn"),
    "write_off.withdrawn_on_close": _("Write-off withdrawn: the case closed"),
    "visit.requested": _("Field visit requested"),
    "visit.assigned": _("Field visit assigned"),
    "visit.reassigned": _("Field visit reassigned"),
    "visit.cancelled": _("Field visit cancelled"),
    "visit.checked_in": _("Checked in on a field visit"),
    "visit.completed": _("Field visit completed"),
    "visit.document_viewed": _("Visit document viewed"),
    "agency.created": _("Agency added to the whitelist"),
    "selfservice.letter_read": _("Cardholder opened a letter on their own page"),
    "selfservice.agreement_read": _("Cardholder opened an agreement on their own page"),
    "selfservice.upload_viewed": _("Document the cardholder uploaded viewed"),
    "selfservice.link_locked": _("Link to the cardholder's page locked after failed attempts"),
    "selfservice.link_revoked": _("Links to the cardholder's page revoked"),
    "selfservice.plan": _("Cardholder chose a pre-approved plan on their own page and accepted it with a code"),
    "selfservice.plan_request": _("Cardholder asked for a plan beyond the offers, with their income and expenditure"),
    "agency.updated": _("Agency changed"),
    "agency.approved": _("Agency approved"),
    "agency.suspended": _("Agency suspended"),
    "agency.terminated": _("Agency terminated"),
    "case.placed": _("Case placed with an agency"),
    "commission.clawback": _("Commission clawed back"),
    "statement.approved": _("Commission statement approved"),
    "template_set.uploaded": _("Agency template set uploaded"),
    "template_set.published": _("Agency template set put in force"),
    "template_set.withdrawn": _("Agency template set withdrawn"),
    "agency.complaints_warned": _("Managers warned of an agency's complaints"),
}


def audit_action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def audit_object_label(object_type: str) -> str:
    """The kind of record, as its model names it ("visits.visit" → the visit's verbose name)."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type
