"""The cardholder's own page, /my/: the way in (link, identity, code) and what they see and do there.

No view here reads the staff session (the boundary middleware refuses one) and every page after the way
in needs the cardholder's own session, found by `selfservice.middleware`. The link's token appears only
in the first address, which answers with a redirect: later addresses (and their logs and referrers)
never carry it.
"""

import datetime as dt
from decimal import Decimal
from functools import wraps
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from audit.services import audit_log, client_ip
from core.errors import DomainError
from core.redirects import safe_next_url
from core.uploads import private_file_response
from repayment_plans.agreement import agreement_pdf, plan_repayment_reference
from repayment_plans.promises import TAKEN_FROM as PROMISE_STAGES
from repayment_plans.self_service import CardholderStatement
from selfservice import forms, identity, selectors, services
from selfservice import offers as plan_offers
from selfservice.identity import COOKIE_NAME, COOKIE_PATH
from selfservice.links import link_opened, link_resolve
from selfservice.middleware import LANGUAGE_COOKIE, LANGUAGES, PREFIX, cardholder_language
from selfservice.models import Failure, SelfServiceLink

ENTRY_COOKIE = "cp_my_entry"
ENTRY_SALT = "selfservice.entry"
ENTRY_MAX_AGE = 60 * 60


def _secure() -> bool:
    return settings.SELF_SERVICE_COOKIE_SECURE


def _entry(request) -> tuple[SelfServiceLink | None, dict]:
    """The link this browser arrived through (a signed cookie naming the link's row, nothing personal)."""
    try:
        data = signing.loads(request.COOKIES.get(ENTRY_COOKIE, ""), salt=ENTRY_SALT, max_age=ENTRY_MAX_AGE)
    except signing.BadSignature:
        return None, {}
    link = (SelfServiceLink.objects.select_related("customer")
            .filter(pk=data.get("link"), revoked_at__isnull=True, expires_at__gt=timezone.now(),
                    customer__anonymised_at__isnull=True).first())
    if link is not None:
        # Before signing in, the page speaks the cardholder's language, not the browser's: from here on, the
        # errors a check raises are worded in it too, not only the page around them.
        language = cardholder_language(request, link.customer)
        translation.activate(language)
        request.LANGUAGE_CODE = language
    return link, data


def _set_entry(response, data: dict) -> None:
    response.set_cookie(ENTRY_COOKIE, signing.dumps(data, salt=ENTRY_SALT), max_age=ENTRY_MAX_AGE, path=COOKIE_PATH,
                        secure=_secure(), httponly=True, samesite="Lax")


def _page(request, template: str, context: dict, status: int = 200, customer=None):
    customer = customer or (request.cardholder_session.customer if request.cardholder_session else None)
    translation.activate(cardholder_language(request, customer))
    form = context.get("form")
    if form is not None and form.is_bound:
        # A screen reader hears which field is wrong and why.
        for name in form.errors:
            if name in form.fields:
                form.fields[name].widget.attrs.update({"aria-invalid": "true",
                                                       "aria-describedby": f"{form[name].auto_id}_error"})
    return render(request, f"selfservice/{template}", {
        "signed_in": request.cardholder_session is not None, "bank_name": settings.CONTACTS_BANK_NAME,
        "bank_phone": settings.CONTACTS_BANK_PHONE, "max_days": settings.PROMISE_MAX_DAYS_AHEAD, **context},
        status=status)


def _field_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _refused(form, message) -> None:
    """`message` above a form nothing was typed into yet (a code refused before one was sent): an unbound
    form has no cleaned_data, which Form.add_error needs."""
    form.cleaned_data = {}
    form.add_error(None, message)


def cardholder_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.cardholder_session is None:
            return redirect("selfservice:signed-out")
        request.cardholder = identity.actor_of(request.cardholder_session)
        return view(request, *args, **kwargs)
    return wrapped


# --- the way in ---------------------------------------------------------------------------------------------

