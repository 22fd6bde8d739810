"""The written agreement (书面协议): a PDF of an approved plan, from the Chinese or the English template.

The text comes from `templates/repayment_plans/agreement_<language>.txt`, in core.pdf's line marks;
the further terms the parties wrote are quoted ("> "), never read as markup. It states what Art. 70 of
the 2011 card measures asks of such an agreement: the schedule, whether interest and fees accrue and at
what rate, how to pay, that collection stops while the plan is kept, what a default means, the
cardholder's undertaking on new cards where the bank's policy asks for it, both parties' rights and
obligations, and the signatures and date.
"""

from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from contacts.messages import mask_card
from core.pdf import document_pdf
from repayment_plans.models import RepaymentPlan
from repayment_plans.selectors import plan_interest_rate

LANGUAGES = ("zh-hans", "en")
KIND_NAMES = {
    "zh-hans": {"instalments": "分期还款", "deferral": "延期还款", "settlement": "减免结清"},
    "en": {"instalments": "Instalments", "deferral": "Deferral", "settlement": "Settlement"},
}


def _percent(rate: Decimal) -> str:
    """7.3000 → "7.3", 10 → "10": the rate as a person writes it."""
    return format(rate.normalize(), "f")


def plan_repayment_reference(*, plan: RepaymentPlan) -> str:
    """What the cardholder quotes with a transfer: the account's own reference when the core system sent
    one, otherwise the bank's format (settings.PLAN_REPAYMENT_REFERENCE) filled for this plan."""
    account = plan.case.account
    return account.repayment_reference or settings.PLAN_REPAYMENT_REFERENCE.format(
        plan=plan.pk, card=mask_card(account.account_number))


def agreement_text(*, plan: RepaymentPlan, language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"no agreement template in {language!r}")
    account = plan.case.account
    customer = account.customer
    made_on = timezone.localtime(plan.decided_at or timezone.now()).date()
    # Plans proposed before the rate was fixed at proposal read today's.
    rate = plan.interest_rate if plan.interest_rate is not None else plan_interest_rate(account=account)
    return render_to_string(f"repayment_plans/agreement_{language}.txt", {
        "plan": plan, "customer": customer, "card": mask_card(account.account_number),
        "kind": KIND_NAMES[language][plan.kind], "bank": settings.CONTACTS_BANK_NAME,
        "grace": settings.PROMISE_GRACE_DAYS, "tolerated": settings.PLAN_LATE_INSTALMENTS_TOLERATED,
        "instalments": list(plan.instalments.order_by("number")), "made_on": made_on,
        "terms_lines": [line.rstrip() for line in plan.terms.strip().splitlines()],
        "accrues": rate > 0, "rate": _percent(rate),
        "repayment_account": {"name": settings.PLAN_REPAYMENT_ACCOUNT_NAME,
                              "number": settings.PLAN_REPAYMENT_ACCOUNT_NUMBER,
                              "bank": settings.PLAN_REPAYMENT_ACCOUNT_BANK},
        "reference": plan_repayment_reference(plan=plan),
        "no_new_cards": settings.PLAN_NO_NEW_CARDS_UNDERTAKING,
        "complaints_phone": settings.CONTACTS_COMPLAINTS_PHONE,
    })


def agreement_pdf(*, plan: RepaymentPlan, language: str) -> bytes:
    """The agreement for `plan` as an A4 PDF in `language` ("zh-hans" or "en")."""
    return document_pdf(text=agreement_text(plan=plan, language=language), language=language,
                        author=settings.CONTACTS_BANK_NAME)
