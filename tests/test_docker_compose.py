import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_describes_web_worker_beat_postgres_and_redis_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert "gunicorn" in services["web"]["command"]
    for name in ("web", "worker", "db", "redis"):
        assert "healthcheck" in services[name], name
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["CELERY_BROKER_URL"].startswith("redis://")


def compose_command():
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return None


@pytest.mark.skipif(compose_command() is None, reason="no docker compose client on this machine")
def test_docker_compose_config_parses():
    result = subprocess.run([*compose_command(), "config", "--quiet"], cwd=ROOT, capture_output=True, text=True,
                            env={"DJANGO_SECRET_KEY": "x", "PII_ENCRYPTION_KEYS": "x", "PII_HASH_KEY": "x",
                                 "POSTGRES_PASSWORD": "x",
                                 "PATH": "/usr/bin:/bin:/usr/local/bin"})
    assert result.returncode == 0, result.stderr


# --- Well-formedness, checked here because `docker compose config` is not available on every machine ----

DURATION = re.compile(r"^(\d+(\.\d+)?(us|ms|s|m|h))+$")
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
RESTART = {"no", "always", "on-failure", "unless-stopped"}
VARIABLE = re.compile(r"\$(\$|\{[A-Za-z_][A-Za-z0-9_]*(:?[-?+][^}]*)?\}|[A-Za-z_][A-Za-z0-9_]*)")


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def test_every_service_is_well_formed():
    spec = compose()
    services, declared_volumes = spec["services"], set(spec.get("volumes") or {})
    used_volumes = set()
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        assert isinstance(service.get("command", ""), str | list), name
        assert service.get("restart", "no") in RESTART, name
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in services and dependency != name, (name, dependency)
            assert condition["condition"] in CONDITIONS, (name, dependency)
        for port in service.get("ports", []):
            assert re.fullmatch(r"(\d{1,3}(\.\d{1,3}){3}:)?\d+:\d+(/tcp|/udp)?", str(port)), (name, port)
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            assert ":" in mount, (name, mount)
            if not source.startswith(("/", ".")):
                used_volumes.add(source)
        for key, value in (service.get("environment") or {}).items():
            assert re.fullmatch(r"[A-Z_][A-Z0-9_]*", key) and isinstance(value, str | int), (name, key)
        # Every $ is a variable reference or an escaped $$: a stray one breaks the file at `up`.
        for text in strings_in(service):
            assert "$" not in VARIABLE.sub("", text), (name, text)
    assert used_volumes == declared_volumes


def test_every_health_check_is_well_formed():
    checks = {name: s["healthcheck"] for name, s in compose()["services"].items() if "healthcheck" in s}
    assert {"web", "worker", "db", "redis", "flower"} <= set(checks)
    for name, check in checks.items():
        test = check["test"]
        assert isinstance(test, str) or (test[0] in {"CMD", "CMD-SHELL"} and len(test) > 1), name
        for key in ("interval", "timeout", "start_period"):
            if key in check:
                assert DURATION.match(check[key]), (name, key)
        assert isinstance(check.get("retries", 1), int) and check.get("retries", 1) > 0, name


def test_migrations_run_once_to_completion_before_anything_that_uses_the_schema():
    services = compose()["services"]
    migrate = services["migrate"]
    assert migrate["command"][-2:] == ["migrate", "--noinput"] and migrate["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert "migrate" not in str(services[name]["command"]), name


def test_flower_listens_on_loopback_only_and_asks_for_a_password():
    flower = compose()["services"]["flower"]
    assert flower["ports"] and all(str(port).startswith("127.0.0.1:") for port in flower["ports"])
    # `:?` stops `up` when the variable is unset: Flower never starts without basic auth.
    assert re.fullmatch(r"\$\{FLOWER_BASIC_AUTH:\?[^}]+\}", flower["environment"]["FLOWER_BASIC_AUTH"])
