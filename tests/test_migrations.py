import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_the_default_schedules_are_installed_by_migration():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="Worker heartbeat")
    assert (task.task, task.interval.every, task.interval.period) == ("core.heartbeat", 60, "seconds")
