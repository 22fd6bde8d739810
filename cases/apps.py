from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        # The built-in queue reasons and timeline sources register themselves on import.
        from cases import queue, timeline  # noqa: F401
