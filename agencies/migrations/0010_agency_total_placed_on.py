from django.db import migrations, models


class Migration(migrations.Migration):
    """The per-agency money totals gain the day of placement. The rows are a cache the next refresh (every 15
    minutes) writes again whole, so they are emptied rather than given a made-up day."""

    dependencies = [
        ("agencies", "0009_placement_policy_key"),
    ]

    operations = [
        migrations.RunSQL("DELETE FROM agencies_agencytotal", reverse_sql=migrations.RunSQL.noop),
        migrations.RemoveConstraint(model_name="agencytotal", name="agency_total_once"),
        migrations.AddField(
            model_name="agencytotal",
            name="placed_on",
            field=models.DateField(default="2000-01-01"),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="agencytotal",
            constraint=models.UniqueConstraint(fields=("agency", "currency", "bucket", "placed_on"),
                                               name="agency_total_once"),
        ),
    ]
