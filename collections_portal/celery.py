"""The Celery application. Configuration comes from Django settings under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_portal.settings.local")

app = Celery("collections_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
