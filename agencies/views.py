"""The agencies pages: the whitelist, placing cases (one, a filtered list, a CSV), and the statements."""

import csv
import datetime as dt
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from agencies import selectors, services
from agencies.forms import AgencyForm, CsvForm, EndForm, FiguresFilterForm, PlaceForm, StatusForm
from agencies.models import EndCause, InHouseTotal
from cases.access import visible_case_or_404
from cases.forms import CaseFilterForm
from cases.lifecycle import Stage
from cases.panels import case_form_answer
from cases.selectors import cases_filter, cases_visible_to
from core.currencies import ISO_4217
from core.errors import DomainError
from core.feedback import action_done
from core.masking import mask
from core.pdf import document_pdf
from core.tables import COUNT, MONEY, RATE, TEXT, Column, Table, csv_response, xlsx_response
from staff.permissions import Capability, can


def _need(user, capability: Capability) -> None:
    if not can(user, capability):
        raise PermissionDenied


def _agency_or_404(request, agency_id: int):
    return get_object_or_404(selectors.agencies_visible_to(user=request.user), pk=agency_id)


# --- the case page's panel ------------------------------------------------------------------------------

def placement_panel_visible(request, case) -> bool:
    return can(request.user, Capability.PLACE_CASES) or can(request.user, Capability.WORK_PLACED_CASES)


def placement_panel_context(request, case) -> dict:
    return {"placement": selectors.placement_open(case_id=case.pk),
            "can_place": can(request.user, Capability.PLACE_CASES),
            "place_form": PlaceForm(), "end_form": EndForm()}


@login_required
@require_POST
def case_place(request, case_id: int):
    _need(request.user, Capability.PLACE_CASES)
    case = visible_case_or_404(request, case_id)

    def act(data):
        services.placements_create(case_ids=[case.pk], agency=data["agency"], actor=request.user,
                                   days=data["days"], reason=data["reason"])
        return _("Placed with %(agency)s.") % {"agency": data["agency"].name} + _outside_regions_note(
            [case.pk], data["agency"])

    return case_form_answer(request, case, PlaceForm(request.POST), act=act,
                            partial="agencies/partials/placement_panel.html",
                            context=lambda form: {**placement_panel_context(request, case), "place_form": form})


@login_required
@require_POST
def case_placement_end(request, case_id: int):
    _need(request.user, Capability.PLACE_CASES)
    case = visible_case_or_404(request, case_id)

    def act(data):
        services.placements_end(case_ids=[case.pk], cause=EndCause.MANUAL, reason=data["reason"], actor=request.user)
        return _("The placement has ended; the case is back with its team.")

    return case_form_answer(request, case, EndForm(request.POST), act=act,
                            partial="agencies/partials/placement_panel.html",
                            context=lambda form: {**placement_panel_context(request, case), "end_form": form})


# --- the whitelist ------------------------------------------------------------------------------------------

@login_required
def agency_list(request):
    agencies = selectors.agencies_visible_to(user=request.user)
    if not (agencies.exists() or can(request.user, Capability.MANAGE_AGENCIES)
            or can(request.user, Capability.VIEW_AGENCY_FIGURES)):
        raise PermissionDenied
    return render(request, "agencies/agency_list.html", {"agencies": agencies})


def _regions_help(form) -> None:
    known = selectors.cardholder_regions()
    if known:
        form.fields["regions"].help_text = _("Spelt as cardholders' regions are, for example: %(regions)s") % {
            "regions": ", ".join(known)}


def _regions_unknown_warn(request, regions) -> None:
    """A region no cardholder lives in places nothing there, silently: usually a spelling (上海 for 上海市)."""
    unknown = sorted(set(regions) - set(selectors.cardholder_regions(among=regions)))
    if unknown:
        messages.warning(request, _("No cardholder lives in %(regions)s yet: the agency gets no case there until one "
                                    "does. Check the spelling against the cardholders' regions.") % {
            "regions": ", ".join(unknown)})


def _agency_fields(form) -> dict:
    data = form.cleaned_data
    return {"contract_start": data["contract_start"], "contract_end": data["contract_end"],
            "regions": data["regions"], "capacity": data["capacity"], "placement_days": data["placement_days"],
            "commission_percent": data["commission_percent"], "commission_by_bucket": form.bucket_rates(),
            "contacts": data["contacts"],
            "ends_placement_on_conduct_complaint": data["ends_placement_on_conduct_complaint"]}


