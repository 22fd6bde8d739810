from django.db import migrations


def install(apps, schema_editor):
    from dashboards.schedules import OPEN_TOTALS_SCHEDULES, install_dashboard_schedules

    install_dashboard_schedules(apps.get_model("django_celery_beat", "PeriodicTask"),
                                apps.get_model("django_celery_beat", "CrontabSchedule"),
                                schedules=OPEN_TOTALS_SCHEDULES)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0005_open_case_totals"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
