from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfServiceConfig(AppConfig):
    name = "selfservice"
    verbose_name = _("The cardholder's own page")

    def ready(self):
        from core.anonymise import Scrub, anonymise_register

        # What the cardholder uploaded (a dispute's evidence, a hardship document) is theirs.
        anonymise_register(Scrub("selfservice.CardholderUpload", "action__customer", files=("file",)))

        from cases.panels import CasePanel, case_panel_register
        from cases.timeline import timeline_source_register
        from contacts.links import message_link_register
        from selfservice.links import link_for_message
        from selfservice.staff_views import case_panel_context
        from selfservice.timeline import cardholder_actions

        message_link_register(link_for_message)
        timeline_source_register("self_service", cardholder_actions)
        case_panel_register(CasePanel("self_service", "selfservice/partials/case_panel.html", case_panel_context,
                                      order=55))
