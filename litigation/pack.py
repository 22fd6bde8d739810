"""The lawyer's pack: what counsel needs to pursue one case, in one ZIP built by `core.evidence`.

A PDF summary (the litigation record and its milestones; the statement of amounts by part; payments; the
contact record; the letters, SMS and email sent; promises and agreements with their acceptance proof;
complaints and their resolutions), the court papers, letters and agreements themselves, and a manifest of
SHA-256 hashes. The sections the cardholder's file shows too are written by the apps that own them, so the
two read the same. Every build is audited with the manifest's hash.
"""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import audit_log
from cases.models import Payment
from complaints.evidence import complaints_section
from complaints.models import Complaint
from contacts.evidence import attempts_section, messages_section
from contacts.models import ContactAttempt, ScheduledContact
from core.evidence import BuiltPack, EvidencePack, stored_bytes, when_text
from litigation.models import LitigationRecord
from litigation.selectors import litigation_totals, milestones_of
from litigation.services import litigation_require
from repayment_plans.evidence import plans_section, promises_section
from repayment_plans.models import Promise, RepaymentPlan


def _money(amount, currency: str) -> str:
    return f"{amount} {currency}" if amount is not None else "—"


def litigation_pack(*, record: LitigationRecord, built_by: str, now: dt.datetime) -> EvidencePack:
    """The pack's contents for `record`, in the active language (the reader's)."""
    case = record.case
    customer = case.account.customer
    zone = ZoneInfo(customer.timezone)
    language = translation.get_language() or settings.LANGUAGE_CODE
    pack = EvidencePack(
        title=_("Lawyer's pack"), language="zh-hans" if language.startswith("zh") else "en",
        author=settings.CONTACTS_BANK_NAME, created_at=now,
        preamble=[_("Case #%(case)s, card ending %(card)s") % {"case": case.pk,
                                                                "card": case.account.account_number[-4:]},
                  _("Cardholder: %(name)s (%(id)s)") % {"name": customer.name, "id": customer.external_id},
                  _("Built at %(at)s by %(by)s") % {"at": when_text(now, zone), "by": built_by},
                  _("Times are shown in the cardholder's time zone, %(zone)s.") % {"zone": zone.key}])
    totals = litigation_totals(record=record)
    pack.section_add(_("Litigation"), [[
        (_("Counsel"), f"{record.get_counsel_kind_display()}: {record.counsel_name or '—'}"),
        (_("Court"), record.court or "—"), (_("Court's case number"), record.court_case_number or "—"),
        (_("Claim"), _money(record.claim_amount, record.currency)),
        (_("Costs incurred"), _money(record.costs_incurred, record.currency)),
        (_("Opened"), f"{when_text(record.opened_at, zone)}, {record.opened_by_label}"),
        (_("Closed"), f"{when_text(record.closed_at, zone)}, {record.get_ending_display()}"
         if record.closed_at else "—"),
    ]])

    milestone_rows = []
    for milestone in milestones_of(record=record):
        row = [(_("Milestone"), milestone.get_kind_display()), (_("Date"), milestone.on.isoformat()),
               (_("Recorded"), f"{when_text(milestone.recorded_at, zone)}, {milestone.actor_label}")]
        if milestone.amount is not None:
            row.append((_("Amount"), _money(milestone.amount, milestone.currency)))
        if milestone.ending:
            row.append((_("Ended"), milestone.get_ending_display()))
        if milestone.note:
            row.append((_("Note"), milestone.note))
        for number, document in enumerate(milestone.documents.all(), start=1):
            data = stored_bytes(document.file)
            suffix = Path(document.file.name).suffix
            name = f"court/{milestone.on:%Y%m%d}-{milestone.kind}-{milestone.pk}-{number}{suffix}"
            row.append((_("Document"), pack.file_add(name, data) if data is not None else _("Missing from storage")))
        milestone_rows.append(row)
    pack.section_add(_("Milestones"), milestone_rows, empty=_("None"))

    pack.section_add(_("Statement of amounts"), [[
        (_("Principal"), _money(case.principal_overdue, case.currency)),
        (_("Interest"), _money(case.interest_overdue, case.currency)),
        (_("Fees"), _money(case.fees_overdue, case.currency)),
        (_("Penalty"), _money(case.penalty_overdue, case.currency)),
        (_("Total overdue"), _money(case.total_overdue, case.currency)),
        (_("Overdue since"), case.overdue_since.isoformat()),
        (_("Paid since litigation opened"), _money(totals["paid"], case.currency)),
        (_("Recovered through enforcement"), _money(totals["recovered"], record.currency)),
        (_("Judgment"), _money(totals["judgment"], record.currency)),
    ]])
    pack.section_add(_("Payments"), [[
        (_("Paid"), when_text(p.paid_at, zone)), (_("Amount"), _money(p.amount, p.currency)),
        (_("Transaction"), p.transaction_id),
    ] for p in Payment.objects.filter(case=case).order_by("paid_at", "id")], empty=_("None"))

    attempts_section(pack, ContactAttempt.objects.filter(case=case), zone)
    messages_section(pack, ScheduledContact.objects.filter(case=case), zone)
    promises_section(pack, Promise.objects.filter(case=case), zone)
    agreement_language = customer.language if customer.language in ("zh-hans", "en") else "zh-hans"
    plans_section(pack, RepaymentPlan.objects.filter(case=case), zone, language=agreement_language)
    complaints_section(pack, Complaint.objects.filter(case=case), zone)
    return pack


def litigation_pack_build(*, record: LitigationRecord, actor, ip_address: str | None = None,
                          now: dt.datetime | None = None) -> BuiltPack:
    """Build the lawyer's pack and audit the build: who, which record, and the manifest's hash.

    Reads only; the one write is the audit record."""
    litigation_require(actor)
    now = now or timezone.now()
    record = LitigationRecord.objects.select_related("case__account__customer").get(pk=record.pk)
    built_by = actor if isinstance(actor, str) else actor.get_username()
    built = litigation_pack(record=record, built_by=built_by, now=now).build()
    audit_log(actor=actor, action="litigation.pack_built", obj=record, case_id=record.case_id, ip_address=ip_address,
              changes={"manifest_sha256": built.manifest_sha256, "files": len(built.names)})
    return built


def litigation_pack_name(record: LitigationRecord, now: dt.datetime) -> str:
    return f"lawyers-pack-case-{record.case_id}-{now:%Y%m%d-%H%M%S}.zip"
