"""Instalment reminders: the one contact a plan in good standing still allows.

Each unpaid instalment of an active plan gets one SMS in the PLAN_REMINDER_DAYS_BEFORE days before it
falls due, through the governor with the instalment-reminder purpose (so contact hours and holds still
apply, and the plan's own pause does not). An instalment the governor or the provider turns away now is
tried again on the next run; one reminded is never reminded twice, even by two runs at once.
"""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone

from contacts.governor import PURPOSE_INSTALMENT_REMINDER, governor_check
from contacts.links import message_link
from contacts.messages import LINK_LINES, format_money, mask_card
from contacts.models import Channel
from contacts.senders import DeliveryError, sms_backend
from repayment_plans.models import Instalment, PlanStatus

logger = logging.getLogger(__name__)


def _body(instalment: Instalment, *, link: str = "") -> str:
    """The reminder's text; with `link`, it ends with the cardholder's own page (contacts.links)."""
    plan = instalment.plan
    customer = plan.case.account.customer
    language = customer.language if customer.language in ("zh-hans", "en") else "zh-hans"
    context = {"bank": settings.CONTACTS_BANK_NAME, "phone": settings.CONTACTS_BANK_PHONE,
               "card_last4": mask_card(plan.case.account.account_number), "number": instalment.number,
               "count": plan.instalment_count, "due_date": instalment.due_date.isoformat(),
               "amount": format_money(instalment.amount - instalment.paid_amount, plan.currency)}
    body = get_template(f"repayment_plans/reminder_sms_{language}.txt").template.render(
        Context(context, autoescape=False)).strip()
    return f"{body}\n\n" + LINK_LINES["sms"][language].format(link=link) if link else body


def instalment_reminders_send(*, at: dt.datetime | None = None) -> int:
    """Send the instalment reminders due now; returns how many went out."""
    at = at or timezone.now()
    days = dt.timedelta(days=settings.PLAN_REMINDER_DAYS_BEFORE)
    # Any zone's local date is within a day of UTC's; each cardholder's own window is checked below.
    candidates = list(Instalment.objects.filter(
        plan__status=PlanStatus.ACTIVE, reminded_at__isnull=True, paid_at__isnull=True,
        due_date__gte=at.date() - dt.timedelta(days=1), due_date__lte=at.date() + days + dt.timedelta(days=1),
    ).order_by("due_date", "id").values_list("id", flat=True))
    sent = 0
    for pk in candidates:
        with transaction.atomic():
            instalment = (Instalment.objects.select_for_update(skip_locked=True, of=("self",))
                          .select_related("plan__case__account__customer")
                          .filter(pk=pk, reminded_at__isnull=True, paid_at__isnull=True,
                                  plan__status=PlanStatus.ACTIVE).first())
            if instalment is None:
                continue
            case = instalment.plan.case
            today = at.astimezone(ZoneInfo(case.timezone_name)).date()
            if not today <= instalment.due_date <= today + days or not case.account.customer.phone:
                continue
            verdict = governor_check(case=case, channel=Channel.SMS, at=at, purpose=PURPOSE_INSTALMENT_REMINDER)
            if not verdict.allowed:
                continue
            try:
                link = message_link(customer=case.account.customer, channel=Channel.SMS, at=at, case=case)
                sms_backend().send(to=case.account.customer.phone, body=_body(instalment, link=link),
                                   reference=f"instalment-{instalment.pk}")
            except DeliveryError as exc:
                logger.warning("instalment reminder %s not sent: %s", instalment.pk, exc)
                continue
            Instalment.objects.filter(pk=instalment.pk).update(reminded_at=at)
            sent += 1
    return sent
