from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints and disputes")

    def ready(self):
        from cases.panels import CasePanel, case_panel_register
        from complaints.views import case_panel_context

        case_panel_register(CasePanel("complaints", "complaints/partials/case_panel.html",
                                      lambda request, case: case_panel_context(request, case), order=50))
