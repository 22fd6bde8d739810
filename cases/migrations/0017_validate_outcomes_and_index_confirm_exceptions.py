"""Validate the narrowed outcome constraint and build the exceptions list's partial index, both without a
long lock on cases_case: VALIDATE CONSTRAINT scans the table under a lock that lets reads and writes go
on, and the index is built concurrently (so this migration runs outside a transaction)."""

from django.contrib.postgres.operations import AddIndexConcurrently, ValidateConstraint
from django.db import migrations, models


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ('cases', '0016_confirm_checks_and_litigation_as_a_stage'),
    ]

    operations = [
        ValidateConstraint(model_name='case', name='case_outcome_only_when_closed'),
        AddIndexConcurrently(
            model_name='case',
            index=models.Index(condition=models.Q(('stage', 'confirm'), models.Q(('confirm_exceptions', []), _negated=True)), fields=['confirm_checked_at', 'id'], name='case_confirm_exceptions_idx'),
        ),
    ]
