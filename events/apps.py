from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events for the core system")

    def ready(self):
        from core.anonymise import Scrub, anonymise_register

        # Past retention, the free text of the cardholder's events goes; the facts (types, amounts, dates) stay.
        anonymise_register(Scrub("events.Event", "case__account__customer", json_keys={"payload": (
            "reason", "note", "notes", "description", "resolution", "terms", "name", "phone", "address", "email",
            "number")}))
