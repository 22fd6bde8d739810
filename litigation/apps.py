from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LitigationConfig(AppConfig):
    name = "litigation"
    verbose_name = _("Litigation")

    def ready(self):
        from core.anonymise import Scrub, anonymise_register

        anonymise_register(Scrub("litigation.Milestone", "record__case__account__customer", fields=("note",)))
        anonymise_register(Scrub("litigation.MilestoneDocument", "milestone__record__case__account__customer",
                                 files=("file",)))

        from cases.contact_stops import contact_stop_register
        from cases.selectors import case_scope_register
        from litigation.selectors import cases_in_litigation_scope
        from litigation.services import litigation_close_with_case

        case_scope_register("litigation", cases_in_litigation_scope)
        contact_stop_register("litigation", litigation_close_with_case)

        from cases.panels import CasePanel, case_panel_register
        from litigation.views import case_panel_context, case_panel_visible

        case_panel_register(CasePanel("litigation", "litigation/partials/case_panel.html", case_panel_context,
                                      order=5, visible=case_panel_visible))
