"""The cardholder's own page, as a link in the messages sent to them.

The page lives in a higher layer (selfservice), which this app must not import. It registers the one
provider of links from its AppConfig.ready(); delivery asks for a link at send time, for the cardholder
a message goes to. Without a provider, or with SELF_SERVICE_LINKS off, messages carry no link.
"""

import datetime as dt
from collections.abc import Callable

from django.conf import settings

from cases.models import Customer

# (customer, channel, at, case) -> the link's full address, or "" when the case's policy sends none
LinkProvider = Callable[..., str]
_provider: list[LinkProvider] = []


def message_link_register(provider: LinkProvider) -> None:
    _provider[:] = [provider]


def message_link(*, customer: Customer, channel: str, at: dt.datetime, case=None) -> str:
    """A new link to the cardholder's own page for one message to `customer` on `channel` about `case`, or "".
    The self-service funnel counts the link under that case."""
    if not getattr(settings, "SELF_SERVICE_LINKS", False) or not _provider or customer.anonymised_at:
        return ""
    return _provider[0](customer=customer, channel=channel, at=at, case=case)
