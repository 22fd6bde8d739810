import datetime as dt

from django.db import migrations


def install(apps, schema_editor):
    from core.schedules import install_default_schedules
    from escalation.defaults import install_default_policy, install_jurisdiction_profiles
    from escalation.schedules import ESCALATION_SCHEDULES

    install_default_policy(apps.get_model("escalation", "Policy"), apps.get_model("escalation", "PolicyVersion"),
                           apps.get_model("escalation", "PolicyTier"), apps.get_model("escalation", "PolicyAction"),
                           effective_from=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    install_jurisdiction_profiles(apps.get_model("contacts", "JurisdictionProfile"))
    install_default_schedules(apps.get_model("django_celery_beat", "PeriodicTask"),
                              apps.get_model("django_celery_beat", "IntervalSchedule"),
                              schedules=ESCALATION_SCHEDULES)


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0001_initial"),
        ("contacts", "0002_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
