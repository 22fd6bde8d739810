from django.db import migrations


def install(apps, schema_editor):
    from agencies.schedules import WARNING_SCHEDULES
    from core.schedules import install_default_schedules

    install_default_schedules(apps.get_model("django_celery_beat", "PeriodicTask"),
                              apps.get_model("django_celery_beat", "IntervalSchedule"),
                              schedules=WARNING_SCHEDULES)


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0004_complaints_warnings"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
