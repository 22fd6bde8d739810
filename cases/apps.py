from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        # The built-in queue reasons and timeline sources register themselves on import.
        from cases import queue, retention, timeline  # noqa: F401
        from cases.confirm import confirm_check_labels
        from cases.contact_point_views import contact_points_panel_context
        from cases.lifecycle import Stage
        from cases.panels import CasePanel, case_panel_register
        from cases.referral_views import referral_panel_context
        from cases.views import holds_panel_context, note_panel_context, preferences_panel_context
        from staff.permissions import Capability, can, can_work_cases

        retention.register()

        from cases.selectors import case_scope_register, confirm_exceptions_scope

        case_scope_register("confirm_exceptions", confirm_exceptions_scope)

        case_panel_register(CasePanel("contact_points", "cases/partials/contact_points_panel.html",
                                      lambda request, case: contact_points_panel_context(request, case), order=15))
        case_panel_register(CasePanel(
            "confirm", "cases/partials/confirm_panel.html",
            lambda request, case: {"confirm_checks": confirm_check_labels(case),
                                   "may_fix_confirm": can(request.user, Capability.FIX_CONFIRM_EXCEPTIONS)},
            order=4, visible=lambda request, case: case.stage == Stage.CONFIRM and bool(case.confirm_exceptions)))
        case_panel_register(CasePanel("holds", "cases/partials/holds_panel.html", holds_panel_context, order=40))
        case_panel_register(CasePanel("preferences", "cases/partials/preferences_panel.html",
                                      preferences_panel_context, order=45))
        case_panel_register(CasePanel("note", "cases/partials/note_panel.html", note_panel_context, order=60,
                                      visible=lambda request, case: can_work_cases(request.user)))
        case_panel_register(CasePanel("referral", "cases/partials/referral_panel.html",
                                      lambda request, case: referral_panel_context(request, case), order=70))
