"""TOTP two-factor sign-in (django-otp): optional for supervisors, managers and admins, required for an
outside agency's staff.

Once a member of staff has confirmed an authenticator, every new session must pass a code before
anything but the code page and sign-out is served. Whoever must use one is sent to set it up first.
"""

import base64

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import audit_log, client_ip
from core.redirects import safe_next_url
from staff.permissions import Capability, can

EXEMPT_PATHS = ("/accounts/verify/", "/accounts/logout/", "/static/", "/healthz", "/language/")


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Six-digit code"), min_length=6, max_length=6,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


class TwoFactorRequiredMiddleware:
    """Sends a signed-in user with a confirmed authenticator to the code page until the session is verified."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (user.is_authenticated and not user.is_verified() and not request.path.startswith(EXEMPT_PATHS)
                and confirmed_device(user) is not None):
            return redirect(f"{reverse('two-factor-verify')}?{urlencode({'next': request.get_full_path()})}")
        if (user.is_authenticated and not user.is_verified() and can(user, Capability.REQUIRE_TWO_FACTOR)
                and not request.path.startswith((*EXEMPT_PATHS, reverse("two-factor-setup")))):
            return redirect("two-factor-setup")
        return self.get_response(request)


@login_required
def two_factor_setup(request):
    if not can(request.user, Capability.USE_TWO_FACTOR):
        raise PermissionDenied
    if confirmed_device(request.user):
        return render(request, "registration/two_factor_setup.html", {"enabled": True})
    device, _created = TOTPDevice.objects.get_or_create(user=request.user, confirmed=False,
                                                        defaults={"name": "authenticator"})
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit_log(actor=request.user, action="two_factor.enabled", obj=device, ip_address=client_ip(request))
            return render(request, "registration/two_factor_setup.html", {"enabled": True, "just_enabled": True})
        form.add_error("code", _("That code is not right. Check the time on your phone and try again."))
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=4)
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "registration/two_factor_setup.html", {"form": form, "qr": qr, "secret": secret})


@login_required
def two_factor_verify(request):
    device = confirmed_device(request.user)
    next_url = safe_next_url(request, request.POST.get("next") or request.GET.get("next"))
    if device is None or request.user.is_verified():
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            otp_login(request, device)
            return redirect(next_url)
        form.add_error("code", _("That code is not right."))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": next_url})
