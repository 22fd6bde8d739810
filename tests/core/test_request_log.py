"""One JSON line per request, under a request id that travels into the Celery tasks the request queues."""

import io
import json
import logging

import pytest
from django.conf import settings
from django.urls import reverse
from pythonjsonlogger.json import JsonFormatter

from cases.lifecycle import Stage
from core.logs import PathsOutOfLogs
from core.request_id import RequestIdFilter
from tests.factories import CaseFactory
from tests.workers import wait_for


class Captured:
    """Every record at DEBUG and above, formatted as production formats it (settings' `json` formatter)."""

    def __init__(self):
        config = settings.LOGGING["formatters"]["json"]
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(JsonFormatter(config["fmt"], rename_fields=config["rename_fields"]))
        for name in settings.LOGGING["handlers"]["console"]["filters"]:
            if name != "idle_tasks_at_debug":  # keep every level: the scan below reads DEBUG too
                self.handler.addFilter({"paths_out": PathsOutOfLogs, "request_id": RequestIdFilter}[name]())

    def __enter__(self):
        root = logging.getLogger()
        self.level = root.level
        root.addHandler(self.handler)
        root.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc):
        root = logging.getLogger()
        root.removeHandler(self.handler)
        root.setLevel(self.level)

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line.strip()]

    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def captured():
    with Captured() as capture:
        yield capture


@pytest.mark.django_db
def test_a_request_writes_one_line_with_its_id_user_route_status_and_duration(client, agent, team, captured):
    case = CaseFactory(stage=Stage.CONTACT, assigned_team=team)
    client.force_login(agent)

    response = client.get(f"/cases/{case.pk}/?search=13912345678")

    assert response.status_code == 200
    [line] = [line for line in captured.lines() if line["logger"] == "portal.request"]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == agent.pk and line["view"] == "cases:detail"
    assert line["status"] == 200 and line["method"] == "GET"
    assert line["duration_ms"] > 0 and line["db_queries"] > 0
    # The route's name, never the address: no path, no query string.
    assert "13912345678" not in captured.text() and f"/cases/{case.pk}/" not in json.dumps(line)


@pytest.mark.django_db
def test_a_proxys_request_id_is_kept_and_a_malformed_one_replaced(client, captured):
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-0f3a9c2e77"})
    replaced = client.get("/healthz", headers={"X-Request-ID": "x" * 65})

    assert kept["X-Request-ID"] == "lb-0f3a9c2e77"
    assert len(replaced["X-Request-ID"]) == 32 and replaced["X-Request-ID"] != "x" * 65
    ids = [line["request_id"] for line in captured.lines() if line["logger"] == "portal.request"]
    assert ids == ["lb-0f3a9c2e77", replaced["X-Request-ID"]]


@pytest.mark.django_db
def test_an_unknown_address_is_logged_without_its_path(client, captured):
    client.get("/no-such-page/310101199001011234")
    [line] = [line for line in captured.lines() if line["logger"] == "portal.request"]
    assert line["view"] == "unresolved" and line["status"] == 404 and line["user_id"] is None
    assert "310101199001011234" not in captured.text()
    [django_line] = [line for line in captured.lines() if line["logger"] == "django.request"]
    assert django_line["message"] == "Not Found: unresolved" and django_line["request_id"] == line["request_id"]


@pytest.mark.django_db(transaction=True)
def test_the_request_id_reaches_the_task_the_request_queued(client, supervisor, worker, captured):
    from dashboards.models import PolicyPreview
    from tests.dashboards.test_management import AS_OF, _draft_without_calls

    client.force_login(supervisor)
    response = client.post(reverse("dashboards:policy"), {
        "action": "preview", "definition": json.dumps(_draft_without_calls(AS_OF)), "note": ""})
    assert response.status_code == 302
    request_id = response["X-Request-ID"]

    assert wait_for(lambda: PolicyPreview.objects.exclude(status=PolicyPreview.Status.QUEUED).exists())
    def task_lines():
        return [line for line in captured.lines() if line.get("task") == "dashboards.policy_preview"]

    assert wait_for(lambda: task_lines(), 10)
    [line] = task_lines()
    assert line["logger"] == "portal.task" and line["outcome"] == "succeeded" and line["duration_ms"] > 0
    assert line["request_id"] == request_id


@pytest.mark.django_db
def test_djangos_own_lines_keep_their_words_when_the_path_is_the_root(client, captured):
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400
    [line] = [line for line in captured.lines() if line["logger"] == "django.security.DisallowedHost"]
    assert "Invalid HTTP_HOST header: 'evil.example'" in line["message"] and line["request"] == "unresolved"


def test_production_writes_json_lines_and_a_developers_machine_readable_text():
    import os
    import subprocess
    import sys

    from tests.test_settings import PRODUCTION_ENV, ROOT

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PII_", "LOG_"))}
    script = "import logging; logging.getLogger('portal.request').info('GET home 200', extra={'status': 200})"

    def line(env):
        result = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stderr.strip().splitlines()[-1]

    production = json.loads(line({**clean, **PRODUCTION_ENV}))
    assert production["logger"] == "portal.request" and production["status"] == 200
    local = line({**clean, "DJANGO_SETTINGS_MODULE": "collections_portal.settings.local"})
    assert local.endswith("INFO portal.request GET home 200") and not local.startswith("{")
