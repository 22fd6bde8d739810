"""Record first, judge second: every contact that happened is stored with its verdict.

Attempts gain direction, when they occurred and were logged, the cardholder (limits count per person),
the number encrypted with a keyed hash, the contact point reached, the reason for the delinquency, the
recording reference and the rules a contact broke. A supervisor's override at logging time becomes an
exception authorised beforehand: each overridden attempt of earlier versions is kept as a single-use
exception it used, so the record still names who allowed it and why.

The existing rows are rewritten in id-ordered chunks of 5,000, each its own statement, so a large table
is not held in memory; the indexes on (case, occurred_at) and (customer, occurred_at) are built once.
"""

import contacts.models
import core.crypto
import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

CHUNK = 5000


def fill_existing_attempts(apps, schema_editor):
    from core.crypto import pii_encrypt_many, pii_hash_many

    with schema_editor.connection.cursor() as cursor:
        # The cardholder of each attempt, from its case; one statement.
        cursor.execute("""
            UPDATE contacts_contactattempt ca SET customer_id = a.customer_id
            FROM cases_case c JOIN cases_account a ON a.id = c.account_id
            WHERE c.id = ca.case_id AND ca.customer_id IS NULL""")
        # Overrides given at logging time become the exceptions they were, used by their attempt.
        cursor.execute("""
            WITH moved AS (
                INSERT INTO contacts_contactexception (case_id, reason, granted_by_id, granted_by_label, granted_at,
                                                       valid_from, valid_until, single_use, used_at,
                                                       revoked_by_label)
                SELECT ca.case_id, ca.override_reason, ca.overridden_by_id, coalesce(u.username, ''), ca.occurred_at,
                       ca.occurred_at, ca.occurred_at + interval '1 minute', true, ca.occurred_at, ''
                FROM contacts_contactattempt ca LEFT JOIN auth_user u ON u.id = ca.overridden_by_id
                WHERE ca.overridden_by_id IS NOT NULL OR ca.override_reason <> ''
                RETURNING id, case_id, valid_from)
            UPDATE contacts_contactattempt ca SET exception_id = moved.id
            FROM moved WHERE moved.case_id = ca.case_id AND moved.valid_from = ca.occurred_at
              AND (ca.overridden_by_id IS NOT NULL OR ca.override_reason <> '')""")
        # Numbers were stored in the clear: encrypt them and keep their keyed hash, a chunk at a time.
        last = 0
        while True:
            cursor.execute("SELECT id, number FROM contacts_contactattempt WHERE id > %s AND number <> '' "
                           "ORDER BY id LIMIT %s", [last, CHUNK])
            rows = cursor.fetchall()
            if not rows:
                break
            numbers = [number for _pk, number in rows]
            cursor.execute(
                "UPDATE contacts_contactattempt ca SET number = v.token, number_hash = v.hash "
                "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(id, token, hash) WHERE ca.id = v.id",
                [[pk for pk, _n in rows], pii_encrypt_many(numbers), pii_hash_many(numbers)])
            last = rows[-1][0]
        # Check the deferred foreign keys now: the columns are altered next, in this same transaction, and
        # PostgreSQL refuses to alter a table with trigger events still pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0009_contact_points'),
        ('contacts', '0004_leaner_contact_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ContactException',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('reason', models.TextField(verbose_name='reason')),
                ('granted_by_label', models.CharField(max_length=150)),
                ('granted_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('valid_from', models.DateTimeField(verbose_name='valid from')),
                ('valid_until', models.DateTimeField(verbose_name='valid until')),
                ('single_use', models.BooleanField(default=True, verbose_name='for one contact only')),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_by_label', models.CharField(blank=True, max_length=150)),
            ],
            options={
                'verbose_name': 'authorised exception',
                'verbose_name_plural': 'authorised exceptions',
            },
        ),
        migrations.RemoveIndex(
            model_name='contactattempt',
            name='attempt_case_at_idx',
        ),
        migrations.RenameField(
            model_name='contactattempt',
            old_name='at',
            new_name='occurred_at',
        ),
        migrations.AddField(
            model_name='contactattempt',
            name='breached_rules',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=40), blank=True, default=list, size=None),
        ),
        migrations.AddField(
            model_name='contactattempt',
            name='contact_point',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attempts', to='cases.contactpoint', verbose_name='contact point'),
        ),
        migrations.AddField(
            model_name='contactattempt',
            name='customer',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.customer'),
        ),
        migrations.AddField(
            model_name='contactattempt',
            name='delinquency_reason',
            field=models.CharField(blank=True, choices=[('lost_income', 'Lost income'), ('illness', 'Illness'), ('dispute', 'Disputes the debt'), ('forgot', 'Forgot to pay'), ('overspending', 'Overspending'), ('fraud_claim', 'Claims fraud'), ('other', 'Other')], max_length=20, verbose_name='reason for the delinquency'),
        ),
        migrations.AddField(
            model_name='contactattempt',
            name='direction',
            field=models.CharField(choices=[('outbound', 'Outbound'), ('inbound', 'Inbound')], default='outbound', max_length=10, verbose_name='direction'),
        ),
        migrations.AddField(
            model_name='contactattempt',
            name='duration_seconds',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='duration, seconds'),
        ),
        migrations.AddField(
            model_name='contactattempt',
            name='external_id',
            field=models.CharField(blank=True, max_length=100, verbose_name='telephony call id'),
        ),
        migrations.AddField(
            model_name='contactattempt',
            name='logged_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='logged at'),
        ),
        migrations.AddField(
            model_name='contactattempt',
            name='number_hash',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='contactattempt',
            name='recording_keep_until',
            field=models.DateField(blank=True, null=True, verbose_name='keep the recording until'),
        ),
        migrations.AddField(
            model_name='contactattempt',
            name='recording_ref',
            field=models.CharField(blank=True, max_length=200, verbose_name='recording'),
        ),
        migrations.AddField(
            model_name='contactattempt',
            name='recording_sha256',
            field=models.CharField(blank=True, max_length=64, verbose_name='recording SHA-256'),
        ),
        migrations.AddField(
            model_name='contactattempt',
            name='source',
            field=models.CharField(choices=[('staff', 'Staff'), ('telephony', 'Telephony system')], default='staff', max_length=10, verbose_name='source'),
        ),
        migrations.AddField(
            model_name='jurisdictionprofile',
            name='limit_scopes',
            field=models.JSONField(blank=True, default=contacts.models.default_limit_scopes, verbose_name='what each limit counts'),
        ),
        migrations.AlterField(
            model_name='contactattempt',
            name='number',
            field=core.crypto.EncryptedTextField(blank=True, verbose_name='number or address used'),
        ),
        migrations.AddField(
            model_name='contactexception',
            name='case',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='contact_exceptions', to='cases.case'),
        ),
        migrations.AddField(
            model_name='contactexception',
            name='granted_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='contactattempt',
            name='exception',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attempts', to='contacts.contactexception'),
        ),
        migrations.AddIndex(
            model_name='contactattempt',
            index=models.Index(fields=['case', 'occurred_at'], name='attempt_case_at_idx'),
        ),
        migrations.AddIndex(
            model_name='contactattempt',
            index=models.Index(fields=['customer', 'occurred_at'], name='attempt_customer_at_idx'),
        ),
        migrations.AddIndex(
            model_name='contactattempt',
            index=models.Index(condition=models.Q(('number_hash', ''), _negated=True), fields=['number_hash', 'occurred_at'], name='attempt_number_at_idx'),
        ),
        migrations.AddIndex(
            model_name='contactattempt',
            index=models.Index(condition=models.Q(('breached_rules', []), _negated=True), fields=['occurred_at'], name='attempt_breach_at_idx'),
        ),
        migrations.AddConstraint(
            model_name='contactattempt',
            constraint=models.CheckConstraint(condition=models.Q(('direction__in', ['outbound', 'inbound'])), name='attempt_direction_valid'),
        ),
        migrations.AddConstraint(
            model_name='contactattempt',
            constraint=models.UniqueConstraint(condition=models.Q(('external_id', ''), _negated=True), fields=('external_id',), name='attempt_external_id_key'),
        ),
        migrations.AddConstraint(
            model_name='contactattempt',
            constraint=models.CheckConstraint(condition=models.Q(('direction', 'outbound'), ('breached_rules', []), _connector='OR'), name='attempt_inbound_never_breach'),
        ),
        migrations.AddIndex(
            model_name='contactexception',
            index=models.Index(fields=['case', 'valid_until'], name='contactexception_case_idx'),
        ),
        migrations.AddConstraint(
            model_name='contactexception',
            constraint=models.CheckConstraint(condition=models.Q(('valid_until__gt', models.F('valid_from'))), name='contactexception_valid_span'),
        ),
            migrations.RunPython(fill_existing_attempts, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='contactattempt',
            name='customer',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.customer'),
        ),
        migrations.RemoveField(
            model_name='contactattempt',
            name='overridden_by',
        ),
        migrations.RemoveField(
            model_name='contactattempt',
            name='override_reason',
        ),
    ]
