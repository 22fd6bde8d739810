"""The Celery application. Configuration comes from Django settings under the CELERY_ namespace."""

import os

from celery import Celery
from celery.signals import worker_process_init

from core.local_broker import local_broker_register

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_portal.settings.local")

# `filesystem://` (make run without Redis) writes each message whole before a worker can take it.
local_broker_register()
app = Celery("collections_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _freeze_startup_objects(**_kwargs) -> None:
    from collections_portal.startup import startup_objects_freeze

    startup_objects_freeze()