@login_required
def agency_new(request):
    _need(request.user, Capability.MANAGE_AGENCIES)
    form = AgencyForm(request.POST or None)
    _regions_help(form)
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_create(name=form.cleaned_data["name"], licence=form.cleaned_data["licence"],
                                            actor=request.user, **_agency_fields(form))
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            _regions_unknown_warn(request, agency.regions)
            return action_done(request, _("Agency added to the whitelist."), "agencies:detail", agency_id=agency.pk)
    return render(request, "agencies/agency_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def agency_edit(request, agency_id: int):
    _need(request.user, Capability.MANAGE_AGENCIES)
    agency = _agency_or_404(request, agency_id)
    initial = {"name": agency.name, "licence": agency.licence, "contract_start": agency.contract_start,
               "contract_end": agency.contract_end, "regions": agency.regions, "capacity": agency.capacity,
               "placement_days": agency.placement_days, "commission_percent": agency.commission_percent,
               "contacts": agency.contacts,
               "ends_placement_on_conduct_complaint": agency.ends_placement_on_conduct_complaint,
               **{f"rate_{bucket}": rate for bucket, rate in (agency.commission_by_bucket or {}).items()}}
    form = AgencyForm(request.POST or None, initial=initial)
    form.fields["name"].disabled = True
    _regions_help(form)
    if request.method == "POST" and form.is_valid():
        try:
            services.agency_update(agency=agency, actor=request.user, licence=form.cleaned_data["licence"],
                                   **_agency_fields(form))
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            _regions_unknown_warn(request, form.cleaned_data["regions"])
            return action_done(request, _("Agency saved."), "agencies:detail", agency_id=agency.pk)
    return render(request, "agencies/agency_form.html", {"form": form, "agency": agency},
                  status=400 if form.errors else 200)


@login_required
def agency_detail(request, agency_id: int, status_form=None):
    agency = _agency_or_404(request, agency_id)
    ends = selectors.placement_ends_by_cause(agency=agency)
    return render(request, "agencies/agency_detail.html", {
        "agency": agency,
        "placements": selectors.placements_of(agency=agency).filter(ended_at__isnull=True)[:200],
        "ends": [(label, ends.get(value, 0)) for value, label in EndCause.choices],
        "statements": selectors.statement_month_list(agency=agency),
        "members": agency.members.select_related("user").order_by("role", "user__username"),
        "status_form": status_form or StatusForm(initial={"status": agency.status}),
        "can_manage": can(request.user, Capability.MANAGE_AGENCIES),
    }, status=400 if status_form is not None else 200)


@login_required
@require_POST
def agency_status(request, agency_id: int):
    _need(request.user, Capability.MANAGE_AGENCIES)
    agency = _agency_or_404(request, agency_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            ended = services.agency_status_change(agency=agency, status=form.cleaned_data["status"],
                                                  reason=form.cleaned_data["reason"], actor=request.user)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return action_done(request, _("Status saved; %(count)s placements ended.") % {"count": ended},
                               "agencies:detail", agency_id=agency.pk)
    return agency_detail(request, agency_id, status_form=form)


# --- placing many cases -------------------------------------------------------------------------------------

def _outside_regions_note(case_ids, agency) -> str:
    """A sentence to add when some cases placed by hand are outside the regions the agency serves."""
    outside = selectors.cases_outside_regions(case_ids=case_ids, agency=agency)
    if not outside:
        return ""
    regions = {"agency": agency.name, "regions": ", ".join(agency.regions)}
    if len(case_ids) == 1:
        return " " + _("The cardholder is outside the regions %(agency)s serves (%(regions)s).") % regions
    return " " + ngettext("%(count)s of them is outside the regions %(agency)s serves (%(regions)s).",
                          "%(count)s of them are outside the regions %(agency)s serves (%(regions)s).", outside) % {
        **regions, "count": outside}


def _placed_done(request, case_ids, agency):
    note = _outside_regions_note(case_ids, agency)
    return action_done(request, ngettext("%(count)s case placed with %(agency)s.",
                                         "%(count)s cases placed with %(agency)s.", len(case_ids)) % {
        "count": len(case_ids), "agency": agency.name} + note, "agencies:detail", agency_id=agency.pk,
        level=messages.WARNING if note else messages.SUCCESS)


def _placeable(request, filters: CaseFilterForm):
    cases = cases_visible_to(user=request.user).exclude(stage=Stage.CLOSED).exclude(
        pk__in=services.Placement.objects.filter(ended_at__isnull=True).values("case_id"))
    if filters.is_valid():
        cases = cases_filter(queryset=cases, stage=filters.cleaned_data["stage"] or None,
                             bucket=filters.cleaned_data["bucket"] or None)
    return cases


@login_required
def bulk_place(request):
    """A filtered list of the open, unplaced cases the supervisor sees; the count is shown before placing."""
    _need(request.user, Capability.PLACE_CASES)
    filters = CaseFilterForm(request.GET or request.POST or None)
    cases = _placeable(request, filters)
    form = PlaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ids = list(cases.values_list("pk", flat=True))
            if str(len(ids)) != request.POST.get("count"):
                raise DomainError(_("The list changed since you saw it; check the count and confirm again."),
                                  code="count_changed")
            services.placements_create(case_ids=ids, agency=form.cleaned_data["agency"], actor=request.user,
                                       days=form.cleaned_data["days"], reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return _placed_done(request, ids, form.cleaned_data["agency"])
    return render(request, "agencies/bulk_place.html", {
        "filters": filters, "form": form, "count": cases.count(), "sample": cases.order_by("pk")[:20],
        "csv_form": CsvForm(), "csv_place_form": PlaceForm(prefix="csv")}, status=400 if form.errors else 200)


@login_required
@require_POST
def csv_place(request):
    """Place the open cases of the account numbers in a CSV: all of them, or none if one is unknown."""
    _need(request.user, Capability.PLACE_CASES)
    form, csv_form = PlaceForm(request.POST, prefix="csv"), CsvForm(request.POST, request.FILES)
    if form.is_valid() and csv_form.is_valid():
        try:
            numbers = _account_numbers(csv_form.cleaned_data["file"])
            visible = cases_visible_to(user=request.user).exclude(stage=Stage.CLOSED)
            found = dict(visible.filter(account__account_number__in=numbers)
                         .values_list("account__account_number", "pk"))
            missing = [number for number in numbers if number not in found]
            if missing:
                raise DomainError(_("No open case you can see for: %(numbers)s."),
                                  params={"numbers": ", ".join(missing[:10])}, code="unknown_account", field="file")
            with transaction.atomic():
                services.placements_create(case_ids=found.values(), agency=form.cleaned_data["agency"],
                                           actor=request.user, days=form.cleaned_data["days"],
                                           reason=form.cleaned_data["reason"])
        except DomainError as exc:
            csv_form.add_domain_error(exc)
        else:
            return _placed_done(request, list(found.values()), form.cleaned_data["agency"])
    filters = CaseFilterForm(None)
    cases = _placeable(request, filters)
    return render(request, "agencies/bulk_place.html", {
        "filters": filters, "form": PlaceForm(), "count": cases.count(), "sample": cases.order_by("pk")[:20],
        "csv_form": csv_form, "csv_place_form": form}, status=400)


def _account_numbers(upload) -> list[str]:
    if upload.size > 2 * 1024 * 1024:
        raise DomainError(_("The file is larger than 2 MB."), field="file")
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(_("The file is not UTF-8 text."), field="file") from exc
    numbers = [row[0].strip() for row in csv.reader(io.StringIO(text)) if row and row[0].strip()]
    numbers = [n for n in numbers if n.lower() not in ("account_number", "account number")]
    if not numbers:
        raise DomainError(_("The file has no account numbers."), field="file")
    return list(dict.fromkeys(numbers))


# --- statements ---------------------------------------------------------------------------------------------

def _statement(request, agency_id: int, year: int, month: int, currency: str):
    _need(request.user, Capability.VIEW_AGENCY_FIGURES)
    agency = _agency_or_404(request, agency_id)
    try:
        first = dt.date(year, month, 1)
    except ValueError as exc:
        raise Http404 from exc
    if currency.upper() not in ISO_4217:  # a made-up currency has no statement, not an empty one
        raise Http404
    return selectors.statement_figures(agency=agency, month=first, currency=currency.upper())


@login_required
def statement(request, agency_id: int, year: int, month: int, currency: str, error: str = ""):
    figures = _statement(request, agency_id, year, month, currency)
    lines = selectors.statement_lines(agency=figures.agency, month=figures.month, currency=figures.currency)
    return render(request, "agencies/statement.html", {
        "figures": figures, "lines": lines[:500], "error": error,
        "can_approve": can(request.user, Capability.APPROVE_STATEMENTS)}, status=400 if error else 200)


@login_required
@require_POST
def statement_approve_view(request, agency_id: int, year: int, month: int, currency: str):
    _need(request.user, Capability.APPROVE_STATEMENTS)
    figures = _statement(request, agency_id, year, month, currency)
    try:
        services.statement_approve(agency=figures.agency, month=figures.month, currency=figures.currency,
                                   actor=request.user)
    except DomainError as exc:
        return statement(request, agency_id, year, month, currency, error=exc.message)
    return action_done(request, _("Statement approved."), "agencies:statement", agency_id=agency_id, year=year,
                       month=month, currency=figures.currency)


STATEMENT_CSV_HEADER = ["case", "account", "payment", "paid_at", "kind", "bucket", "recovered", "rate", "commission",
                        "currency"]


def _statement_csv_rows(figures) -> list[list]:
    """One currency's lines and totals: its buckets, adjustment and amount due, each row naming the currency."""
    rows = [[line.case_id, mask(line.case.account.account_number), line.payment.transaction_id,
             line.payment.paid_at.isoformat(), line.kind, line.bucket, line.recovered, line.rate, line.amount,
             line.currency]
            for line in selectors.statement_lines(agency=figures.agency, month=figures.month,
                                                  currency=figures.currency)]
    rows += [["", "", "", "", "total", bucket, recovered, "", commission, figures.currency]
             for bucket, recovered, commission in figures.by_bucket]
    rows.append(["", "", "", "", "adjustment", "", "", "", figures.adjustment, figures.currency])
    rows.append(["", "", "", "", "due", "", figures.recovered, "", figures.total, figures.currency])
    return rows


def _statement_pdf_lines(figures) -> list[str]:
    lines = [f"## {_('Totals by bucket')} · {figures.currency}"]
    for bucket, recovered, commission in figures.by_bucket:
        lines.append(f"{bucket}: {_('recovered')} {recovered} {figures.currency} · {_('commission')} {commission} "
                     f"{figures.currency}")
    lines += [f"## {_('Total')} · {figures.currency}",
              f"{_('Recovered')}: {figures.recovered} {figures.currency}",
              f"{_('Recovery rate')}: {figures.recovery_rate:.2%}",
              f"{_('Commission')}: {figures.commission} {figures.currency}",
              f"{_('Recovery-rate adjustment')}: {figures.adjustment} {figures.currency}",
              f"{_('Total due')}: {figures.total} {figures.currency}"]
    if figures.approved:
        lines.append(_("Approved by %(who)s on %(when)s.") % {
            "who": figures.approved.approved_by.get_username(), "when": f"{figures.approved.approved_at:%Y-%m-%d}"})
    else:
        lines.append(_("Not approved yet."))
    return lines


def _csv_response(name: str, rows: list[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(STATEMENT_CSV_HEADER)
    writer.writerows(rows)
    return response


def _pdf_response(request, name: str, lines: list[str]) -> HttpResponse:
    body = document_pdf(text="\n".join(lines), language=request.LANGUAGE_CODE, author=request.user.get_username())
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


@login_required
def statement_csv(request, agency_id: int, year: int, month: int, currency: str):
    figures = _statement(request, agency_id, year, month, currency)
    return _csv_response(f"statement-{figures.agency.pk}-{figures.month:%Y-%m}-{figures.currency}",
                         _statement_csv_rows(figures))


@login_required
def statement_pdf(request, agency_id: int, year: int, month: int, currency: str):
    figures = _statement(request, agency_id, year, month, currency)
    lines = [f"# {_('Commission statement')}: {figures.agency.name}",
             f"{_('Month')}: {figures.month:%Y-%m} · {_('Currency')}: {figures.currency}",
             *_statement_pdf_lines(figures)]
    return _pdf_response(request, f"statement-{figures.agency.pk}-{figures.month:%Y-%m}-{figures.currency}", lines)


# --- a month's statement in every currency: each totalled apart ------------------------------------------

def _month(request, agency_id: int, year: int, month: int):
    _need(request.user, Capability.VIEW_AGENCY_FIGURES)
    agency = _agency_or_404(request, agency_id)
    try:
        first = dt.date(year, month, 1)
    except ValueError as exc:
        raise Http404 from exc
    return agency, first, selectors.statement_month_figures(agency=agency, month=first)


@login_required
def statement_month(request, agency_id: int, year: int, month: int):
    agency, first, by_currency = _month(request, agency_id, year, month)
    return render(request, "agencies/statement_month.html", {"agency": agency, "month": first,
                                                             "by_currency": by_currency})


@login_required
def statement_month_csv(request, agency_id: int, year: int, month: int):
    agency, first, by_currency = _month(request, agency_id, year, month)
    rows = [row for figures in by_currency for row in _statement_csv_rows(figures)]
    return _csv_response(f"statement-{agency.pk}-{first:%Y-%m}", rows)


@login_required
def statement_month_pdf(request, agency_id: int, year: int, month: int):
    agency, first, by_currency = _month(request, agency_id, year, month)
    lines = [f"# {_('Commission statement')}: {agency.name}", f"{_('Month')}: {first:%Y-%m}"]
    for figures in by_currency:
        lines += _statement_pdf_lines(figures)
    if not by_currency:
        lines.append(_("No commission this month."))
    return _pdf_response(request, f"statement-{agency.pk}-{first:%Y-%m}", lines)



def _figures_table(rows):
    """The page's figures as one table, a row per agency and currency (an agency with no money yet has one row
    without a currency), for the CSV and the Excel file: what is downloaded is what is shown."""
    columns = [Column("agency", _("Agency")), Column("status", _("Whitelist status")),
               Column("currency", _("Currency")), Column("placed", _("Cases placed"), COUNT),
               Column("balance", _("Balance placed"), MONEY), Column("recovered", _("Recovered"), MONEY),
               Column("recovery_rate", _("Recovery rate"), RATE),
               Column("in_house_rate", _("In-house, same buckets"), RATE),
               Column("promises", _("Promises decided"), COUNT), Column("promises_kept", _("Promises kept"), COUNT),
               Column("contacts", _("Contacts made"), COUNT),
               Column("complaints_per_1000", _("Complaints per 1,000 contacts"), TEXT),
               Column("breaches_per_1000", _("Breaches per 1,000 contacts"), TEXT),
               Column("days_to_first_contact", _("Days to first contact"), TEXT)]
    columns += [Column(f"ends_{value}", _("Ended: %(reason)s") % {"reason": label}, COUNT)
                for value, label in EndCause.choices]
    table_rows = []
    for row in rows:
        shared = {"agency": row.agency.name, "status": row.agency.get_status_display(), "placed": row.placed,
                  "promises": row.promises, "promises_kept": row.promises_kept, "contacts": row.contacts,
                  "complaints_per_1000": row.complaints_per_1000, "breaches_per_1000": row.breaches_per_1000,
                  "days_to_first_contact": row.days_to_first_contact,
                  **{f"ends_{value}": n for (value, _label), n in zip(EndCause.choices, row.ends_in(EndCause.choices),
                                                                      strict=True)}}
        for money in row.by_currency or [None]:
            table_rows.append({**shared, **({} if money is None else {
                "currency": money.currency, "balance": money.balance, "recovered": money.recovered,
                "recovery_rate": money.recovery_rate, "in_house_rate": money.in_house_rate})})
    return Table(code="agencies", title=_("Agencies dashboard"), columns=columns, rows=table_rows)


@login_required
def dashboard(request):
    """Per agency: placed cases and balance, recovery against the in-house desk, and conduct, all read from the
    totals counted every 15 minutes (agencies.refresh_agency_totals) and hourly for the in-house desk. Filtered
    by the placements' period, bucket and currency and the agencies' status and region; the same rows download
    as CSV or Excel."""
    from agencies.figures import agencies_figures, agency_totals_refreshed_at
    from agencies.warnings import complaints_over_threshold_counted

    _need(request.user, Capability.VIEW_AGENCY_FIGURES)
    # Every filter is optional, so the form is bound even to an empty query: no filters, every figure.
    visible = selectors.agencies_visible_to(user=request.user)
    form = FiguresFilterForm(request.GET, regions=selectors.agencies_regions(agencies=visible))
    valid = form.is_valid()
    rows = agencies_figures(agencies=visible, filters=form.filters()) if valid else []
    export = request.GET.get("export")
    if export and valid:
        name = f"agencies-{timezone.localdate():%Y-%m-%d}"
        if export == "xlsx":
            return xlsx_response(tables=[_figures_table(rows)], filename=name, filters=form.shown())
        if export == "csv":
            return csv_response(table=_figures_table(rows), filename=name)
        raise Http404
    # This month's complaints per 1,000 contacts at or over the threshold: the same test as the managers' email.
    warnings = complaints_over_threshold_counted(rows=rows)
    counted_at = agency_totals_refreshed_at()
    query = request.GET.copy()
    query.pop("export", None)
    return render(request, "agencies/dashboard.html", {
        "form": form, "query": query.urlencode(), "filtered": not valid or bool(form.shown()),
        "rows": rows, "causes": EndCause.choices, "ends": [(row, row.ends_in(EndCause.choices)) for row in rows],
        "warnings": warnings, "threshold": settings.AGENCY_COMPLAINTS_PER_1000_THRESHOLD,
        "counted_at": counted_at and timezone.localtime(counted_at),
        "in_house_at": InHouseTotal.objects.aggregate(at=Max("refreshed_at"))["at"]}, status=200 if valid else 400)
