"""What the cardholder did on their own page, on the case's timeline, for staff."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.timeline import stored_text
from selfservice.models import CardholderAction


def cardholder_actions(case, limit: int) -> list[dict]:
    actions = (CardholderAction.objects
               .filter(Q(case=case) | Q(case__isnull=True, customer_id=case.account.customer_id))
               .prefetch_related("uploads").order_by("-created_at")[:limit])
    return [{"at": action.created_at, "kind": "self_service", "actor": _("the cardholder, on their own page"),
             "text": stored_text(action.summary),
             "detail": _("Through link %(link)s from %(address)s; %(count)s document(s) attached")
             % {"link": action.link_id, "address": action.ip_address or "?", "count": len(action.uploads.all())},
             "links": [(_("Document %(number)s") % {"number": number},
                        reverse("selfservice-staff:upload", args=[upload.pk]))
                       for number, upload in enumerate(action.uploads.all(), start=1)]}
            for action in actions]
