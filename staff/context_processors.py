from urllib.parse import urlsplit

from django.utils.http import url_has_allowed_host_and_scheme

from staff.permissions import capabilities_of, user_role


def role(request):
    """The signed-in member of staff's role and capabilities (staff.permissions), for navigation."""
    user = getattr(request, "user", None)
    return {"role": user_role(user) if user is not None else None,
            "caps": capabilities_of(user) if user is not None else frozenset()}


def page_url(request):
    """The address of the page the reader is on, for the language switch and the browser's address bar.

    A refused form is answered at its POST-only address (with what was typed and the errors); the reader
    is still on the page the form came from, the same-site Referer, so that is where a language switch
    returns and what app.js puts in the address bar. Anything else falls back to the overview.
    """
    if request.method in ("GET", "HEAD"):
        return {"page_url": request.get_full_path()}
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        parts = urlsplit(referer)
        return {"page_url": parts.path + (f"?{parts.query}" if parts.query else "")}
    return {"page_url": "/"}
