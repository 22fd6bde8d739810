"""What the cardholder does on their own page, each through the service staff use for the same thing.

Every action is recorded as a CardholderAction (the case, the link, the address, the time), which staff
read on the case's timeline, and audited with the link. The case is always one of the cardholder's own:
the views find it through `selectors.cardholder_case`, and the services below check it again.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.holds import hold_request_create
from cases.lifecycle import HoldKind
from cases.models import Case, PreferenceSource
from cases.preferences import preference_state
from complaints.models import Category as ComplaintCategory
from complaints.models import Channel as ComplaintChannel
from complaints.services import complaint_open
from contacts.callbacks import callback_schedule
from contacts.services import ContactNotPermitted
from core.actors import Cardholder
from core.errors import DomainError
from core.i18n import english, stored_phrase
from core.uploads import upload_content_type
from repayment_plans.models import PLAN_IN_FORCE, PromiseChannel, RepaymentPlan
from repayment_plans.promises import promise_take
from selfservice.models import CardholderAction, CardholderUpload

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOADS = 5

PROMISED = stored_phrase("Promised to pay %(amount)s %(currency)s by %(date)s")
DISPUTED = stored_phrase("Disputed the debt (%(category)s)")
COMPLAINED = stored_phrase("Complained (%(category)s)")
CALLBACK = stored_phrase("Asked for a call at %(at)s")
HARDSHIP = stored_phrase("Told us about hardship and asked for a pause until %(until)s")
PREFERENCE = stored_phrase("Changed contact preferences: %(what)s")


def _own(actor: Cardholder, case: Case) -> None:
    if not isinstance(actor, Cardholder) or not actor.owns(case):
        raise DomainError(_("This is not one of your cases."), code="not_yours")


def _record(*, actor: Cardholder, case: Case | None, kind: str, summary: str, ip_address: str | None,
            at: dt.datetime, obj=None) -> CardholderAction:
    action = CardholderAction.objects.create(customer_id=actor.customer_id, case=case, link_id=actor.link_id,
                                             kind=kind, summary=summary[:300], ip_address=ip_address, created_at=at)
    audit_log(actor=actor, action=f"selfservice.{kind}", obj=obj or action, case_id=case.pk if case else None,
              ip_address=ip_address, changes={"link": actor.link_id, "at": at.isoformat()})
    return action


def uploads_checked(files) -> list[tuple[object, str]]:
    """Each file with its type read from its content; DomainError on `files` when one is refused."""
    if len(files) > MAX_UPLOADS:
        raise DomainError(_("Send at most %(count)s files."), params={"count": MAX_UPLOADS}, field="files")
    return [(file, upload_content_type(file=file, max_bytes=MAX_UPLOAD_BYTES, field="files")) for file in files]


def _keep_uploads(action: CardholderAction, checked) -> None:
    for file, content_type in checked:
        upload = CardholderUpload(action=action, content_type=content_type, size=file.size)
        upload.file.save("upload", file, save=False)
        upload.save()


@transaction.atomic
def selfservice_promise(*, actor: Cardholder, case: Case, amount: Decimal, due_date: dt.date,
                        ip_address: str | None) -> CardholderAction:
    """A promise to pay by `due_date` (within PROMISE_MAX_DAYS_AHEAD): collection pauses as for an agent's. Not
    while a plan is agreed or in force: its instalments are the cardholder's promise, and a second promise beside
    them would only blur which payment is which."""
    _own(actor, case)
    if RepaymentPlan.objects.filter(case=case, status__in=PLAN_IN_FORCE).exists():
        raise DomainError(_("You already have a repayment plan for this debt: pay its instalments as agreed."),
                          code="plan_in_force")
    now = timezone.now()
    promise = promise_take(case=case, amount=amount, due_date=due_date, channel=PromiseChannel.ONLINE, actor=actor,
                           at=now, ip_address=ip_address)
    return _record(actor=actor, case=case, kind=CardholderAction.Kind.PROMISE, ip_address=ip_address, at=now,
                   summary=PROMISED % {"amount": promise.amount, "currency": promise.currency,
                                       "date": due_date.isoformat()}, obj=promise)


@transaction.atomic
def selfservice_dispute(*, actor: Cardholder, case: Case, kind: str, category: str, description: str, files,
                        ip_address: str | None) -> CardholderAction:
    """A dispute or complaint: the hold goes on at once and the answer's deadline starts (complaints)."""
    _own(actor, case)
    checked = uploads_checked(files)
    now = timezone.now()
    complaint = complaint_open(case=case, kind=kind, channel=ComplaintChannel.ONLINE, category=category,
                               description=description, actor=actor, received_at=now, ip_address=ip_address)
    # The category's English name, which the timeline shows in the reader's language (not its code).
    summary = (DISPUTED if kind == "dispute" else COMPLAINED) % {"category": english(ComplaintCategory(category).label)}
    action = _record(actor=actor, case=case, ip_address=ip_address, at=now, summary=summary, obj=complaint,
                     kind=CardholderAction.Kind.DISPUTE if kind == "dispute" else CardholderAction.Kind.COMPLAINT)
    _keep_uploads(action, checked)
    return action


