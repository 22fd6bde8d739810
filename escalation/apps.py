from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = _("Escalation")

    def ready(self):
        from cases.panels import CasePanel, case_panel_register
        from escalation.views import plan_panel_context
        from staff.permissions import Capability, can

        # The bank's plan for the case (its tier, strategy and in-house owner) is not the agency's to read: while
        # a case is placed the agency works it, and its staff see the placement panel instead.
        case_panel_register(CasePanel("plan", "escalation/partials/plan_panel.html", plan_panel_context, order=5,
                                      visible=lambda request, case: case.is_open and not can(
                                          request.user, Capability.WORK_PLACED_CASES)))
