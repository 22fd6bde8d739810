"""What `make run` queues once every process is up, so a newcomer's first pages are not empty."""

import pytest

from agencies.figures import agencies_figures
from agencies.models import AgencyTotal, Placement
from collections_portal.celery import app
from core.models import OutboxTask
from demo.management.commands.local_portal import FIRST_TASKS, first_tasks_enqueue
from demo.services import demo_seed
from staff.models import Agency

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _worker_tasks():
    app.loader.import_default_modules()  # the apps' tasks modules, as a worker loads them at start


def test_the_first_tasks_are_queued_once_each_and_are_tasks_a_worker_knows():
    first_tasks_enqueue()
    assert sorted(OutboxTask.objects.values_list("task", flat=True)) == sorted(FIRST_TASKS)
    assert set(FIRST_TASKS) <= set(app.tasks)  # a misspelt name would wait in the outbox for ever


def test_after_the_first_count_the_agencies_page_shows_the_demos_placements():
    demo_seed(cases=40)
    placed = Placement.objects.filter(ended_at__isnull=True).count()
    assert placed and not AgencyTotal.objects.exists()  # what the page reads is empty before the first count
    for task in FIRST_TASKS:
        if task.startswith(("agencies.", "dashboards.")):
            app.tasks[task].apply()
    [row] = agencies_figures(agencies=Agency.objects.all())
    assert row.placed == placed
