"""Following a `next` address only when it stays on this site."""

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request, candidate: str | None, default: str = "home") -> str:
    """`candidate` when it points at this host (over HTTPS when the request came over HTTPS), else `default`.

    Every view that follows a `next` goes through here: an unchecked one sends a signed-in member of
    staff to any site an attacker names, from a link that looks like the portal's.
    """
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return resolve_url(default)
