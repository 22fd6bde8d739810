from django.db import migrations


def install(apps, schema_editor):
    from dashboards.schedules import install_dashboard_schedules

    install_dashboard_schedules(apps.get_model("django_celery_beat", "PeriodicTask"),
                                apps.get_model("django_celery_beat", "CrontabSchedule"))


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
