"""What contacts add to an agent's queue: call tasks that are due, and callbacks the cardholder asked for."""

from django.db.models import Exists, Min, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from cases.queue import QueueReason, queue_reason_register
from contacts.models import Channel, ContactStatus, Origin, ScheduledContact


def _pending_calls(origin: str):
    return ScheduledContact.objects.filter(channel=Channel.CALL, status=ContactStatus.SCHEDULED, origin=origin)


def _due_calls(origin: str):
    def condition(end_of_day) -> Q:
        return Q(Exists(_pending_calls(origin).filter(case=OuterRef("pk"), due_at__lt=end_of_day)))
    return condition


def _calls_due_since(origin: str):
    def since(case_ids: list[int]) -> dict:
        """The due time of each case's oldest call task still waiting: an unworked task stays in the queue."""
        return dict(_pending_calls(origin).filter(case_id__any=case_ids)
                    .values("case_id").annotate(since=Min("due_at")).values_list("case_id", "since"))
    return since


def register() -> None:
    queue_reason_register(QueueReason(code="contact_due", label=_("Contact due"), rank=10,
                                      condition=_due_calls(Origin.POLICY), since=_calls_due_since(Origin.POLICY)))
    queue_reason_register(QueueReason(code="callback", label=_("Callback"), rank=20,
                                      condition=_due_calls(Origin.STAFF), since=_calls_due_since(Origin.STAFF)))
