from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.delinquency import DELINQUENT_BUCKETS
from cases.lifecycle import Stage
from cases.models import Case
from cases.selectors import case_active_holds, case_history, cases_in_bucket, cases_visible_to


class CaseFilterForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("Any"))] + Stage.choices)
    bucket = forms.ChoiceField(label=_("Bucket"), required=False,
                               choices=[("", _("Any"))] + [(b, b) for b in DELINQUENT_BUCKETS])


@login_required
def case_list(request):
    form = CaseFilterForm(request.GET or None)
    cases = cases_visible_to(user=request.user)
    if form.is_valid():
        if form.cleaned_data["stage"]:
            cases = cases.filter(stage=form.cleaned_data["stage"])
        if form.cleaned_data["bucket"]:
            cases = cases_in_bucket(bucket=form.cleaned_data["bucket"], queryset=cases)
    page = Paginator(cases.order_by("-priority", "overdue_since", "id"), 25).get_page(request.GET.get("page"))
    return render(request, "cases/case_list.html", {"form": form, "page": page, "now": timezone.now()})


@login_required
def case_detail(request, case_id: int):
    try:
        case = cases_visible_to(user=request.user).get(pk=case_id)
    except Case.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "cases/case_detail.html", {
        "case": case,
        "holds": case_active_holds(case=case),
        "history": case_history(case=case)[:50],
        "payments": case.payments.order_by("-paid_at")[:20],
    })
