"""POST /api/v1/accounts/recall: the core system withdraws accounts; their open cases close as recalled."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases import contact_stops
from cases.ingest import Recall, accounts_recall
from cases.lifecycle import Outcome, Stage
from cases.models import Case, StageHistory
from contacts.models import Channel, ContactStatus, Origin, ScheduledContact
from events.models import Event
from tests.api.conftest import AS_OF, account_item, post_accounts
from tests.factories import CaseFactory
from visits.models import Visit, VisitOrigin, VisitStatus

pytestmark = pytest.mark.django_db

NUMBER = "6222000000000001"


def recall_item(number: str = NUMBER, reason: str = "sold", as_of: dt.datetime | None = None, **extra) -> dict:
    return {"account_number": number, "reason": reason, "as_of": (as_of or timezone.now()).isoformat(), **extra}


def post_recalls(client, *items):
    return client.post("/api/v1/accounts/recall", {"items": list(items)}, format="json")


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def case(core_system):
    [row] = results(post_accounts(core_system, account_item(NUMBER)))
    return Case.objects.get(pk=row["case_id"])


def _contact(case):
    return ScheduledContact.objects.create(case=case, channel=Channel.CALL, origin=Origin.POLICY,
                                           due_at=timezone.now(), idempotency_key=f"{case.pk}:call", rule="T2.call")


def _visit(case):
    return Visit.objects.create(case=case, origin=VisitOrigin.ESCALATION, reason="Contact policy: T4.visit",
                                address="上海市", region="上海", requested_by_label="system")


def test_a_recall_closes_the_case_as_recalled_and_cancels_its_contacts_and_visits(core_system, case):
    contact, visit = _contact(case), _visit(case)

    recalled_at = timezone.now()
    [row] = results(post_recalls(core_system, recall_item(reason="deceased", as_of=recalled_at)))

    case.refresh_from_db()
    assert row == {"account_number": NUMBER, "result": "recalled", "case_id": case.pk, "errors": []}
    assert (case.stage, case.outcome) == (Stage.CLOSED, Outcome.RECALLED)
    history = StageHistory.objects.filter(case=case).first()
    assert (history.to_stage, history.outcome, history.actor_label) == (Stage.CLOSED, Outcome.RECALLED, "core-system")
    assert "died" in history.reason
    assert ScheduledContact.objects.get(pk=contact.pk).status == ContactStatus.CANCELLED
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.CANCELLED
    events = list(Event.objects.filter(case=case).order_by("id").values_list("type", "payload"))
    assert events[-2:] == [("case.closed", {"outcome": "recalled"}),
                           ("case.recalled", {"reason": "deceased", "as_of": recalled_at.isoformat()})]


def test_closing_and_cancelling_are_one_transaction(core_system, case, monkeypatch):
    contact = _contact(case)

    def failing(stop):
        raise RuntimeError("the visits table is unavailable")

    monkeypatch.setitem(contact_stops._REACTIONS, "visits", failing)
    with pytest.raises(RuntimeError):
        accounts_recall(recalls=[Recall(NUMBER, "fraud", timezone.now())])

    case.refresh_from_db()
    assert case.stage == Stage.CONFIRM
    assert ScheduledContact.objects.get(pk=contact.pk).status == ContactStatus.SCHEDULED
    assert not Event.objects.filter(case=case, type="case.recalled").exists()


def test_a_repeated_recall_answers_unchanged_and_writes_nothing(core_system, case):
    results(post_recalls(core_system, recall_item()))
    before = (StageHistory.objects.count(), Event.objects.count())

    rows = results(post_recalls(core_system, recall_item(), recall_item(reason="error")))

    assert [(r["result"], r["case_id"]) for r in rows] == [("unchanged", case.pk), ("unchanged", case.pk)]
    assert (StageHistory.objects.count(), Event.objects.count()) == before


def test_the_same_account_twice_in_a_batch_is_recalled_once(core_system, case):
    rows = results(post_recalls(core_system, recall_item(), recall_item(reason="fraud")))
    assert [r["result"] for r in rows] == ["recalled", "unchanged"]
    assert Event.objects.filter(case=case, type="case.recalled").count() == 1


def test_an_unknown_account_is_rejected_for_its_item_alone(core_system, case):
    rows = results(post_recalls(core_system, recall_item(), recall_item("6222999999999999")))

    assert rows[0]["result"] == "recalled"
    assert rows[1]["result"] == "rejected" and rows[1]["case_id"] is None
    assert (rows[1]["errors"][0]["field"], rows[1]["errors"][0]["code"]) == ("items[1].account_number",
                                                                             "unknown_account")


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"reason": "bored"}, "reason", "invalid_choice"),
    ({"reason": None}, "reason", "null"),
    ({"as_of": "2026-11-25"}, "as_of", "invalid"),
    ({"as_of": "2030-01-01T00:00:00+08:00"}, "as_of", "in_future"),
    ({"note": "x"}, "note", "unknown_field"),
])
def test_a_bad_item_is_rejected_in_json_with_its_field_path_and_the_case_stays_open(core_system, case, change,
                                                                                  field, code):
    [row] = results(post_recalls(core_system, {**recall_item(), **change}))

    assert row["result"] == "rejected"
    assert (row["errors"][0]["field"], row["errors"][0]["code"]) == (f"items[0].{field}", code)
    case.refresh_from_db()
    assert case.stage == Stage.CONFIRM


def test_a_recall_older_than_the_open_case_is_stale(core_system, case):
    [row] = results(post_recalls(core_system, recall_item(as_of=case.opened_at - dt.timedelta(days=1))))
    case.refresh_from_db()
    assert (row["result"], case.stage) == ("stale", Stage.CONFIRM)


def test_recall_needs_the_ingest_scope(reader, case):
    response = post_recalls(reader, recall_item())
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).stage == Stage.CONFIRM


def test_a_big_batch_takes_a_few_queries_per_reason(core_system, django_assert_max_num_queries):
    cases = [CaseFactory(stage=Stage.CONTACT, opened_at=AS_OF) for _ in range(60)]
    recalls = [Recall(c.account.account_number, ("sold", "fraud")[i % 2], timezone.now())
               for i, c in enumerate(cases)]
    with django_assert_max_num_queries(60):
        outcomes = accounts_recall(recalls=recalls)
    assert {o.result for o in outcomes} == {"recalled"}
    assert Case.objects.filter(stage=Stage.CLOSED, outcome=Outcome.RECALLED).count() == 60


def test_the_schema_documents_the_recall(tmp_path):
    call_command("spectacular", "--format", "openapi-json", "--file", str(tmp_path / "schema.json"))
    schema = json.loads((tmp_path / "schema.json").read_text())
    operation = schema["paths"]["/api/v1/accounts/recall"]["post"]
    assert operation["operationId"] == "accounts_recall" and "unchanged" in operation["description"]
    item = schema["components"]["schemas"]["RecallItem"]
    assert set(item["required"]) == {"account_number", "reason", "as_of"} and item["additionalProperties"] is False
    envelope = schema["components"]["schemas"]["AccountsRecallInput"]
    assert envelope["additionalProperties"] is False and envelope["properties"]["items"]["maxItems"] == 1000
    assert set(schema["components"]["schemas"]["RecallItemReasonEnum"]["enum"]) == {
        "sold", "fraud", "deceased", "bankruptcy", "paid_elsewhere", "error"}
    ref = schema["components"]["schemas"]["AccountsRecallResult"]["properties"]["result"]["$ref"]
    assert set(schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["enum"]) == {
        "recalled", "unchanged", "stale", "rejected"}


def test_a_recall_ends_the_cases_agency_placement_as_recalled(core_system, case, supervisor):
    from agencies.models import EndCause, Placement
    from agencies.services import agency_create, placements_create
    from core.actors import SYSTEM

    agency = agency_create(name="Recall Agency", licence="SH-R-1", actor=SYSTEM, regions=["上海"])
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor)

    [row] = results(post_recalls(core_system, recall_item(reason="fraud")))

    assert row["result"] == "recalled"
    placement = Placement.objects.get(case=case)
    assert placement.end_cause == EndCause.RECALLED
    assert placement.end_reason == "Recalled by the core system: the account is a fraud case."
    ended = Event.objects.get(case_id=case.pk, type="case.placement_ended")
    assert ended.payload["cause"] == "recalled"
