"""The read replica: the dashboards and their exports read from a second connection alias; writes, sessions,
logins and reads inside a transaction stay on the primary.

The `replica` alias of the test settings is a second connection to the test database, as a streaming replica
is a second server holding the same rows; the tests commit their data so that the second connection sees it.
"""

import os
import subprocess
import sys

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.lifecycle import Stage
from cases.models import Case
from core.db_router import ReplicaRouter, _replica_reads
from dashboards.services import open_totals_refresh
from tests.factories import CaseFactory
from tests.test_settings import PRODUCTION_ENV, ROOT


@pytest.fixture
def replica(settings):
    """The test settings' `replica` alias (a mirror of the test database), with the router installed."""
    settings.DATABASE_ROUTERS = ["core.db_router.ReplicaRouter"]
    return connections["replica"]


def sql_of(captured) -> str:
    return "\n".join(query["sql"] for query in captured.captured_queries)


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_the_dashboards_and_their_exports_read_from_the_replica(client, supervisor, team, replica):
    for stage in (Stage.CONTACT, Stage.CONTACT, Stage.NEGOTIATE):
        CaseFactory(stage=stage, assigned_team=team)
    open_totals_refresh()
    client.force_login(supervisor)

    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:
        page = client.get(reverse("dashboards:page", args=["portfolio"]))
        export = client.get(reverse("dashboards:page", args=["portfolio"]), {"export": "xlsx"})

    assert page.status_code == 200 and export.status_code == 200
    assert "dashboards_opencasetotal" in sql_of(on_replica)
    # The session, the login and the staff profile are read where they are written.
    assert "django_session" in sql_of(on_primary) and "django_session" not in sql_of(on_replica)
    assert "auth_user" not in sql_of(on_replica) and "staff_staffprofile" not in sql_of(on_replica)
    assert "dashboards_opencasetotal" not in sql_of(on_primary)


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_other_pages_and_every_write_stay_on_the_primary(client, supervisor, agent, team, replica):
    case = CaseFactory(stage=Stage.CONTACT, assigned_team=team)
    client.force_login(agent)
    with CaptureQueriesContext(replica) as on_replica:
        assert client.get(f"/cases/{case.pk}/").status_code == 200
        client.force_login(supervisor)
        client.post(reverse("dashboards:reassign"), {"case_id": case.pk, "to_team": team.pk, "reason": "Load"})
        client.post(reverse("dashboards:page", args=["portfolio"]))  # not a GET: no replica
    assert on_replica.captured_queries == []


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_reads_inside_a_transaction_stay_on_the_primary(replica):
    router = ReplicaRouter()
    token = _replica_reads.set(True)
    try:
        assert router.db_for_read(Case) == "replica"
        with transaction.atomic():
            assert router.db_for_read(Case) is None
        assert router.db_for_write(Case) == "default"
        assert not router.allow_migrate("replica", "cases")
    finally:
        _replica_reads.reset(token)


def test_database_replica_url_adds_the_alias_and_the_router():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "PII_"))}
    env = {**clean, **PRODUCTION_ENV, "DATABASE_REPLICA_URL": "postgres://reader@replica.internal:5432/portal"}
    script = "from django.conf import settings as s; print(s.DATABASES['replica']['HOST'], s.DATABASE_ROUTERS)"
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "replica.internal ['core.db_router.ReplicaRouter']" in result.stdout
    without = subprocess.run([sys.executable, "manage.py", "shell", "-c",
                              "from django.conf import settings as s; print(sorted(s.DATABASES))"],
                             cwd=ROOT, env={**clean, **PRODUCTION_ENV}, capture_output=True, text=True, timeout=120)
    assert "['default']" in without.stdout
