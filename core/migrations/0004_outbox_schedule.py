from django.db import migrations


def install(apps, schema_editor):
    from core.schedules import OUTBOX_SCHEDULES, install_default_schedules

    install_default_schedules(apps.get_model("django_celery_beat", "PeriodicTask"),
                              apps.get_model("django_celery_beat", "IntervalSchedule"), schedules=OUTBOX_SCHEDULES)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_outbox_task"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
