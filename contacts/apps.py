from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self):
        from contacts.retention import register as anonymise_registrations

        anonymise_registrations()

        from cases.contact_stops import contact_stop_register
        from contacts import queue, timeline
        from contacts.services import scheduled_contacts_stop

        queue.register()
        timeline.register()
        contact_stop_register("scheduled_contacts", scheduled_contacts_stop)

        from cases.panels import CasePanel, case_panel_register
        from contacts.views import contact_panel_context

        case_panel_register(CasePanel("contacts", "contacts/partials/contact_panel.html",
                                      lambda request, case: contact_panel_context(request, case), order=10))