@require_GET
def enter(request, token: str):
    link = link_resolve(token=token)
    ip = client_ip(request)
    if link is None:
        Failure.objects.create(link=None, kind=Failure.Kind.TOKEN, ip_address=ip)
        return redirect("selfservice:link-invalid")
    link_opened(link=link)
    session = request.cardholder_session
    if session is not None and session.customer_id == link.customer_id:
        return redirect("selfservice:home")
    response = redirect("selfservice:verify")
    _set_entry(response, {"link": link.pk})
    return response


@require_GET
def link_invalid(request):
    return _page(request, "link_invalid.html", {"phone": settings.CONTACTS_BANK_PHONE})


def signed_out(request):
    return _page(request, "signed_out.html", {"phone": settings.CONTACTS_BANK_PHONE})


def verify(request):
    link, data = _entry(request)
    if link is None:
        return redirect("selfservice:link-invalid")
    form = forms.IdentityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            identity.identity_check(link=link, last_four=form.cleaned_data["last_four"], ip_address=client_ip(request))
        except DomainError as exc:
            _field_error(form, exc)
        else:
            response = redirect("selfservice:code")
            _set_entry(response, {"link": link.pk, "identity": True})
            return response
    return _page(request, "verify.html", {"form": form}, customer=link.customer,
                 status=400 if request.method == "POST" else 200)


def code(request):
    link, data = _entry(request)
    if link is None:
        return redirect("selfservice:link-invalid")
    if not data.get("identity"):
        return redirect("selfservice:verify")
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session, key = identity.code_verify(link=link, code=form.cleaned_data["code"],
                                                ip_address=client_ip(request))
        except DomainError as exc:
            _field_error(form, exc)
        else:
            response = redirect("selfservice:home")
            response.set_cookie(COOKIE_NAME, key, path=COOKIE_PATH, secure=_secure(), httponly=True,
                                samesite="Strict")
            response.delete_cookie(ENTRY_COOKIE, path=COOKIE_PATH)
            return response
    return _page(request, "code.html", {"form": form, "resent": request.method == "GET" and "resent" in request.GET},
                 customer=link.customer, status=400 if request.method == "POST" else 200)


@require_POST
def code_resend(request):
    """Send another code, then back to the code's own address (POST, redirect, GET): the page the cardholder
    types the new code into must post to `code`, and its language switch must land on a page that answers GET."""
    link, data = _entry(request)
    if link is None or not data.get("identity"):
        return redirect("selfservice:verify")
    form = forms.CodeForm()
    try:
        identity.gate_check(link=link, ip_address=client_ip(request))
        identity.code_send(link=link, ip_address=client_ip(request))
    except DomainError as exc:
        _refused(form, exc.message)
        return _page(request, "code.html", {"form": form}, customer=link.customer, status=429)
    return redirect(resolve_url("selfservice:code") + "?resent=1")


@require_POST
def sign_out(request):
    if request.cardholder_session is not None:
        identity.session_end(session=request.cardholder_session)
    response = redirect("selfservice:signed-out")
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH)
    return response


@require_POST
def language(request):
    chosen = request.POST.get("language")
    # Back to the page the switch was on, when it is one of /my/'s own.
    target = safe_next_url(request, request.POST.get("next"), default="selfservice:home")
    if not target.startswith(PREFIX):
        target = resolve_url("selfservice:home")
    response = redirect(target)
    if chosen in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, chosen, path=COOKIE_PATH, max_age=365 * 24 * 3600, secure=_secure(),
                            httponly=True, samesite="Lax")
    return response


# --- what the cardholder sees ----------------------------------------------------------------------------

