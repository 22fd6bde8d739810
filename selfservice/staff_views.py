"""For staff: the documents a cardholder sent from their own page, opened from the case's timeline."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import audit_log, client_ip
from cases.access import visible_case_or_404, workable_case_or_403
from core.feedback import action_done
from core.uploads import private_file_response
from selfservice.links import customer_links_revoke
from selfservice.models import CardholderSession, CardholderUpload, SelfServiceLink


def case_panel_context(request, case) -> dict:
    """On the case page: the cardholder's links in force, when one was last opened and last signed in."""
    customer_id = case.account.customer_id
    links = SelfServiceLink.objects.filter(customer_id=customer_id)
    in_force = links.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    last_opened = links.exclude(last_opened_at=None).order_by("-last_opened_at").values_list("last_opened_at",
                                                                                             flat=True).first()
    last_session = (CardholderSession.objects.filter(customer_id=customer_id).order_by("-created_at")
                    .values_list("created_at", flat=True).first())
    return {"self_service": {"links_in_force": in_force.count(), "last_opened": last_opened,
                             "last_signed_in": last_session}}


@login_required
@require_POST
def links_revoke(request, case_id: int):
    """Revoke every link of the case's cardholder and end their sessions (a lost phone, a recycled number)."""
    case = workable_case_or_403(request, case_id)
    reason = (request.POST.get("reason") or "").strip()[:200] or "revoked from the case page"
    count = customer_links_revoke(customer=case.account.customer, actor=request.user, reason=reason)
    return action_done(request, _("%(count)s link(s) revoked; the cardholder is signed out.") % {"count": count},
                       "cases:detail", case.pk)


@login_required
def upload_file(request, upload_id: int):
    """Served to those who see the case, and audited as a look at the cardholder's document."""
    upload = get_object_or_404(CardholderUpload.objects.select_related("action"), pk=upload_id)
    case = visible_case_or_404(request, upload.action.case_id)
    audit_log(actor=request.user, action="selfservice.upload_viewed", obj=upload, case_id=case.pk,
              ip_address=client_ip(request))
    return private_file_response(file=upload.file, content_type=upload.content_type,
                                 filename=f"cardholder-{upload.pk}")
