from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Outside agencies")

    def ready(self):
        from core.anonymise import Scrub, anonymise_register

        # Reasons a member of staff typed may name the cardholder or their situation.
        anonymise_register(Scrub("agencies.Placement", "case__account__customer", fields=("reason", "end_reason")))
        anonymise_register(Scrub("agencies.CommissionLine", "case__account__customer", fields=("reason",)))

        from agencies import services, template_sets
        from agencies.timeline import placements_timeline
        from agencies.views import placement_panel_context, placement_panel_visible
        from cases.contact_stops import contact_stop_register
        from cases.ingest.payments import payments_applied_register
        from cases.ingest.reversals import payment_reversed_register
        from cases.panels import CasePanel, case_panel_register
        from cases.queue import queue_exclusion_register
        from cases.selectors import case_scope_register
        from cases.timeline import timeline_source_register
        from complaints.services import complaint_opened_register
        from contacts.messages import message_text_register

        case_scope_register("agency_placements", services.placement_scope)
        queue_exclusion_register("placed_with_agency", services.placed_elsewhere)
        contact_stop_register("agency_placements", services.placements_end_on_stop)
        complaint_opened_register("agency_placements", services.placement_end_on_complaint)
        payments_applied_register("agency_commission", services.commission_record)
        payment_reversed_register("agency_commission", services.commission_clawback_reversed)
        timeline_source_register("agency_placements", placements_timeline)
        message_text_register(template_sets.placed_message_text)
        case_panel_register(CasePanel("placement", "agencies/partials/placement_panel.html",
                                      placement_panel_context, order=35, visible=placement_panel_visible))