def _case_view(case) -> dict:
    plans = list(selectors.case_plans(case=case))
    reference = case.account.repayment_reference or (plan_repayment_reference(plan=plans[0]) if plans else "")
    money = lambda value: selectors.money(value, case.currency)  # noqa: E731
    dpd = case.dpd()
    return {"case": case, "card": selectors.mask_card(case.account.account_number), "dpd": dpd,
            "late": ngettext("Your payment is %(dpd)s day late.", "Your payment is %(dpd)s days late.", dpd)
            % {"dpd": dpd},
            "parts": [(_("Principal"), money(case.principal_overdue)), (_("Interest"), money(case.interest_overdue)),
                      (_("Fees"), money(case.fees_overdue)), (_("Penalty"), money(case.penalty_overdue))],
            "total": money(case.total_overdue_value()), "next": selectors.case_next_contacts(case=case),
            "matters": selectors.case_matters(case=case),
            "promises": list(selectors.case_promises(case=case)), "plans": plans,
            "pay": {**selectors.how_to_pay(case=case), "reference": reference},
            # The plans shown are those in force: their instalments are the promise, so no other is offered.
            "can_promise": case.stage in PROMISE_STAGES and not plans}


@cardholder_required
def home(request):
    customer = request.cardholder_session.customer
    cases = [_case_view(case) for case in selectors.cardholder_cases(customer=customer)]
    return _page(request, "home.html", {"cases": cases, "name": customer.name})


@cardholder_required
def case_detail(request, case_id: int):
    case = selectors.cardholder_case(customer=request.cardholder_session.customer, case_id=case_id)
    view = _case_view(case)
    return _page(request, "case.html", {**view, "view": view, "history": selectors.case_contact_history(case=case),
                                        "letters": list(selectors.case_letters(case=case))})


@cardholder_required
def letter_file(request, case_id: int, contact_id: int):
    case = selectors.cardholder_case(customer=request.cardholder_session.customer, case_id=case_id)
    letter = selectors.case_letter(case=case, contact_id=contact_id)
    path = Path(settings.MEDIA_ROOT) / "letters" / Path(letter.letter_file).name
    if not path.is_file():
        raise Http404
    audit_log(actor=request.cardholder, action="selfservice.letter_read", obj=letter, case_id=case.pk,
              ip_address=client_ip(request), changes={"link": request.cardholder.link_id})

    class _Stored:
        def open(self, mode):
            return path.open(mode)
    return private_file_response(file=_Stored(), content_type="application/pdf", filename=f"letter-{letter.pk}.pdf")


@cardholder_required
def agreement_file(request, case_id: int, plan_id: int):
    case = selectors.cardholder_case(customer=request.cardholder_session.customer, case_id=case_id)
    plan = selectors.case_plan(case=case, plan_id=plan_id)
    language = case.account.customer.language if case.account.customer.language in LANGUAGES else "zh-hans"
    pdf = agreement_pdf(plan=plan, language=language)
    audit_log(actor=request.cardholder, action="selfservice.agreement_read", obj=plan, case_id=case.pk,
              ip_address=client_ip(request), changes={"link": request.cardholder.link_id})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agreement-{plan.pk}.pdf"'
    return response


# --- what the cardholder does ----------------------------------------------------------------------------

def _action(request, case_id: int, form_class, template: str, act, done: str, **initial):
    case = selectors.cardholder_case(customer=request.cardholder_session.customer, case_id=case_id)
    form = form_class(request.POST or None, request.FILES or None, initial=initial or None)
    if request.method == "POST" and form.is_valid():
        try:
            act(case, form.cleaned_data, request.FILES.getlist("files"))
        except DomainError as exc:
            _field_error(form, exc)
        else:
            return _page(request, "done.html", {"case": case, "message": done})
    return _page(request, template, {"case": case, "form": form, "card": selectors.mask_card(
        case.account.account_number), "dpd": case.dpd()}, status=400 if request.method == "POST" else 200)


@cardholder_required
def promise(request, case_id: int):
    def act(case, data, files):
        services.selfservice_promise(actor=request.cardholder, case=case, amount=data["amount"],
                                     due_date=data["due_date"], ip_address=client_ip(request))
    return _action(request, case_id, forms.PromiseForm, "promise.html", act,
                   _("Thank you. We have noted your promise and will not chase you for this debt until the date "
                     "you chose."))


