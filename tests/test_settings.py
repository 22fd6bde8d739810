"""The production settings pass Django's deployment checks once the README's variables are set."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "collections_portal.settings.production",
    "DJANGO_SECRET_KEY": "k7#Vq2!xR9@mZp4&Lw8^Tn3*Hs6(Jd1)Fb5_Gc0+Ye2=Ua7-Oi9~Ek4",
    "DJANGO_ALLOWED_HOSTS": "portal.bank.example",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://portal.bank.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/collections_portal",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "PII_ENCRYPTION_KEYS": "Fq0Yl3T7tWc2b8-qRcS3VYbq9T4m9bH3H9x6P2m8W1A=",
    "PII_HASH_KEY": "production-like-lookup-hash-key",
}


def manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "PII_"))}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_a_malformed_variable_fails_loudly():
    result = manage("check", env={**PRODUCTION_ENV, "DATABASE_CONN_MAX_AGE": "sixty"})
    assert result.returncode != 0
    assert "sixty" in result.stderr


def test_a_payment_allocation_that_is_not_a_permutation_of_the_four_parts_fails_loudly():
    result = manage("check", env={**PRODUCTION_ENV, "COLLECTIONS_PAYMENT_ALLOCATION": "fees,principal"})
    assert result.returncode != 0
    assert "COLLECTIONS_PAYMENT_ALLOCATION" in result.stderr


def test_a_malformed_encryption_key_stops_start_up():
    result = manage("check", env={**PRODUCTION_ENV, "PII_ENCRYPTION_KEYS": "not-a-key"})
    assert result.returncode != 0
    assert "PII_ENCRYPTION_KEYS" in result.stderr


def _test_run_names(**env) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "TEST_RUN_ID"}
    code = ("import django; django.setup(); from collections_portal.celery import app; "
            "print(app.conf.task_default_queue, app.conf.broker_transport_options['global_keyprefix'])")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**clean, "DJANGO_SETTINGS_MODULE": "collections_portal.settings.test",
                                 "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14", **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_two_test_runs_use_their_own_queue_and_keys_on_the_same_redis_database():
    first, second = _test_run_names(), _test_run_names()
    assert first != second
    queue, prefix = first.split()
    assert queue.startswith("test-") and prefix == f"{queue}:"


def test_a_process_started_by_a_test_run_shares_its_queue():
    assert _test_run_names(TEST_RUN_ID="abc123") == "test-abc123 test-abc123:"


def test_a_plan_interest_rate_that_is_not_a_percentage_fails_loudly():
    for value in ("seven", "150"):
        result = manage("check", env={**PRODUCTION_ENV, "PLAN_INTEREST_RATE": value})
        assert result.returncode != 0 and "PLAN_INTEREST_RATE" in result.stderr, value


def test_a_repayment_reference_with_an_unknown_placeholder_fails_loudly():
    result = manage("check", env={**PRODUCTION_ENV, "PLAN_REPAYMENT_REFERENCE": "REF-{account}"})
    assert result.returncode != 0
    assert "PLAN_REPAYMENT_REFERENCE" in result.stderr and "account" in result.stderr


def _setting(name, env):
    result = manage("shell", "-c", f"from django.conf import settings; print(settings.{name})", env=env)
    return result.stdout.strip().splitlines()[-1]


def test_recordings_are_required_for_agreements_in_production_and_not_on_a_developers_machine():
    assert _setting("RECORDINGS_REQUIRED_FOR_AGREEMENTS", PRODUCTION_ENV) == "True"
    local = {"DJANGO_SETTINGS_MODULE": "collections_portal.settings.local",
             "DATABASE_URL": PRODUCTION_ENV["DATABASE_URL"]}
    assert _setting("RECORDINGS_REQUIRED_FOR_AGREEMENTS", local) == "False"


def test_a_retention_shorter_than_three_years_fails_loudly():
    result = manage("check", env={**PRODUCTION_ENV, "RETENTION_YEARS": "2"})
    assert result.returncode != 0
    assert "RETENTION_YEARS" in result.stderr
