from django.db import migrations


def install(apps, schema_editor):
    from repayment_plans.defaults import install_default_write_off_authority

    install_default_write_off_authority(apps.get_model("repayment_plans", "AuthorityLimit"))


class Migration(migrations.Migration):
    dependencies = [("repayment_plans", "0011_write_offs")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
