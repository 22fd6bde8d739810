from django.db import migrations


def install(apps, schema_editor):
    from core.schedules import install_default_schedules
    from visits.schedules import VISITS_SCHEDULES

    install_default_schedules(apps.get_model("django_celery_beat", "PeriodicTask"),
                              apps.get_model("django_celery_beat", "IntervalSchedule"), schedules=VISITS_SCHEDULES)


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
