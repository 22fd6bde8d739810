"""The case page's panels: each capability registers its own, and the page renders whatever is registered.

A panel is a template, a function that gives its context for a case, who sees it, and its place on the
page. Apps register theirs from AppConfig.ready() with `case_panel_register`, so the case page knows none
of them and the apps below it never import the apps above (contacts, negotiation, visits, complaints …).

There is one way to answer a refused form on the case page, `case_page_refused`: an htmx request gets
its panel back (status 200, which htmx swaps), bound to what was typed; a plain form post gets the whole
page with status 400. Either way every other panel is rendered as usual.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.shortcuts import render

from cases.personal_data import REVEALABLE, may_reveal
from cases.queue import case_claim
from cases.timeline import case_timeline
from core.errors import DomainError
from core.feedback import action_done
from staff.permissions import Capability, can, can_work_cases

PAGE = "cases/case_detail.html"


def _everyone(request, case) -> bool:
    return True


@dataclass(frozen=True)
class CasePanel:
    name: str
    template: str
    context: Callable  # (request, case) -> dict
    order: int
    visible: Callable = field(default=_everyone)  # (request, case) -> bool


_PANELS: dict[str, CasePanel] = {}


def case_panel_register(panel: CasePanel) -> None:
    _PANELS[panel.name] = panel


def case_panels() -> list[CasePanel]:
    return sorted(_PANELS.values(), key=lambda panel: (panel.order, panel.name))


def _page_cards(request, case) -> dict:
    """The page's own cards: cardholder (masked), amounts, status and claim, and the timeline."""
    return {
        "case": case,
        "claim": case_claim(case=case, user=request.user),
        "timeline": case_timeline_for(case=case, user=request.user),
        "can_work": can_work_cases(request.user),
        "personal_data": [(name, label, read(case), may_reveal(user=request.user, field=name))
                          for name, (label, read) in REVEALABLE.items()],
    }


def case_timeline_for(*, case, user) -> list[dict]:
    """The timeline as `user` may read it: internal notes only for in-house staff."""
    entries = case_timeline(case=case)
    if can(user, Capability.SEE_INTERNAL_RECORDS):
        return entries
    return [entry for entry in entries if entry["kind"] != "note"]


def case_page_context(request, case, overrides: dict | None = None) -> dict:
    """Every registered panel's context for `case`, then `overrides` (a refused panel's bound forms)."""
    context = _page_cards(request, case)
    shown = [panel for panel in case_panels() if panel.visible(request, case)]
    for panel in shown:
        context.update(panel.context(request, case))
    context.update(overrides or {})
    context["panels"] = [panel.template for panel in shown]
    return context


def case_page_refused(request, case, *, partial: str, context: dict) -> HttpResponse:
    """A refused form on the case page: htmx gets `partial`, a plain post the whole page (400)."""
    if request.htmx:
        return render(request, partial, {**case_page_context(request, case), **context})
    return render(request, PAGE, case_page_context(request, case, context), status=400)


def case_form_answer(request, case, form, *, act: Callable, partial: str, context: Callable) -> HttpResponse:
    """How a form on the case page is answered: `act(cleaned_data)` does the work and returns what to say,
    and the page is shown again (core.feedback); a domain error goes beside its field, and a refused form
    comes back through `case_page_refused` with `context(form)`, its panel's context bound to what was typed.
    """
    if form.is_valid():
        try:
            message = act(form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return action_done(request, message, "cases:detail", case_id=case.pk)
    return case_page_refused(request, case, partial=partial, context=context(form))
