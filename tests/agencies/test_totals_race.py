"""Two refreshes of the agencies dashboard's totals at once (beat firing twice, a retry) both succeed and
leave one set of totals: the second waits for the first, then replaces its rows."""

import threading
import time

import pytest
from django.db import close_old_connections, connection, transaction

from agencies.figures import agency_totals_refresh, in_house_totals_refresh
from agencies.models import AgencyFigure, AgencyTotal, InHouseTotal
from agencies.services import agency_create, placements_create
from core.actors import SYSTEM
from tests.factories import CaseFactory


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                       "WHERE NOT l.granted AND d.datname = current_database()")
        return cursor.fetchone()[0] > 0


def _refresh_both():
    agency_totals_refresh()
    in_house_totals_refresh()


@pytest.mark.django_db(transaction=True)
def test_a_refresh_started_while_another_runs_waits_and_replaces_it(team):
    assert connection.vendor == "postgresql"
    agency = agency_create(name="Busy Agency", licence="X-2", actor=SYSTEM, capacity=5)
    cases = [CaseFactory(assigned_team=team, stage="contact") for _ in range(2)]
    CaseFactory(assigned_team=team, stage="contact")  # never placed: in the in-house totals
    placements_create(case_ids=[case.pk for case in cases], agency=agency, actor=SYSTEM)
    first_counted, second_started = threading.Event(), threading.Event()
    errors = []

    def first():
        close_old_connections()
        try:
            with transaction.atomic():
                _refresh_both()
                first_counted.set()
                second_started.wait(timeout=10)
                # Commit only once the second refresh is blocked behind this one (polled, not timed).
                for _ in range(200):
                    if _someone_waits_for_a_lock():
                        break
                    time.sleep(0.05)
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    def second():
        close_old_connections()
        try:
            first_counted.wait(timeout=10)
            second_started.set()
            _refresh_both()
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert list(AgencyTotal.objects.values_list("agency_id", "placed")) == [(agency.pk, 2)]
    assert AgencyFigure.objects.filter(agency=agency).count() == 1
    assert InHouseTotal.objects.exists()
