from django.db import migrations


def install(apps, schema_editor):
    from cases.schedules import HOLD_SCHEDULES
    from core.schedules import install_default_schedules

    install_default_schedules(apps.get_model("django_celery_beat", "PeriodicTask"),
                              apps.get_model("django_celery_beat", "IntervalSchedule"),
                              schedules=HOLD_SCHEDULES)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_hold_end_evidence_and_requests"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
