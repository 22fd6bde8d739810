"""What every successful action answers: a sentence saying what happened, and the page shown again.

One way for every form, htmx or not: the message goes into the session and the page that holds the form is
loaded afresh, so every panel the action changed (the Status card after a plan becomes active, the
contact verdict after a hold, the timeline) is current, not only the panel that sent the form. A failed
form is answered by its own view with the form bound to what was typed.
"""

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh


def action_done(request, message: str, to: str, *args, level: int = messages.SUCCESS, **kwargs) -> HttpResponse:
    """Say `message` on the next page, which is `to` (a URL name with its arguments, or a path).

    An htmx request from that very page reloads it in place (the browser keeps the scroll position);
    from anywhere else, or without htmx, the browser goes to `to`. `level` is a warning when what was
    done needs the reader's attention (a contact logged as a breach).
    """
    messages.add_message(request, level, message)
    target = resolve_url(to, *args, **kwargs)
    if request.htmx:
        current = urlsplit(request.htmx.current_url or "").path
        if current == urlsplit(target).path:
            return HttpResponseClientRefresh()
        return HttpResponseClientRedirect(target)
    return redirect(target)
