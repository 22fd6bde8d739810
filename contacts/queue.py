"""What contacts add to an agent's queue: call tasks that are due, and callbacks the cardholder asked for."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from cases.queue import QueueReason, queue_reason_register
from contacts.models import Channel, ContactStatus, Origin, ScheduledContact


def _due_calls(origin: str):
    def condition(end_of_day) -> Q:
        return Q(Exists(ScheduledContact.objects.filter(
            case=OuterRef("pk"), channel=Channel.CALL, status=ContactStatus.SCHEDULED, origin=origin,
            due_at__lt=end_of_day,
        )))
    return condition


def register() -> None:
    queue_reason_register(QueueReason(code="contact_due", label=_("Contact due"), rank=10,
                                      condition=_due_calls(Origin.POLICY)))
    queue_reason_register(QueueReason(code="callback", label=_("Callback"), rank=20,
                                      condition=_due_calls(Origin.STAFF)))
