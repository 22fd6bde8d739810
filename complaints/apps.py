from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints and disputes")

    def ready(self):
        from core.anonymise import Scrub, anonymise_register, placeholder

        # A resolved complaint keeps saying it was resolved (a constraint wants its resolution written).
        anonymise_register(Scrub("complaints.Complaint", "case__account__customer", fields=("description",),
                                 values={"resolution": placeholder("resolution")}))

        from cases.panels import CasePanel, case_panel_register
        from complaints.views import case_panel_context

        case_panel_register(CasePanel("complaints", "complaints/partials/case_panel.html",
                                      lambda request, case: case_panel_context(request, case), order=50))
