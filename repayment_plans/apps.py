from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepaymentPlansConfig(AppConfig):
    name = "repayment_plans"
    verbose_name = _("Repayment plans")

    def ready(self):
        from core.anonymise import Scrub, anonymise_register

        by_case = "case__account__customer"
        by_plan = "plan__case__account__customer"
        anonymise_register(Scrub("repayment_plans.Promise", by_case, fields=("note", "recording_ref",
                                                                            "recording_sha256")))
        anonymise_register(Scrub("repayment_plans.RepaymentPlan", by_case, fields=("terms", "recording_ref",
                                                                                  "recording_sha256"),
                                 files=("signed_copy",)))
        # What the cardholder earned and spent is theirs; the plan's own figures stay.
        anonymise_register(Scrub("repayment_plans.IncomeStatement", by_plan, fields=("shortfall_reason",),
                                 values={"monthly_income": 0, "essential_spending": 0, "other_debts": 0,
                                         "household_size": 1, "income_sources": []}))
        anonymise_register(Scrub("repayment_plans.PlanDecision", by_plan, fields=("reason",)))
        anonymise_register(Scrub("repayment_plans.WriteOff", by_case, fields=("reason", "decision_reason")))

        from cases.contact_stops import contact_pause_register, contact_stop_register
        from cases.ingest.payments import payments_applied_register
        from cases.ingest.reversals import payment_reversed_register
        from cases.panels import CasePanel, case_panel_register
        from contacts.governor import agreement_pause_register
        from repayment_plans import queue, timeline
        from repayment_plans.selectors import case_agreement_pauses, cases_paused_by_agreement
        from repayment_plans.tracking import agreements_payment_reversed, agreements_payments_applied
        from repayment_plans.views import PANEL, negotiation_panel_context
        from repayment_plans.write_off_views import PANEL as WRITE_OFF_PANEL
        from repayment_plans.write_off_views import write_off_panel_context, write_off_panel_visible

        case_panel_register(CasePanel("negotiation", PANEL,
                                      lambda request, case: negotiation_panel_context(request, case), order=30))
        case_panel_register(CasePanel("write_off", WRITE_OFF_PANEL,
                                      lambda request, case: write_off_panel_context(request, case), order=35,
                                      visible=write_off_panel_visible))
        queue.register()
        timeline.register()
        contact_pause_register("agreements", case_agreement_pauses)
        from repayment_plans.closing import agreements_end_on_close

        contact_stop_register("agreements", agreements_end_on_close)
        payments_applied_register("agreements", agreements_payments_applied)
        payment_reversed_register("agreements", agreements_payment_reversed)
        agreement_pause_register("agreements", lambda case_ids: cases_paused_by_agreement(case_ids=case_ids))
