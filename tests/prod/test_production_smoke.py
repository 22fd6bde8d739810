"""The production shape, end to end: the image's static build, gunicorn with the production settings on
a fresh database reached as a role that owns nothing, a Celery worker on Redis, and the checks an
operations team makes before letting traffic in. Ends with the runbook's restore drill."""

import datetime as dt
import json
import re
import secrets
import subprocess
import sys
import time

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

from tests.prod.runtime import (
    ROOT,
    Browser,
    base_env,
    command_with,
    compose_command,
    dockerfile_cmd,
    free_port,
    fresh_database,
    runtime_role_cannot_create_tables,
    runtime_role_create,
    runtime_venv,
    static_build,
    tail,
    wait_for,
)

pytestmark = pytest.mark.prod

PASSWORD = "smoke-" + secrets.token_urlsafe(12)
# What the core system sends about a cardholder; none of it may reach a log line.
CARDHOLDER = {"external_id": "C-SMOKE-1", "name": "欧阳明珠", "national_id": "310101199001011234",
              "phone": "+8613912345678", "email": "mingzhu.ouyang@example.cn", "address": "上海市浦东新区世纪大道100号"}

SETUP = f"""
from api.services import api_client_create
from staff.models import Role
from staff.services import staff_create
staff_create(username="ops-manager", role=Role.MANAGER, password={PASSWORD!r})
_client, token = api_client_create(name="core-banking", scopes=["ingest", "read"])
print("TOKEN", token)
"""


def account(number: str, *, days_overdue: int) -> dict:
    today = dt.datetime.now(dt.UTC)
    return {"account_number": number, "customer": {**CARDHOLDER, "external_id": f"C-{number}"}, "currency": "CNY",
            "principal_overdue": "8000.00", "interest_overdue": "120.50", "fees_overdue": "30.00",
            "penalty_overdue": "15.00", "overdue_since": (today.date() - dt.timedelta(days=days_overdue)).isoformat(),
            "as_of": today.isoformat()}


