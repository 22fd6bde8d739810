"""What the cardholder sees on their own page: only their own open cases, and on each only what is theirs
to know. Staff names, notes, internal rules' codes and other people's data never reach these pages."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from cases.lifecycle import HoldKind, Stage
from cases.models import Case, CaseHold, Customer, HoldRequest
from complaints.models import Complaint, Status
from contacts.governor import PAUSED_BY_PLAN, PURPOSE_INSTALMENT_REMINDER
from contacts.messages import format_money, mask_card
from contacts.models import Channel, ContactAttempt, ContactStatus, ScheduledContact
from repayment_plans.models import PLAN_IN_FORCE, Promise, PromiseStatus, RepaymentPlan
from repayment_plans.selectors import case_agreement_pauses

SHOWN_PLAN_STATUSES = PLAN_IN_FORCE


def cardholder_cases(*, customer: Customer):
    return (Case.objects.filter(account__customer=customer).exclude(stage=Stage.CLOSED)
            .select_related("account").order_by("overdue_since", "pk"))


def cardholder_case(*, customer: Customer, case_id: int) -> Case:
    """One of the cardholder's own open cases, or 404 (the same answer whether it exists or not)."""
    case = cardholder_cases(customer=customer).filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


def _when(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def why_text(contact: ScheduledContact, case: Case) -> str:
    """Why this contact, in plain words: a callback they asked for, or how late the payment will be then."""
    if contact.rule == "callback":
        return _("because you asked us to call you")
    if contact.channel == Channel.LEGAL_REVIEW:
        return _("because your payment is %(days)s days late, and we must review what to do next") % {
            "days": case.dpd(contact.due_at)}
    days = case.dpd(contact.due_at)
    return ngettext("because your payment is %(days)s day late", "because your payment is %(days)s days late",
                    days) % {"days": days}


WILL = {
    Channel.SMS: lambda day: _("We will send you a text message on %(day)s") % {"day": day},
    Channel.EMAIL: lambda day: _("We will email you on %(day)s") % {"day": day},
    Channel.LETTER: lambda day: _("We will send you a letter on %(day)s") % {"day": day},
    Channel.CALL: lambda day: _("We will call you on %(day)s") % {"day": day},
    Channel.VISIT: lambda day: _("We may visit you from %(day)s") % {"day": day},
    Channel.LEGAL_REVIEW: lambda day: _("We will review your case on %(day)s") % {"day": day},
}


def case_next_contacts(*, case: Case, limit: int = 3) -> list[str]:
    """The next contacts planned, in plain words; one already due is shown as today's. While a promise or a
    plan in force pauses collection, the contacts the governor will hold back are not promised to the
    cardholder (only instalment reminders go out), so the page does not contradict "we will not chase you"."""
    now = timezone.now()
    contacts = ScheduledContact.objects.filter(case=case, status=ContactStatus.SCHEDULED)
    if Case.objects.filter(pk=case.pk).filter(case_agreement_pauses()).exists():
        contacts = contacts.exclude(Q(channel__in=PAUSED_BY_PLAN) & ~Q(purpose=PURPOSE_INSTALMENT_REMINDER))
    contacts = contacts.order_by("due_at")[:limit]
    return [pgettext("what and why", "%(will)s %(why)s.") % {"will": WILL[c.channel](_when(max(c.due_at, now))),
                                                              "why": why_text(c, case)}
            for c in contacts if c.channel in WILL]


@dataclass
class HistoryRow:
    at: dt.datetime
    channel: str
    direction: str
    result: str


def case_contact_history(*, case: Case, limit: int = 30) -> list[HistoryRow]:
    """Contacts with the cardholder themselves (never a third party's), and messages sent: no staff names."""
    rows = [HistoryRow(a.occurred_at, a.get_channel_display(), a.get_direction_display(), a.get_result_display())
            for a in ContactAttempt.objects.filter(case=case, third_party=False).order_by("-occurred_at")[:limit]]
    rows += [HistoryRow(c.sent_at, c.get_channel_display(), _("Outbound"), _("Sent"))
             for c in ScheduledContact.objects.filter(case=case, status=ContactStatus.SENT, sent_at__isnull=False)
             .order_by("-sent_at")[:limit]]
    return sorted(rows, key=lambda row: row.at, reverse=True)[:limit]


def case_matters(*, case: Case) -> list[str]:
    """What the bank has in hand for the cardholder on this case, in plain words: a dispute or complaint being
    looked into (and by when they will hear), a hardship request awaiting an answer, collection paused for
    hardship. A few rows per case."""
    lines = []
    for complaint in Complaint.objects.filter(case=case, status=Status.OPEN).order_by("received_at"):
        lines.append((_("We are looking into your dispute of %(date)s and will answer you in writing by %(due)s. "
                        "We do not chase you for this debt meanwhile.") if complaint.kind == "dispute" else
                      _("We are looking into your complaint of %(date)s and will answer you in writing by "
                        "%(due)s.")) % {"date": _when(complaint.received_at), "due": _when(complaint.sla_due_at)})
    for request in HoldRequest.objects.filter(case=case, kind=HoldKind.HARDSHIP, status=HoldRequest.Status.PENDING):
        lines.append(_("Your hardship request of %(date)s is waiting for our answer.") % {
            "date": _when(request.requested_at)})
    for hold in CaseHold.objects.filter(case=case, kind=HoldKind.HARDSHIP, released_at__isnull=True):
        lines.append(_("Collection is paused because of your circumstances until %(date)s.") % {
            "date": date_format(hold.until, "DATE_FORMAT")} if hold.until else
            _("Collection is paused because of your circumstances."))
    return lines


def case_promises(*, case: Case):
    return Promise.objects.filter(case=case, status=PromiseStatus.PENDING).order_by("due_date")


def case_plans(*, case: Case):
    return (RepaymentPlan.objects.filter(case=case, status__in=SHOWN_PLAN_STATUSES)
            .prefetch_related("instalments").order_by("-proposed_at"))


def case_letters(*, case: Case):
    return (ScheduledContact.objects.filter(case=case, channel=Channel.LETTER, status=ContactStatus.SENT)
            .exclude(letter_file="").order_by("-sent_at"))


def case_letter(*, case: Case, contact_id: int) -> ScheduledContact:
    letter = case_letters(case=case).filter(pk=contact_id).first()
    if letter is None:
        raise Http404
    return letter


def case_plan(*, case: Case, plan_id: int) -> RepaymentPlan:
    plan = case_plans(case=case).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return plan


def how_to_pay(*, case: Case) -> dict:
    """The bank's repayment account (as the agreement states it) and the reference to quote."""
    card = mask_card(case.account.account_number)
    reference = case.account.repayment_reference or settings.PLAN_REPAYMENT_REFERENCE.format(plan=case.pk, card=card)
    return {"account_name": settings.PLAN_REPAYMENT_ACCOUNT_NAME,
            "account_number": settings.PLAN_REPAYMENT_ACCOUNT_NUMBER,
            "bank": settings.PLAN_REPAYMENT_ACCOUNT_BANK, "reference": reference,
            "phone": settings.CONTACTS_BANK_PHONE}


def money(value, currency: str) -> str:
    return format_money(value, currency)


def case_plan_in_progress(*, case: Case) -> bool:
    """A plan awaiting approval, approved or active: a case has at most one, so no other can be chosen."""
    from repayment_plans.models import PLAN_IN_PROGRESS
    return RepaymentPlan.objects.filter(case=case, status__in=PLAN_IN_PROGRESS).exists()
