"""The cardholder's file, for a regulator or a court: everything the bank did with one cardholder.

A PDF summary (the cases; every contact, with its direction, time, result, breach and recording; every
letter, SMS and email sent, with the text that went out; promises and plans with their acceptance proof;
complaints and holds), the letters and agreements themselves, and a manifest of SHA-256 hashes, in one
ZIP built by `core.evidence`. Every build is audited with the manifest's hash, so a file handed over can
later be matched to the build that made it.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import audit_log
from cases.models import Case, CaseHold, Customer, HoldRequest
from complaints.evidence import complaints_section
from complaints.models import Complaint
from contacts.evidence import attempts_section, messages_section
from contacts.models import ContactAttempt, ScheduledContact
from core.crypto import pii_hash
from core.evidence import BuiltPack, EvidencePack
from core.evidence import when_text as _when
from repayment_plans.evidence import plans_section, promises_section, write_offs_section
from repayment_plans.models import Promise, RepaymentPlan, WriteOff


def cardholder_find(query: str) -> Customer | None:
    """A cardholder by the core system's id, or by national id (through its keyed hash)."""
    query = query.strip()
    if not query:
        return None
    return (Customer.objects.filter(external_id=query).first()
            or Customer.objects.filter(national_id_hash=pii_hash(query)).first())


def cardholder_file_pack(*, customer: Customer, built_by: str, now: dt.datetime) -> EvidencePack:
    """The file's contents for `customer`, in the active language (the reader's)."""
    zone = ZoneInfo(customer.timezone)
    language = translation.get_language() or settings.LANGUAGE_CODE
    pack = EvidencePack(
        title=_("Cardholder's file"), language="zh-hans" if language.startswith("zh") else "en",
        author=settings.CONTACTS_BANK_NAME, created_at=now,
        preamble=[_("Cardholder: %(name)s (%(id)s)") % {"name": customer.name, "id": customer.external_id},
                  _("Built at %(at)s by %(by)s") % {"at": _when(now, zone), "by": built_by},
                  _("Times are shown in the cardholder's time zone, %(zone)s.") % {"zone": zone.key}])
    cases = list(Case.objects.filter(account__customer=customer).select_related("account", "assigned_team")
                 .order_by("opened_at", "id"))
    pack.section_add(_("Cases"), [[
        (_("Case"), f"#{case.pk}"), (_("Card ending"), case.account.account_number[-4:]),
        (_("Stage"), case.get_stage_display()), (_("Outcome"), case.get_outcome_display() or "—"),
        (_("Overdue"), f"{case.total_overdue} {case.currency}"), (_("Overdue since"), case.overdue_since.isoformat()),
        (_("Team"), str(case.assigned_team or "—")), (_("Opened"), _when(case.opened_at, zone)),
        (_("Closed"), _when(case.closed_at, zone)),
    ] for case in cases], empty=_("None"))

    attempts_section(pack, ContactAttempt.objects.filter(customer=customer), zone)
    messages_section(pack, ScheduledContact.objects.filter(case__account__customer=customer), zone)
    promises_section(pack, Promise.objects.filter(case__account__customer=customer), zone)
    agreement_language = customer.language if customer.language in ("zh-hans", "en") else "zh-hans"
    plans_section(pack, RepaymentPlan.objects.filter(case__account__customer=customer), zone,
                  language=agreement_language)
    write_offs_section(pack, WriteOff.objects.filter(case__account__customer=customer), zone)
    complaints_section(pack, Complaint.objects.filter(case__account__customer=customer), zone)

    hold_rows = [[
        (_("Case"), f"#{h.case_id}"), (_("Hold"), h.get_kind_display()), (_("Reason"), h.reason),
        (_("Placed"), f"{_when(h.placed_at, zone)}, {h.placed_by_label}"),
        (_("Until"), h.until.isoformat() if h.until else "—"),
        (_("Released"), f"{_when(h.released_at, zone)}, {h.released_by_label}: {h.release_reason}"
         if h.released_at else "—"),
    ] for h in CaseHold.objects.filter(case__account__customer=customer).order_by("placed_at", "id")]
    hold_rows += [[
        (_("Case"), f"#{r.case_id}"), (_("Hold requested"), r.get_kind_display()), (_("Reason"), r.reason),
        (_("Requested"), f"{_when(r.requested_at, zone)}, {r.requested_by_label}"),
        (_("Decision"), f"{r.get_status_display()}, {r.decided_by_label} {r.decision_note}".strip()),
    ] for r in HoldRequest.objects.filter(case__account__customer=customer).order_by("requested_at", "id")]
    pack.section_add(_("Holds"), hold_rows, empty=_("None"))
    return pack


def cardholder_file_build(*, customer: Customer, actor, ip_address: str | None = None,
                          now: dt.datetime | None = None) -> BuiltPack:
    """Build the cardholder's file and audit the build: who, which cardholder, and the manifest's hash.

    Reads only; the one write is the audit record."""
    now = now or timezone.now()
    built_by = actor if isinstance(actor, str) else actor.get_username()
    built = cardholder_file_pack(customer=customer, built_by=built_by, now=now).build()
    audit_log(actor=actor, action="cardholder_file.built", obj=customer, ip_address=ip_address,
              changes={"manifest_sha256": built.manifest_sha256, "files": len(built.names),
                       "cases": list(customer_case_ids(customer))})
    return built


def customer_case_ids(customer: Customer) -> list[int]:
    return list(Case.objects.filter(account__customer=customer).order_by("id").values_list("id", flat=True))


def cardholder_file_name(customer: Customer, now: dt.datetime) -> str:
    safe = "".join(ch for ch in customer.external_id if ch.isalnum() or ch in "-_") or str(customer.pk)
    return f"cardholder-file-{safe}-{now:%Y%m%d-%H%M%S}.zip"
