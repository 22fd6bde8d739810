from django.db import migrations


def install(apps, schema_editor):
    from core.schedules import install_default_schedules
    from repayment_plans.defaults import install_default_authority
    from repayment_plans.schedules import NEGOTIATION_SCHEDULES

    install_default_authority(apps.get_model("repayment_plans", "AuthorityLimit"))
    install_default_schedules(apps.get_model("django_celery_beat", "PeriodicTask"),
                              apps.get_model("django_celery_beat", "IntervalSchedule"),
                              schedules=NEGOTIATION_SCHEDULES)


class Migration(migrations.Migration):
    dependencies = [
        ("repayment_plans", "0003_plans"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
