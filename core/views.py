from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control


@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers and tools that ask for /favicon.ico without reading the page's icon link get the icon too."""
    return redirect(static("favicon.svg"), permanent=False)
