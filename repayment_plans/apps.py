from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepaymentPlansConfig(AppConfig):
    name = "repayment_plans"
    verbose_name = _("Repayment plans")

    def ready(self):
        from cases.contact_stops import contact_pause_register
        from cases.ingest.payments import payments_applied_register
        from contacts.governor import agreement_pause_register
        from repayment_plans import queue, timeline
        from repayment_plans.selectors import case_agreement_pauses, cases_paused_by_agreement
        from repayment_plans.tracking import agreements_payments_applied

        queue.register()
        timeline.register()
        contact_pause_register("agreements", case_agreement_pauses)
        payments_applied_register("agreements", agreements_payments_applied)
        agreement_pause_register("agreements", lambda case_ids: cases_paused_by_agreement(case_ids=case_ids))
