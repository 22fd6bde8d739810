import zoneinfo

from django.utils import timezone, translation


class StaffLocaleMiddleware:
    """Show each member of staff the portal in their own language and time zone.

    Runs after authentication and LocaleMiddleware; a signed-in user's profile wins over the browser.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        profile = getattr(request.user, "profile", None) if request.user.is_authenticated else None
        if profile is not None:
            translation.activate(profile.language)
            request.LANGUAGE_CODE = profile.language
            timezone.activate(zoneinfo.ZoneInfo(profile.timezone))
        else:
            timezone.deactivate()
        return self.get_response(request)
