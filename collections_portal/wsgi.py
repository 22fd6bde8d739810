import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_portal.settings.local")
application = get_wsgi_application()

from collections_portal.startup import startup_objects_freeze  # noqa: E402 - after Django is set up

startup_objects_freeze()
