from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Field visits")

    def ready(self):
        from core.anonymise import Scrub, anonymise_register

        by_case = "case__account__customer"
        by_visit = "visit__case__account__customer"
        anonymise_register(Scrub("visits.Visit", by_case, fields=("reason", "address", "district"),
                                 values={"latitude": None, "longitude": None}))
        anonymise_register(Scrub("visits.VisitHistory", by_visit, fields=("reason",)))
        anonymise_register(Scrub("visits.VisitReport", by_visit, fields=("delinquency_reason", "others_present",
                                                                          "notes")))
        anonymise_register(Scrub("visits.VisitDocument", by_visit, files=("file",)))

        from cases.contact_stops import contact_stop_register
        from cases.selectors import case_scope_register
        from visits import timeline
        from visits.selectors import cases_visited_by
        from visits.services import visits_stop

        timeline.register()
        contact_stop_register("visits", visits_stop)
        case_scope_register("visits", cases_visited_by)

        from cases.panels import CasePanel, case_panel_register
        from visits.views import case_panel_context

        case_panel_register(CasePanel("visits", "visits/partials/case_panel.html",
                                      lambda request, case: case_panel_context(request, case), order=20))