def test_the_production_image_serves_signs_in_ingests_escalates_and_restores(tmp_path):
    started = time.monotonic()
    venv = runtime_venv()
    manage = [str(venv / "bin" / "python"), "manage.py"]
    static_root = tmp_path / "static"
    with fresh_database(settings.DATABASES["default"]) as db:
        secrets_env = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PII_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "PII_HASH_KEY": secrets.token_urlsafe(32),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "DJANGO_STATIC_ROOT": str(static_root),
            "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
            "SMS_FILE_PATH": str(tmp_path / "sms.jsonl"),
            "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        }
        owner_env = base_env(venv, **secrets_env, DATABASE_URL=db.url(runtime=False))
        runtime_env = base_env(venv, **secrets_env, DATABASE_URL=db.url(runtime=True))

        # The static build needs no database: it runs while the database is migrated.
        build_log = tmp_path / "collectstatic.log"
        build = static_build(venv, static_root, build_log)
        migrated = subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=owner_env, capture_output=True,
                                  text=True, timeout=300)
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        runtime_role_create(db)
        assert runtime_role_cannot_create_tables(db)
        assert build.wait(timeout=300) == 0, tail(build_log)
        assert (static_root / "staticfiles.json").exists()

        port, worker_metrics_port = free_port(), free_port()
        web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
        image_cmd = command_with(dockerfile_cmd(), bind=f"127.0.0.1:{port}", workers="2")
        web_cmd = [str(venv / "bin" / image_cmd[0]), *image_cmd[1:]]
        worker_cmd = [str(venv / "bin" / compose_command("worker")[0]), *compose_command("worker")[1:],
                      "--concurrency=1", "--without-gossip", "--without-mingle"]
        processes = []
        try:
            # Each server keeps its processes' figures in a folder of its own, as each container would.
            web_env = {**runtime_env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics-web")}
            worker_env = {**runtime_env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics-worker"),
                          "CELERY_METRICS_PORT": str(worker_metrics_port), "CELERY_METRICS_ADDR": "127.0.0.1"}
            for command, log, env in ((web_cmd, web_log, web_env), (worker_cmd, worker_log, worker_env)):
                with log.open("w") as out:
                    processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                                      stderr=subprocess.STDOUT, start_new_session=True))
            deploy = subprocess.Popen([*manage, "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                                      env=runtime_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            # Staff and the core system's client are created as the runtime role: it can write rows.
            setup = subprocess.run([*manage, "shell", "-c", SETUP], cwd=ROOT, env=runtime_env, capture_output=True,
                                   text=True, timeout=120)
            assert setup.returncode == 0, setup.stderr[-3000:]
            token = re.search(r"^TOKEN (\S+)$", setup.stdout, re.M).group(1)

            plain = Browser(port, https=False)
            wait_for(lambda: plain.get("/healthz").status == 200, 60, "/healthz over plain HTTP",
                     lambda: tail(web_log))
            assert '"status": "ok"' in plain.get("/healthz").body.replace('":"', '": "')
            # Anything else over plain HTTP is sent to HTTPS.
            redirected = plain.get("/accounts/login/")
            assert redirected.status == 301 and redirected.headers["Location"].startswith("https://")

            browser = Browser(port)
            login = browser.get("/accounts/login/")
            assert login.status == 200 and "max-age=" in login.headers["Strict-Transport-Security"]

            # Static files: hashed names from the manifest, cached for a year or more.
            stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', login.body).group(1)
            asset = browser.get(stylesheet)
            assert asset.status == 200 and "body" in asset.body
            max_age = int(re.search(r"max-age=(\d+)", asset.headers["Cache-Control"]).group(1))
            assert max_age >= 365 * 24 * 3600, asset.headers["Cache-Control"]

            # The core system pushes a batch; the customer's data travels only in the body.
            api = {"Authorization": f"Bearer {token}"}
            batch = browser.request("POST", "/api/v1/accounts/batch", headers=api, json_body={"items": [
                account("6222000000009001", days_overdue=6), account("6222000000009002", days_overdue=9)]})
            assert batch.status == 200, batch.body
            case_ids = [item["case_id"] for item in json.loads(batch.body)["results"]]
            assert len(case_ids) == 2 and all(case_ids)

            # A manager signs in and opens a case.
            signed_in = browser.sign_in("ops-manager", PASSWORD)
            assert signed_in.status == 302 and "/accounts/login/" not in signed_in.headers["Location"], signed_in.body
            case_page = browser.get(f"/cases/{case_ids[0]}/")
            assert case_page.status == 200 and "csrfmiddlewaretoken" in case_page.body

            # A 404 and a 500 show the site's pages, nothing of the code or the database behind them.
            missing = browser.get("/no-such-page/?q=1")
            assert missing.status == 404
            db.admin(f'REVOKE SELECT ON cases_case FROM "{db.runtime_role}"')
            try:
                broken = browser.get(f"/cases/{case_ids[0]}/")
            finally:
                db.admin(f'GRANT SELECT ON cases_case TO "{db.runtime_role}"')
            assert broken.status == 500
            assert "Something went wrong" in broken.body
            for page in (missing.body, broken.body):
                for internal in ("Traceback", "cases_case", "permission denied", "psycopg2", "urlpatterns",
                                 "settings.py", "DEBUG", "SELECT "):
                    assert internal not in page, internal

            # The escalation pass, as beat would start it every 15 minutes, runs on the worker.
            # Sent as production sends it: its default queue and keys, not this test run's own (test settings).
            from celery import Celery

            Celery(broker=settings.CELERY_BROKER_URL).send_task("escalation.pass")

            def contacts_scheduled() -> bool:
                body = browser.get(f"/api/v1/cases/{case_ids[0]}/contacts/", headers=api).body
                return bool(json.loads(body)["results"])

            wait_for(contacts_scheduled, 60, "the escalation pass's contacts", lambda: tail(worker_log))
            contacts = json.loads(
                browser.get(f"/api/v1/cases/{case_ids[1]}/contacts/", headers=api).body)["results"]
            # T1 reminder: SMS, plus email as one is on file.
            assert {c["channel"] for c in contacts} == {"sms", "email"}

            # /metrics adds up both gunicorn workers' figures: every /healthz answered above is counted,
            # whichever worker answered it and whichever answers the scrape.
            healthz_calls = 6
            for _ in range(healthz_calls):
                assert plain.get("/healthz").status == 200
            scraped = plain.get("/metrics").body
            counted = re.search(r'portal_http_requests_total\{method="GET",status="200",view="healthz"\} (\S+)',
                                scraped)
            assert counted and float(counted.group(1)) >= healthz_calls + 2, scraped[-2000:]
            assert re.search(r'portal_http_requests_total\{method="GET",status="200",view="cases:detail"\} 1\.0',
                             scraped)
            assert re.search(r'portal_escalation_last_run_contacts_scheduled\{channel="sms"\} 2\.0', scraped)
            assert 'portal_scrape_source_up{source="broker"} 1.0' in scraped
            # The worker's figures, from its own exporter: the pass's chunk ran there.
            worker_scrape = Browser(worker_metrics_port, https=False).get("/metrics").body
            assert re.search(r'portal_celery_tasks_total\{outcome="succeeded",task="escalation.chunk"\} [1-9]',
                             worker_scrape), worker_scrape[-2000:]

            deploy_output = deploy.communicate(timeout=120)[0]
            assert deploy.returncode == 0 and "no issues" in deploy_output, deploy_output
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()

        # Logs: JSON lines, one per request with its id and route, and nothing the core system said about the
        # cardholder, in the web's log or the worker's.
        web_lines = [json.loads(line) for line in web_log.read_text().splitlines() if line.startswith("{")]
        requests = [line for line in web_lines if line.get("logger") == "portal.request"]
        case_lines = [line for line in requests if line["view"] == "cases:detail"]
        assert case_lines and case_lines[0]["status"] == 200 and case_lines[0]["user_id"]
        assert all(len(line["request_id"]) == 32 and "duration_ms" in line for line in requests)
        assert any(line["view"] == "unresolved" and line["status"] == 404 for line in requests)
        assert '"task": "escalation.chunk"' in worker_log.read_text()
        everything = web_log.read_text() + worker_log.read_text()
        for value in CARDHOLDER.values():
            assert value not in everything, value
        assert "q=1" not in everything

        # The runbook's restore drill, with PostgreSQL 15's own tools, on this small database.
        drill = subprocess.run([sys.executable, "scripts/restore_drill.py", db.url(runtime=False),
                                "--target", f"{db.name}_restore"], cwd=ROOT, capture_output=True, text=True,
                               timeout=300)
        assert drill.returncode == 0, drill.stdout + drill.stderr
        assert "dumped and restored" in drill.stdout

    assert time.monotonic() - started < 120
