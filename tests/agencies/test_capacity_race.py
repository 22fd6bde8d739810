"""Two supervisors placing at once never overfill an agency: its row is locked while its room is counted."""

import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from agencies.models import Placement
from agencies.services import agency_create, placements_create
from core.actors import SYSTEM
from core.errors import Conflict
from tests.factories import CaseFactory


@pytest.mark.django_db(transaction=True)
def test_two_placements_at_once_for_the_last_place_have_exactly_one_winner(team):
    assert connection.vendor == "postgresql"
    agency = agency_create(name="Small Agency", licence="X-1", actor=SYSTEM, capacity=1)
    cases = [CaseFactory(assigned_team=team, stage="contact") for _ in range(2)]
    barrier = threading.Barrier(2)
    results = []

    def attempt(case_id):
        close_old_connections()
        try:
            barrier.wait(timeout=10)
            placements_create(case_ids=[case_id], agency=agency, actor=SYSTEM)
            results.append("won")
        except Conflict as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(case.pk,)) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["over_capacity", "won"]
    assert Placement.objects.filter(agency=agency, ended_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_chunks_placing_by_policy_at_once_never_overfill_an_agency(team):
    from agencies.by_policy import PolicyPlacement, placements_by_policy

    agency = agency_create(name="Small Agency", licence="X-1", actor=SYSTEM, capacity=1, regions=["上海"])
    cases = [CaseFactory(assigned_team=team, stage="contact", account__customer__region="上海") for _ in range(2)]
    barrier = threading.Barrier(2)
    results = []

    def chunk(case_id):
        close_old_connections()
        try:
            barrier.wait(timeout=10)
            request = PolicyPlacement(case_id=case_id, rule="T5.agency", region="上海", key=f"{case_id}:T5.agency")
            result = placements_by_policy(requests=[request], actor=SYSTEM, at=timezone.now())
            results.append("placed" if result.placed else result.kept[case_id])
        finally:
            connection.close()

    threads = [threading.Thread(target=chunk, args=(case.pk,)) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["no_room", "placed"]
    assert Placement.objects.filter(agency=agency, ended_at__isnull=True).count() == 1
