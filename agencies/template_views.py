"""The agency's template set pages: its versions, uploading one (a JSON file or the text boxes), putting one in
force and withdrawing it. Managers who keep the whitelist do this; everyone who sees the agency reads them."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies import selectors, template_sets
from agencies.forms import TemplateSetForm, WithdrawForm
from agencies.models import TemplateSet
from core.errors import DomainError
from core.feedback import action_done
from staff.permissions import Capability, can


def _agency(request, agency_id: int, *, manage: bool = False):
    if manage and not can(request.user, Capability.MANAGE_AGENCIES):
        raise PermissionDenied
    return get_object_or_404(selectors.agencies_visible_to(user=request.user), pk=agency_id)


def _page(request, agency, *, form=None, withdraw_form=None, error: str = ""):
    can_manage = can(request.user, Capability.MANAGE_AGENCIES)
    bad = form is not None and bool(form.errors) or withdraw_form is not None and bool(withdraw_form.errors) or error
    return render(request, "agencies/template_sets.html", {
        "agency": agency, "versions": template_sets.template_sets_of(agency=agency),
        "active": template_sets.template_set_active(agency_id=agency.pk), "can_manage": can_manage,
        "form": form or (TemplateSetForm() if can_manage else None),
        "withdraw_form": withdraw_form or WithdrawForm(), "error": error,
        "placeholders": sorted(template_sets.SET_PLACEHOLDERS)}, status=400 if bad else 200)


@login_required
def template_set_list(request, agency_id: int):
    agency = _agency(request, agency_id)
    if request.method != "POST":
        return _page(request, agency)
    agency = _agency(request, agency_id, manage=True)
    form = TemplateSetForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            upload = form.cleaned_data["file"]
            texts = template_sets.template_set_parse(upload=upload) if upload else form.texts()
            version = template_sets.template_set_upload(agency=agency, texts=texts, actor=request.user,
                                                        note=form.cleaned_data["note"])
        except DomainError as exc:
            if upload and exc.field in form.fields and exc.field != "file":
                # The file's text for that box is wrong: say so beside the file, naming the text.
                form.add_error("file", f"{form.fields[exc.field].label}: {exc.message}")
            else:
                form.add_domain_error(exc)
        else:
            return action_done(request, _("Version %(version)s kept; put it in force when it is right.") % {
                "version": version.version}, "agencies:template-set", agency_id=agency.pk, version=version.version)
    return _page(request, agency, form=form)


@login_required
def template_set_detail(request, agency_id: int, version: int):
    agency = _agency(request, agency_id)
    kept = get_object_or_404(TemplateSet, agency=agency, version=version)
    rows = [(template_sets.CHANNEL_NAMES[channel], [(language, kept.texts.get(channel, {}).get(language, ""))
                                                    for language in template_sets.LANGUAGES])
            for channel in template_sets.CHANNELS]
    return render(request, "agencies/template_set.html", {
        "agency": agency, "version": kept, "rows": rows, "can_manage": can(request.user, Capability.MANAGE_AGENCIES)})


@login_required
@require_POST
def template_set_publish(request, agency_id: int, version: int):
    agency = _agency(request, agency_id, manage=True)
    kept = get_object_or_404(TemplateSet, agency=agency, version=version)
    try:
        template_sets.template_set_publish(version=kept, actor=request.user)
    except DomainError as exc:
        return _page(request, agency, error=exc.message)
    return action_done(request, _("Version %(version)s is in force.") % {"version": kept.version},
                       "agencies:template-sets", agency_id=agency.pk)


@login_required
@require_POST
def template_set_withdraw(request, agency_id: int):
    agency = _agency(request, agency_id, manage=True)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            template_sets.template_set_withdraw(agency=agency, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return action_done(request, _("No version is in force now: automated messages to its cases stop."),
                               "agencies:template-sets", agency_id=agency.pk)
    return _page(request, agency, withdraw_form=form)
