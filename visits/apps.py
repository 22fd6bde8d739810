from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Field visits")

    def ready(self):
        from cases.contact_stops import contact_stop_register
        from cases.selectors import case_scope_register
        from visits import timeline
        from visits.selectors import cases_visited_by
        from visits.services import visits_stop

        timeline.register()
        contact_stop_register("visits", visits_stop)
        case_scope_register("visits", cases_visited_by)
