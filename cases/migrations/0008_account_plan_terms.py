"""What the core system may send for a repayment plan's agreement: the rate at which interest and fees accrue
during a plan, and the account's own repayment reference."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0007_case_search'),
    ]

    operations = [
        migrations.AddField(
            model_name='account',
            name='plan_interest_rate',
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=7, null=True, verbose_name='interest and fee rate during a plan (percent a year)'),
        ),
        migrations.AddField(
            model_name='account',
            name='repayment_reference',
            field=models.CharField(blank=True, max_length=64, verbose_name='repayment reference'),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('plan_interest_rate__gte', 0), ('plan_interest_rate__lte', 100)), ('plan_interest_rate__isnull', True), _connector='OR'), name='account_plan_interest_rate_range'),
        ),
    ]
