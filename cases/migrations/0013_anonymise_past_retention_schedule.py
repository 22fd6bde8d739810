from django.db import migrations


def install(apps, schema_editor):
    from cases.schedules import RETENTION_SCHEDULES
    from core.schedules import install_default_schedules

    install_default_schedules(apps.get_model("django_celery_beat", "PeriodicTask"),
                              apps.get_model("django_celery_beat", "IntervalSchedule"),
                              schedules=RETENTION_SCHEDULES)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_customer_anonymised_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
