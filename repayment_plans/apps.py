from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepaymentPlansConfig(AppConfig):
    name = "repayment_plans"
    verbose_name = _("Repayment plans")

    def ready(self):
        from cases.contact_stops import contact_pause_register
        from repayment_plans import queue, timeline
        from repayment_plans.selectors import case_agreement_pauses

        queue.register()
        timeline.register()
        contact_pause_register("agreements", case_agreement_pauses)
