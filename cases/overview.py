"""The overview page: the cases the signed-in member of staff can see, by stage and by bucket."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from cases.delinquency import DELINQUENT_BUCKETS
from cases.lifecycle import Stage
from cases.selectors import case_counts_by_stage, cases_in_bucket, cases_visible_to


@login_required
def home(request):
    """The overview: what the signed-in member of staff can see, by stage and by bucket."""
    visible = cases_visible_to(user=request.user)
    open_cases = visible.exclude(stage=Stage.CLOSED)
    now = timezone.now()
    by_stage = case_counts_by_stage(queryset=visible)
    by_bucket = [(bucket, cases_in_bucket(bucket=bucket, as_of=now, queryset=open_cases).count())
                 for bucket in DELINQUENT_BUCKETS]
    mine = open_cases.filter(assigned_agent=request.user).order_by("-priority", "overdue_since")[:10]
    return render(request, "core/home.html", {
        "stages": [(value, Stage(value).label, by_stage[value]) for value in Stage.values],
        "by_bucket": by_bucket,
        "mine": mine,
        "now": now,
    })