@transaction.atomic
def selfservice_callback(*, actor: Cardholder, case: Case, due_at: dt.datetime,
                         ip_address: str | None) -> CardholderAction:
    """A call at a time the cardholder chose, inside contact hours (the governor checks it)."""
    _own(actor, case)
    now = timezone.now()
    try:
        contact = callback_schedule(case=case, actor=actor, due_at=due_at, note="", ip_address=ip_address)
    except ContactNotPermitted as exc:
        # The governor's reasons are written for staff (rules, zones): the cardholder is told what to choose.
        raise DomainError(_("We cannot call you at that time. Please choose another time between 08:00 and 21:00, "
                            "your time."), code=exc.code, field="at") from exc
    except DomainError as exc:
        if exc.code != "in_the_past":
            raise
        raise DomainError(_("Please choose a time later than now."), code=exc.code, field="at") from exc
    # The time as the cardholder chose it, in their own zone, as staff will call them (not UTC in ISO form).
    zone = case.account.customer.timezone
    local = timezone.localtime(due_at, ZoneInfo(zone))
    return _record(actor=actor, case=case, kind=CardholderAction.Kind.CALLBACK, ip_address=ip_address, at=now,
                   summary=CALLBACK % {"at": f"{local:%Y-%m-%d %H:%M} ({zone})"}, obj=contact)


@transaction.atomic
def selfservice_hardship(*, actor: Cardholder, case: Case, cause: str, reason: str, until: dt.date, files,
                         ip_address: str | None) -> CardholderAction:
    """A hardship hold requested for a supervisor, with the first document as its evidence."""
    _own(actor, case)
    checked = uploads_checked(files)
    if not checked:
        raise DomainError(_("Attach a document that shows the hardship."), code="required", field="files")
    now = timezone.now()
    request = hold_request_create(case=case, kind=HoldKind.HARDSHIP, actor=actor, reason=reason, until=until,
                                  cause=cause, evidence_file=checked[0][0], at=now, ip_address=ip_address)
    action = _record(actor=actor, case=case, kind=CardholderAction.Kind.HARDSHIP, ip_address=ip_address, at=now,
                     summary=HARDSHIP % {"until": until.isoformat()}, obj=request)
    _keep_uploads(action, checked[1:])
    return action


@transaction.atomic
def selfservice_preference(*, actor: Cardholder, customer, kind: str, value: dict, target: str = "",
                           what: str, ip_address: str | None) -> CardholderAction:
    """One preference stated by the cardholder (source self_service); the newest statement wins."""
    if not isinstance(actor, Cardholder) or actor.customer_id != customer.pk:
        raise DomainError(_("This is not your page."), code="not_yours")
    now = timezone.now()
    statement = preference_state(customer=customer, kind=kind, source=PreferenceSource.SELF_SERVICE, actor=actor,
                                 target=target, value=value, stated_at=now, ip_address=ip_address)
    return _record(actor=actor, case=None, kind=CardholderAction.Kind.PREFERENCE, ip_address=ip_address, at=now,
                   summary=PREFERENCE % {"what": what}, obj=statement)

