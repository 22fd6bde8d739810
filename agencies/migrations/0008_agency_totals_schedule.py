from django.db import migrations


def install(apps, schema_editor):
    from agencies.schedules import AGENCY_TOTALS_SCHEDULES
    from core.schedules import install_default_schedules

    install_default_schedules(apps.get_model("django_celery_beat", "PeriodicTask"),
                              apps.get_model("django_celery_beat", "IntervalSchedule"),
                              schedules=AGENCY_TOTALS_SCHEDULES)


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0007_agency_totals"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
