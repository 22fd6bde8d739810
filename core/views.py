from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import cache_control

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


@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers and tools that ask for /favicon.ico without reading the page's icon link get the icon too."""
    return redirect(static("favicon.svg"), permanent=False)
