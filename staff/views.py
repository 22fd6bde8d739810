from django.conf import settings
from django.http import HttpResponseRedirect
from django.views.decorators.http import require_POST

from core.redirects import safe_next_url
from staff.models import Language, StaffProfile


@require_POST
def language_set(request):
    """Switch the interface language; for a signed-in member of staff it is remembered on their profile."""
    language = request.POST.get("language")
    response = HttpResponseRedirect(safe_next_url(request, request.POST.get("next")))
    if language in Language.values:
        if request.user.is_authenticated:
            StaffProfile.objects.filter(user=request.user).update(language=language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax",
                            secure=settings.SESSION_COOKIE_SECURE, httponly=True)
    return response