@cardholder_required
def dispute(request, case_id: int):
    def act(case, data, files):
        services.selfservice_dispute(actor=request.cardholder, case=case, kind=data["kind"],
                                     category=data["category"], description=data["description"], files=files,
                                     ip_address=client_ip(request))
    return _action(request, case_id, forms.DisputeForm, "dispute.html", act,
                   _("Thank you. We have stopped collecting this debt while we look into it, and will answer you "
                     "in writing within %(days)s days.") % {"days": settings.DISPUTE_SLA_DAYS}, kind="dispute")


@cardholder_required
def callback(request, case_id: int):
    def act(case, data, files):
        moment = data["at"].replace(tzinfo=None)
        local = moment.replace(tzinfo=ZoneInfo(case.account.customer.timezone))
        services.selfservice_callback(actor=request.cardholder, case=case, due_at=local.astimezone(dt.UTC),
                                      ip_address=client_ip(request))
    return _action(request, case_id, forms.CallbackForm, "callback.html", act,
                   _("Thank you. We will call you at the time you chose."))


@cardholder_required
def hardship(request, case_id: int):
    def act(case, data, files):
        services.selfservice_hardship(actor=request.cardholder, case=case, cause=data["cause"],
                                      reason=data["reason"], until=data["until"], files=files,
                                      ip_address=client_ip(request))
    return _action(request, case_id, forms.HardshipForm, "hardship.html", act,
                   _("Thank you. A supervisor will look at your request and we will tell you the answer."))


@cardholder_required
def preferences(request):
    from cases.models import PreferenceKind
    from cases.preferences import customer_preferences
    customer = request.cardholder_session.customer
    current = customer_preferences(customer=customer)
    initial = {"no_sms": "sms" in current.opted_out_channels, "no_email": "email" in current.opted_out_channels,
               "no_calls": "call" in current.opted_out_channels,
               "window_from": current.window[0] if current.window else None,
               "window_until": current.window[1] if current.window else None}
    form = forms.PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data, ip = form.cleaned_data, client_ip(request)
        try:
            for field, channel, what in (("no_sms", "sms", "SMS"), ("no_email", "email", "email"),
                                         ("no_calls", "call", "calls")):
                if data[field] != initial[field]:
                    services.selfservice_preference(
                        actor=request.cardholder, customer=customer, kind=PreferenceKind.OPT_OUT_CHANNEL,
                        target=channel, value={"opted_out": data[field]}, ip_address=ip,
                        what=f"{'no ' if data[field] else ''}{what}")
            if (data["window_from"], data["window_until"]) != (initial["window_from"], initial["window_until"]):
                start, end = data["window_from"], data["window_until"]
                services.selfservice_preference(
                    actor=request.cardholder, customer=customer, kind=PreferenceKind.WINDOW, ip_address=ip,
                    value={"from": start.strftime("%H:%M") if start else "",
                           "until": end.strftime("%H:%M") if end else ""},
                    what=f"window {start:%H:%M}-{end:%H:%M}" if start and end else "window cleared")
        except DomainError as exc:
            _field_error(form, exc)
        else:
            return _page(request, "done.html", {"message": _("Your preferences are saved.")})
    return _page(request, "preferences.html", {"form": form}, status=400 if request.method == "POST" else 200)


# --- choosing a plan ----------------------------------------------------------------------------------------

