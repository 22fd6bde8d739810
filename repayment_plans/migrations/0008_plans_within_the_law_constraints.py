import django.db.models.expressions
import django.db.models.lookups
from django.db import migrations, models


def _refuse_plans_beyond_the_law(apps, schema_editor):
    """A plan already longer than 60 months cannot stay so; name it rather than fail on an anonymous row."""
    RepaymentPlan = apps.get_model("repayment_plans", "RepaymentPlan")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM repayment_plans_repaymentplan WHERE months > 60 OR first_due_date"
            " + make_interval(0, instalment_count - 1) > proposed_on + make_interval(0, 60) ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
    if ids:
        raise RuntimeError(
            f"Repayment plans {ids} run past the 60 months Art. 70 allows; cancel or re-propose them "
            f"before this migration ({RepaymentPlan._meta.db_table}).")


class Migration(migrations.Migration):

    dependencies = [
        ('repayment_plans', '0007_plans_within_the_law'),
    ]

    operations = [
        migrations.RunPython(_refuse_plans_beyond_the_law, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='repaymentplan',
            constraint=models.CheckConstraint(condition=models.Q(('months__lte', 60), django.db.models.lookups.LessThanOrEqual(django.db.models.expressions.CombinedExpression(models.F('first_due_date'), '+', models.Func(models.Value(0), django.db.models.expressions.CombinedExpression(models.F('instalment_count'), '-', models.Value(1)), function='make_interval', output_field=models.DurationField())), django.db.models.expressions.CombinedExpression(models.F('proposed_on'), '+', models.Func(models.Value(0), models.Value(60), function='make_interval', output_field=models.DurationField())))), name='plan_within_60_months'),
        ),
        migrations.AddConstraint(
            model_name='repaymentplan',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('approval_kind', 'within_own_authority'), _negated=True), models.Q(('decided_by', models.F('proposed_by')), ('decided_by__isnull', False), ('proposed_by__isnull', False)), models.Q(('decided_by__isnull', True), ('proposed_by__isnull', True)), _connector='OR'), name='plan_own_authority_names_the_proposer'),
        ),
        migrations.AddConstraint(
            model_name='repaymentplan',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('approval_kind__in', ('second_person', 'pre_approved_offer')), _negated=True), models.Q(('decided_by__isnull', False), models.Q(('proposed_by__isnull', True), models.Q(('decided_by', models.F('proposed_by')), _negated=True), _connector='OR')), _connector='OR'), name='plan_second_person_is_not_the_proposer'),
        ),
    ]
