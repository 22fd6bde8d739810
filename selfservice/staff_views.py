"""For staff: the documents a cardholder sent from their own page, opened from the case's timeline."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404

from audit.services import audit_log, client_ip
from cases.access import visible_case_or_404
from core.uploads import private_file_response
from selfservice.models import CardholderUpload


@login_required
def upload_file(request, upload_id: int):
    """Served to those who see the case, and audited as a look at the cardholder's document."""
    upload = get_object_or_404(CardholderUpload.objects.select_related("action"), pk=upload_id)
    case = visible_case_or_404(request, upload.action.case_id)
    audit_log(actor=request.user, action="selfservice.upload_viewed", obj=upload, case_id=case.pk,
              ip_address=client_ip(request))
    return private_file_response(file=upload.file, content_type=upload.content_type,
                                 filename=f"cardholder-{upload.pk}")