def _offer_display(view, case) -> dict:
    """An offer in the cardholder's words, with its schedule's money formatted in the case's currency."""
    money = lambda value: selectors.money(value, case.currency)  # noqa: E731
    offer, schedule = view.offer, view.schedule
    first = date_format(view.first_due_date, "DATE_FORMAT")
    if offer.kind == "settlement":
        title = _("Pay %(percent)s %% once and the rest is waived") % {
            "percent": format(offer.pay_percent.normalize(), "f")}
        summary = _("Pay %(amount)s by %(date)s. We waive the rest, %(waived)s.") % {
            "amount": money(schedule.total), "date": first, "waived": money(schedule.waived_total)}
    else:
        title = ngettext("%(months)s monthly payment", "%(months)s monthly payments", offer.months) % {
            "months": offer.months}
        summary = _("%(count)s payments of about %(amount)s a month, the first on %(date)s.") % {
            "count": offer.months, "amount": money(view.instalment), "date": first}
        # Chinese runs its sentences on without a space.
        space = "" if translation.get_language().startswith("zh") else " "
        if schedule.waived_total:
            summary += space + _("We waive %(waived)s of interest, fees and penalty.") % {
                "waived": money(schedule.waived_total)}
        if offer.deferral_days:
            summary += space + ngettext("Your first payment is deferred by %(days)s day.",
                                      "Your first payment is deferred by %(days)s days.", offer.deferral_days) % {
                "days": offer.deferral_days}
    return {"id": offer.pk, "title": title, "summary": summary, "total": money(schedule.total),
            "owed": money(sum(schedule.owed.values(), Decimal("0"))), "waived": money(schedule.waived_total),
            "rows": [(p.number, date_format(p.due_date, "DATE_FORMAT"), money(p.amount)) for p in schedule.payments]}


@cardholder_required
def offers(request, case_id: int):
    """The plans pre-approved for this case's days past due and amount, each with its schedule."""
    case = selectors.cardholder_case(customer=request.cardholder_session.customer, case_id=case_id)
    return _page(request, "offers.html", {"case": case, "card": selectors.mask_card(case.account.account_number),
                                          "offers": [_offer_display(view, case) for view in
                                                     plan_offers.case_offer_views(case=case)],
                                          "has_plan": selectors.case_plan_in_progress(case=case)})


@cardholder_required
def offer(request, case_id: int, offer_id: int):
    """One offer's agreement; "send me a code", then the code accepts it and the plan is active at once."""
    case = selectors.cardholder_case(customer=request.cardholder_session.customer, case_id=case_id)
    try:
        view = plan_offers.case_offer_view(case=case, offer_id=offer_id)
    except DomainError as exc:
        return _page(request, "done.html", {"case": case, "message": exc.message, "back": True}, status=404)
    form, sent, status = forms.CodeForm(), False, 200
    ip = client_ip(request)
    if request.method == "POST" and request.POST.get("action") == "send":
        try:
            plan_offers.selfservice_offer_code_send(actor=request.cardholder, case=case, offer_id=offer_id,
                                                    ip_address=ip)
            sent = True
        except DomainError as exc:
            _refused(form, exc.message)
            status = 429
    elif request.method == "POST":
        form, sent = forms.CodeForm(request.POST), True
        if form.is_valid():
            try:
                accepted = plan_offers.selfservice_offer_accept(actor=request.cardholder, case=case,
                                                                offer_id=offer_id, code=form.cleaned_data["code"],
                                                                ip_address=ip)
            except DomainError as exc:
                _field_error(form, exc)
            else:
                plan = accepted.plan
                return _page(request, "offer_accepted.html", {
                    "case": case, "plan": plan, "total": selectors.money(plan.total, plan.currency),
                    "first": date_format(plan.first_due_date, "DATE_FORMAT")})
        status = 400
    return _page(request, "offer.html", {"case": case, "card": selectors.mask_card(case.account.account_number),
                                         "offer": _offer_display(view, case), "form": form, "sent": sent},
                 status=status)


@cardholder_required
def plan_request(request, case_id: int):
    """Beyond the offers: what the cardholder can pay, with their income and expenditure, for staff to decide."""
    def act(case, data, files):
        statement = CardholderStatement(
            monthly_income=data["monthly_income"], dependants=data["dependants"],
            expenses={head: data[head] or Decimal("0.00") for head in forms.PlanRequestForm.EXPENSE_FIELDS},
            proposed_monthly=data["proposed_monthly"])
        plan_offers.selfservice_plan_request(actor=request.cardholder, case=case, statement=statement,
                                             ip_address=client_ip(request))
    return _action(request, case_id, forms.PlanRequestForm, "plan_request.html", act,
                   _("Thank you. We will look at what you can pay and tell you our answer. Until then, nothing "
                     "changes in what you owe."))
