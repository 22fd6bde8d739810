"""The rate at which interest and fees accrue during a plan, fixed at proposal for its agreement."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('repayment_plans', '0008_plans_within_the_law_constraints'),
    ]

    operations = [
        migrations.AddField(
            model_name='repaymentplan',
            name='interest_rate',
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=7, null=True, verbose_name='interest and fee rate during the plan (percent a year)'),
        ),
    ]
