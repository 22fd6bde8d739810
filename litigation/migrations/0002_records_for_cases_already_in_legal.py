"""Cases in the legal stage before litigation records existed get their record, as the review now opens it:
the claim at the amount overdue, in the case's currency, opened when the case entered legal, by "system".

Set-based, a chunk of 5,000 cases per statement in id order. Nothing else is touched: the governor
refuses contact in legal by its stage, whether or not a record exists.
"""

from django.db import migrations

CHUNK = 5000


def records_open(apps, schema_editor):
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id FROM cases_case WHERE id > %s AND stage = 'legal' ORDER BY id LIMIT %s", [last, CHUNK])
            ids = [pk for (pk,) in cursor.fetchall()]
            if not ids:
                break
            cursor.execute("""
                INSERT INTO litigation_litigationrecord
                    (case_id, counsel_kind, counsel_name, court, court_case_number, claim_amount, currency,
                     costs_incurred, progress, opened_at, opened_by_id, opened_by_label, closed_at, ending, updated_at)
                SELECT c.id, 'law_firm', '', '', '', c.total_overdue, c.currency, 0, '', c.stage_changed_at, NULL,
                       'system', NULL, '', now()
                FROM cases_case c
                WHERE c.id = ANY(%s::bigint[])
                  AND NOT EXISTS (SELECT 1 FROM litigation_litigationrecord r
                                  WHERE r.case_id = c.id AND r.closed_at IS NULL)""", [ids])
            last = ids[-1]


class Migration(migrations.Migration):
    dependencies = [("litigation", "0001_litigation_records"), ("cases", "0016_confirm_checks_and_litigation_as_a_stage")]

    operations = [migrations.RunPython(records_open, migrations.RunPython.noop, elidable=True)]
