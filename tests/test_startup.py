"""Server and worker processes freeze what they loaded at startup out of the garbage collector's reach."""

import gc

from celery.signals import worker_process_init

from collections_portal.startup import startup_objects_freeze


def test_startup_objects_are_frozen_and_the_urlconf_is_among_them():
    from django.urls import get_resolver

    try:
        startup_objects_freeze()
        assert gc.get_freeze_count() > 10_000
        patterns = get_resolver().url_patterns
        # Frozen objects are out of the collector's generations.
        assert all(tracked is not patterns for tracked in gc.get_objects())
    finally:
        gc.unfreeze()


def test_each_celery_worker_process_freezes_its_startup_objects():
    import collections_portal.celery  # noqa: F401 - connects the handler

    try:
        worker_process_init.send(sender=None)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
