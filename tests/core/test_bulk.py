import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from core.bulk import pg_array


def test_whole_numbers_are_written_bare():
    assert pg_array([3, 1, 2]) == "{3,1,2}"


def test_text_is_quoted_and_its_quotes_and_backslashes_escaped():
    assert pg_array(['say "hi"', "a\\b", None]) == '{"say \\"hi\\"","a\\\\b",NULL}'


@pytest.mark.django_db
def test_postgresql_reads_back_every_value_as_it_was_written():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL arrays")
    moment = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    texts = ['{"rule": "hours", "reason": "Outside 08:00–21:00"}', 'back\\slash "quoted", comma', "", None, "客户"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[], %s::timestamptz[], %s::numeric[], %s::bigint[]",
                       [pg_array(texts), pg_array([moment, None]), pg_array([Decimal("12.30")]), pg_array([7, 8])])
        got_texts, got_moments, got_amounts, got_ids = cursor.fetchone()
    assert got_texts == texts
    assert got_moments == [moment, None]
    assert got_amounts == [Decimal("12.30")] and got_ids == [7, 8]
