"""The OpenAPI schema is valid, and the API keeps to it: schemathesis generates requests from it, sends
them to the application and finds no server error and no response outside the schema."""

import json

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, seed, settings
from schemathesis.checks import CHECKS, is_check_class, load_all_checks

from api.services import api_client_create
from collections_portal.wsgi import application


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/accounts/batch" in (tmp_path / "schema.yaml").read_text()


def test_the_schema_documents_the_optional_plan_terms_of_an_account(tmp_path):
    call_command("spectacular", "--format", "openapi-json", "--file", str(tmp_path / "schema.json"))
    item = json.loads((tmp_path / "schema.json").read_text())["components"]["schemas"]["AccountItem"]
    rate, reference = item["properties"]["plan_interest_rate"], item["properties"]["repayment_reference"]
    assert "plan_interest_rate" not in item["required"] and "repayment_reference" not in item["required"]
    assert rate["type"] == "string" and rate["format"] == "decimal" and "PLAN_INTEREST_RATE" in rate["description"]
    assert reference["maxLength"] == 64 and "agreement" in reference["description"]


def test_the_schema_documents_the_dialer_batch(tmp_path):
    call_command("spectacular", "--format", "openapi-json", "--file", str(tmp_path / "schema.json"))
    schema = json.loads((tmp_path / "schema.json").read_text())
    operation = schema["paths"]["/api/v1/contact-attempts/batch"]["post"]
    assert operation["operationId"] == "contact_attempts_batch" and "telephony" in operation["description"]
    item = schema["components"]["schemas"]["CallItem"]
    assert set(item["required"]) == {"external_id", "account_number", "direction", "number", "started_at",
                                     "duration_seconds", "result"}
    assert item["additionalProperties"] is False
    result = schema["components"]["schemas"]["ContactAttemptsBatchResult"]["properties"]
    assert {"breaches", "attempt_id", "errors"} <= set(result)


def test_the_schema_documents_what_a_case_was_written_off_for(tmp_path):
    call_command("spectacular", "--format", "openapi-json", "--file", str(tmp_path / "schema.json"))
    schemas = json.loads((tmp_path / "schema.json").read_text())["components"]["schemas"]
    detail = schemas["CaseDetail"]["properties"]["written_off"]
    assert "written_off" in detail["description"] and detail.get("nullable") is True
    assert set(schemas["WrittenOff"]["required"]) == {"currency", "principal", "interest", "fees", "penalty", "total",
                                                      "approval_kind", "approved_at"}
    event = schemas["Event"]["properties"]["type"]["$ref"].rsplit("/", 1)[-1]
    assert "case.written_off" in schemas[event]["enum"]


@pytest.mark.django_db
def test_the_interactive_docs_are_served_from_our_own_static_files(client, agent):
    client.force_login(agent)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content and b"cdn" not in response.content.lower()




@pytest.fixture
def keep_connection(db):
    # Requests go straight to the WSGI application; like Django's test client, keep the test's database
    # connection (and its transaction) open between them.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db):
    return api_client_create(name="schemathesis", scopes=["ingest", "read", "telephony"])[1]


def served_schema() -> dict:
    """The schema exactly as /api/schema/ renders it. It is served only to staff and API clients, and no
    token exists when the tests are collected, so it is built by the same generator the view uses."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(served_schema())
schema.app = application


# What `schemathesis run --checks all` runs: every registered check (the stateful ones apply to stateful
# runs only), against every operation, with a fixed seed and a bounded number of examples per operation.
load_all_checks()
ALL_CHECKS = [check for check in CHECKS.get_all() if not is_check_class(check)]


@schema.parametrize()
@seed(20261202)
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_schema(case, token, keep_connection):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=ALL_CHECKS)
