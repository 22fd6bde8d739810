from django.db.models import QuerySet

from events.models import Event


def events_after(*, after: int, limit: int) -> QuerySet[Event]:
    """The next `limit` events with an id above `after`, oldest first.

    Safe to page through with the last id seen: event writers are serialized (see events.services), so
    an id is visible only once every smaller id has committed or rolled back.
    """
    return Event.objects.filter(id__gt=after).order_by("id")[:limit]
