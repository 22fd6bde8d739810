from django.db import migrations


def install(apps, schema_editor):
    from core.schedules import install_default_schedules
    from escalation.schedules import MEASURE_SCHEDULES

    install_default_schedules(apps.get_model("django_celery_beat", "PeriodicTask"),
                              apps.get_model("django_celery_beat", "IntervalSchedule"),
                              schedules=MEASURE_SCHEDULES)


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0010_estate_letter"),
        ("contacts", "0009_jurisdiction_measure_after_dpd"),
        ("cases", "0015_payment_reversals_recoveries_and_measure_requests"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
