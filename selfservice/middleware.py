"""The boundary between the staff portal and the cardholder's own page (/my/).

On /my/ a staff session is refused, the cardholder's own cookie is read, the cardholder's language and
time zone are used, and the page gets its own, stricter headers. Everywhere else a cardholder's cookie is
refused (the browser sends it only to /my/, so one arriving elsewhere was put there by hand).
"""

import zoneinfo

from django.conf import settings
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.utils import timezone, translation

from selfservice.identity import COOKIE_NAME, session_resume

PREFIX = "/my/"
LANGUAGE_COOKIE = "cp_my_language"
LANGUAGES = ("zh-hans", "en")
# No script at all, no other origin, no framing, forms only back to this site.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")


def cardholder_language(request, customer=None) -> str:
    chosen = request.COOKIES.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    if customer is not None and customer.language in LANGUAGES:
        return customer.language
    return translation.get_language() if translation.get_language() in LANGUAGES else "zh-hans"


class CardholderBoundaryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.cardholder_session = None
        if not request.path.startswith(PREFIX):
            if COOKIE_NAME in request.COOKIES:
                return HttpResponseForbidden("A cardholder's session is only valid on the cardholder's own page.")
            return self.get_response(request)
        response = self.get_response(request)
        response["Content-Security-Policy"] = CSP
        response["Cache-Control"] = "private, no-store"
        # Same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on a form's POST, which
        # the CSRF check refuses. No address after the first redirect carries the token anyway.
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith(PREFIX):
            return None
        if request.user.is_authenticated:
            translation.activate(cardholder_language(request))
            bank = {"bank_name": settings.CONTACTS_BANK_NAME, "bank_phone": settings.CONTACTS_BANK_PHONE}
            return render(request, "selfservice/staff_refused.html", context=bank, status=403)
        session = session_resume(key=request.COOKIES.get(COOKIE_NAME, ""))
        request.cardholder_session = session
        customer = session.customer if session else None
        language = cardholder_language(request, customer)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        if customer is not None:
            timezone.activate(zoneinfo.ZoneInfo(customer.timezone))
        return None
