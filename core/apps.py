from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        # lookups registers `__any`; metrics and request_id connect their Celery signals.
        from core import lookups, metrics, request_id  # noqa: F401
