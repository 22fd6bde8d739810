from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self):
        from cases.contact_stops import contact_stop_register
        from contacts import queue, timeline
        from contacts.services import scheduled_contacts_stop

        queue.register()
        timeline.register()
        contact_stop_register("scheduled_contacts", scheduled_contacts_stop)
