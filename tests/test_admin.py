from django.apps import apps
from django.contrib import admin

PROJECT_APPS = {"core", "staff", "cases", "visits", "repayment_plans", "events", "audit", "complaints", "api",
                "contacts", "escalation", "dashboards", "litigation", "agencies", "selfservice"}


def test_the_admin_covers_every_model_of_the_project():
    missing = [model._meta.label for model in apps.get_models()
               if model._meta.app_label in PROJECT_APPS and not admin.site.is_registered(model)]
    assert missing == []
