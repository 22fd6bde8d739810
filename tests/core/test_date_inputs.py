"""Date, time and datetime inputs carry ISO values in every language: a browser shows an empty
<input type="date"> for value="2027/01/02", which is what Django's Chinese input format writes."""

import datetime as dt
import importlib
import inspect
import re

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from repayment_plans.forms import PlanForm, PromiseForm
from staff.models import StaffProfile

DAY = dt.date(2027, 1, 2)
AT = dt.datetime(2027, 1, 2, 8, 5)
ISO = {"date": "2027-01-02", "time": "08:05", "datetime-local": "2027-01-02T08:05"}
VALUES = {"date": DAY, "time": AT.time(), "datetime-local": AT}


def portal_form_classes() -> list[type[forms.Form]]:
    """Every form class defined in the portal's own apps (their forms and views modules)."""
    found = set()
    for config in apps.get_app_configs():
        if not config.path.startswith(str(settings.BASE_DIR)) or "/.venv/" in config.path:
            continue
        for module_name in ("forms", "views", "referral_views"):
            try:
                module = importlib.import_module(f"{config.name}.{module_name}")
            except ModuleNotFoundError:
                continue
            found.update(cls for _name, cls in inspect.getmembers(module, inspect.isclass)
                         if issubclass(cls, forms.BaseForm) and cls.__module__.startswith(config.name))
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def typed_inputs():
    for form_class in portal_form_classes():
        for name, field in form_class.base_fields.items():
            kind = getattr(field.widget, "input_type", None)
            if kind in ISO:
                yield pytest.param(field, kind, id=f"{form_class.__name__}.{name}")


INPUTS = list(typed_inputs())


def test_the_portal_has_the_date_inputs_this_file_checks():
    ids = {param.id for param in INPUTS}
    assert {"PlanForm.first_due_date", "PromiseForm.due_date", "FilterForm.start", "AuditFilterForm.date_from",
            "AttemptForm.callback_at", "VisitAssignForm.day", "VisitAssignForm.start"} <= ids


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("field", "kind"), INPUTS)
def test_every_date_time_and_datetime_input_writes_an_iso_value(field, kind, language):
    with translation.override(language):
        html = field.widget.render("x", VALUES[kind])
    assert f'value="{ISO[kind]}"' in html


def test_chinese_forms_render_and_read_back_iso_dates():
    with translation.override("zh-hans"):
        plan = PlanForm(initial={"first_due_date": DAY})
        promise = PromiseForm(data={"amount": "100", "due_date": "2027-01-02", "channel": "call"})
        assert 'value="2027-01-02"' in str(plan["first_due_date"])
        assert promise.is_valid(), promise.errors
        assert promise.cleaned_data["due_date"] == DAY
        assert 'value="2027-01-02"' in str(promise["due_date"])


@pytest.mark.django_db
def test_chinese_dashboard_filters_come_up_with_their_dates(client, supervisor):
    StaffProfile.objects.filter(user=supervisor).update(language="zh-hans")
    client.force_login(supervisor)
    html = client.get(reverse("dashboards:page", args=["flow"])).content.decode()  # the default period
    for name in ("start", "end"):
        tag = re.search(rf'<input type="date" name="{name}"[^>]*>', html).group(0)
        assert re.search(r'value="\d{4}-\d{2}-\d{2}"', tag), tag
