import datetime as dt
import json
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.models import AuditRecord
from cases.lifecycle import Stage
from cases.models import Case
from contacts.models import Channel, ContactStatus, ScheduledContact
from core.errors import DomainError
from core.models import OutboxTask
from dashboards import policy_preview as policy_preview_module
from dashboards.models import PolicyPreview
from dashboards.policy_preview import policy_preview_finish, policy_preview_request
from escalation.models import Policy, PolicyVersion
from escalation.policy import policies_in_force, policy_definition
from escalation.services import escalation_pass_run
from staff.models import Role, StaffProfile
from tests.escalation.helpers import AS_OF, SH, case_at_dpd
from tests.factories import CaseFactory, staff_user

pytestmark = pytest.mark.django_db


def test_a_supervisor_reassigns_one_case_with_a_reason(client, supervisor, team, agent):
    colleague = staff_user(Role.AGENT, team, user__username="colleague")
    case = CaseFactory(stage=Stage.CONTACT, assigned_team=team, assigned_agent=agent, claimed_by=agent)
    client.force_login(supervisor)
    response = client.post(reverse("dashboards:reassign"), {"case_id": case.pk, "to_team": team.pk,
                                                            "to_agent": colleague.pk, "reason": "Agent on leave"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.assigned_agent, case.claimed_by) == (colleague, None)
    record = AuditRecord.objects.get(action="case.reassigned")
    assert record.case_id == case.pk and record.reason == "Agent on leave"
    assert record.changes["from"]["agent"] == agent.pk


def test_bulk_reassignment_moves_the_filtered_open_cases_in_one_audited_step(client, manager, team, other_team,
                                                                             agent):
    moving = [CaseFactory(stage=Stage.CONTACT, assigned_team=team, assigned_agent=agent) for _ in range(3)]
    staying = CaseFactory(stage=Stage.NEGOTIATE, assigned_team=team, assigned_agent=agent)
    client.force_login(manager)
    data = {"from_agent": agent.pk, "stage": Stage.CONTACT, "to_team": other_team.pk, "reason": "Rebalance"}
    asked = client.post(reverse("dashboards:reassign"), data)
    # First the count and a request to confirm it; nothing has moved yet.
    assert asked.status_code == 200 and asked.context["confirm_count"] == 3
    assert "3 open cases match these filters." in asked.content.decode()
    assert 'name="confirm_count" value="3"' in asked.content.decode()
    assert not Case.objects.filter(assigned_team=other_team).exists()
    # Another matching case arrives before the confirmation: the new number is shown, nothing moves.
    late = CaseFactory(stage=Stage.CONTACT, assigned_team=team, assigned_agent=agent)
    again = client.post(reverse("dashboards:reassign"), {**data, "confirm_count": "3"})
    assert again.context["confirm_count"] == 4 and again.context["count_changed"]
    assert not Case.objects.filter(assigned_team=other_team).exists()
    moving.append(late)
    response = client.post(reverse("dashboards:reassign"), {**data, "confirm_count": "4"}, follow=True)
    assert "4 cases reassigned." in response.content.decode()
    assert set(Case.objects.filter(assigned_team=other_team).values_list("pk", flat=True)) == {c.pk for c in moving}
    assert Case.objects.get(pk=staying.pk).assigned_team == team
    record = AuditRecord.objects.get(action="cases.reassigned_bulk")
    assert record.changes["count"] == 4 and sorted(record.changes["case_ids"]) == sorted(c.pk for c in moving)


def test_bulk_reassignment_needs_a_filter_and_the_error_sits_by_the_field(client, manager, team):
    client.force_login(manager)
    response = client.post(reverse("dashboards:reassign"), {"to_team": team.pk, "reason": "all"})
    assert response.status_code == 400 and "case_id" in response.context["form"].errors


def test_a_supervisor_cannot_reassign_another_teams_case(client, supervisor, team, other_team):
    case = CaseFactory(stage=Stage.CONTACT, assigned_team=other_team)
    client.force_login(supervisor)
    response = client.post(reverse("dashboards:reassign"), {"case_id": case.pk, "to_team": team.pk, "reason": "x"})
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).assigned_team == other_team


def test_an_agent_of_another_team_cannot_receive_the_case(client, manager, team, other_agent):
    case = CaseFactory(stage=Stage.CONTACT, assigned_team=team)
    client.force_login(manager)
    response = client.post(reverse("dashboards:reassign"), {"case_id": case.pk, "to_team": team.pk,
                                                            "to_agent": other_agent.pk, "reason": "x"})
    assert response.status_code == 400 and "to_agent" in response.context["form"].errors
    assert Case.objects.get(pk=case.pk).assigned_agent is None


def test_team_capacity_is_set_and_audited(client, supervisor, team):
    client.force_login(supervisor)
    response = client.post(reverse("dashboards:teams"), {"team": team.pk, f"t{team.pk}-capacity": "120"})
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.capacity == 120
    assert AuditRecord.objects.get(action="team.capacity_set").changes == {"capacity": [None, 120]}


def test_a_supervisor_sets_their_team_to_assign_new_cases_by_load_and_it_is_audited(client, supervisor, team):
    client.force_login(supervisor)
    page = client.get(reverse("dashboards:teams")).content.decode()
    assert f'name="t{team.pk}-assigns_by_load"' in page and "Assign new cases by load" in page
    response = client.post(reverse("dashboards:teams"), {"team": team.pk, f"t{team.pk}-capacity": "",
                                                         f"t{team.pk}-assigns_by_load": "on"})
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.assigns_by_load is True
    assert AuditRecord.objects.get(action="team.assignment_set").changes == {"assigns_by_load": [False, True]}
    assert not AuditRecord.objects.filter(action="team.capacity_set").exists()  # the capacity did not change
    page = client.get(reverse("dashboards:teams")).content.decode()
    [box] = re.findall(rf'<input[^>]*name="t{team.pk}-assigns_by_load"[^>]*>', page)
    assert " checked" in box
    # Unticked, the team's new cases wait in its pool again.
    client.post(reverse("dashboards:teams"), {"team": team.pk, f"t{team.pk}-capacity": ""})
    team.refresh_from_db()
    assert team.assigns_by_load is False


def test_a_supervisor_cannot_set_another_teams_capacity(client, supervisor, other_team):
    client.force_login(supervisor)
    response = client.post(reverse("dashboards:teams"), {"team": other_team.pk, f"t{other_team.pk}-capacity": "5"})
    assert response.status_code == 404


def test_the_review_queue_lists_and_decides_pre_litigation_reviews(client, supervisor, team):
    case = case_at_dpd(100, assigned_team=team, stage=Stage.CONTACT)
    escalation_pass_run(as_of=AS_OF)
    review = ScheduledContact.objects.get(case=case, channel=Channel.LEGAL_REVIEW)
    client.force_login(supervisor)
    assert f"#{case.pk}" in client.get(reverse("dashboards:reviews")).content.decode()
    response = client.post(reverse("dashboards:reviews"), {"review": review.pk, f"r{review.pk}-decision": "accept",
                                                           f"r{review.pk}-reason": "Assets found"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).stage == Stage.LEGAL
    review.refresh_from_db()
    assert review.status == ContactStatus.DONE


def _draft_without_calls(as_of):
    definition = json.loads(json.dumps(policy_definition(version=policies_in_force(as_of=as_of).champion),
                                       default=str))
    for tier in definition["tiers"]:
        tier["actions"] = [a for a in tier["actions"] if a["channel"] != Channel.CALL]
    return definition


def test_policy_preview_runs_the_real_pass_with_and_without_the_draft_and_saves_nothing(client, supervisor, team):
    case_at_dpd(20, assigned_team=team)  # T2: a call task under the default policy
    versions = PolicyVersion.objects.count()
    with time_machine.travel(dt.datetime(2026, 11, 29, 10, tzinfo=SH), tick=False):
        client.force_login(supervisor)
        response = client.post(reverse("dashboards:policy"), {
            "action": "preview", "definition": json.dumps(_draft_without_calls(AS_OF)), "note": ""})
        preview = PolicyPreview.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('dashboards:policy')}?preview={preview.pk}"
        assert OutboxTask.objects.filter(task="dashboards.policy_preview", kwargs={"preview_id": preview.pk}).exists()
        assert policy_preview_finish(preview_id=preview.pk)
        response = client.get(response["Location"])
    rows = {(r["channel"], r["team"]): (r["current"], r["draft"]) for r in response.context["preview_rows"]}
    assert rows[(str(Channel.CALL.label), team.name)] == (1, 0)
    assert ScheduledContact.objects.count() == 0
    assert PolicyVersion.objects.count() == versions
    # The form keeps the previewed draft, ready to activate.
    assert "T2.call" not in json.dumps(response.context["form"].initial["definition"])


def test_policy_preview_counts_the_cases_the_draft_would_place_with_agencies_and_places_none(client, supervisor,
                                                                                              team):
    from agencies.models import Placement
    from agencies.services import agency_create
    from core.actors import SYSTEM

    agency = agency_create(name="安信催收 Anxin Collections", licence="SH-1", actor=SYSTEM, regions=["上海"],
                           capacity=2)
    for _n in range(3):
        case_at_dpd(100, assigned_team=team)  # T5, cardholders in 上海
    draft = json.loads(json.dumps(policy_definition(version=policies_in_force(as_of=AS_OF).champion), default=str))
    draft["tiers"][-1]["actions"].append({"code": "T5.agency", "channel": "place_with_agency",
                                          "cadence": "on_entry", "min_amount": "5000.00"})
    client.force_login(supervisor)
    policy = Policy.objects.get(is_default=True)
    preview = policy_preview_request(policy=policy, data=draft, actor=supervisor, as_of=AS_OF)
    assert policy_preview_finish(preview_id=preview.pk)

    response = client.get(f"{reverse('dashboards:policy')}?preview={preview.pk}")

    placements = response.context["preview_placements"]
    assert [(r["agency"], r["current"], r["draft"], r["change"]) for r in placements["placed"]] == [
        (agency.name, 0, 2, 2)]
    assert [(str(r["reason"]), r["draft"]) for r in placements["kept"]] == [
        ("Every agency serving the cardholder's region is full", 1)]
    page = response.content.decode()
    assert "Cases placed with outside agencies" in page and agency.name in page
    # Two fewer legal reviews under the draft: those cases would go to the agency.
    rows = {r["channel"]: (r["current"], r["draft"]) for r in response.context["preview_rows"]}
    assert rows[str(Channel.LEGAL_REVIEW.label)] == (3, 1)
    assert not Placement.objects.exists()


def test_a_preview_in_progress_polls_until_it_is_done(client, supervisor, team):
    client.force_login(supervisor)
    policy = Policy.objects.get(is_default=True)
    preview = policy_preview_request(policy=policy, data=_draft_without_calls(AS_OF), actor=supervisor, as_of=AS_OF)
    running = client.get(reverse("dashboards:policy-preview", args=[preview.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in running and f"?preview={preview.pk}" in running  # a link without JavaScript
    assert policy_preview_finish(preview_id=preview.pk)
    assert not policy_preview_finish(preview_id=preview.pk)  # finished once, left alone after
    done = client.get(reverse("dashboards:policy-preview", args=[preview.pk])).content.decode()
    assert "hx-trigger" not in done and "Neither would schedule anything." in done


def test_a_draft_that_is_not_a_coherent_policy_is_refused_before_any_preview(client, supervisor):
    client.force_login(supervisor)
    draft = _draft_without_calls(AS_OF)
    draft["tiers"][1]["dpd_from"] = 17  # a gap after T1
    response = client.post(reverse("dashboards:policy"), {"action": "preview", "definition": json.dumps(draft)})
    assert response.status_code == 400 and "must start the day after" in response.content.decode()
    assert not PolicyPreview.objects.exists()


def test_a_preview_that_fails_records_why(monkeypatch, supervisor):
    policy = Policy.objects.get(is_default=True)
    preview = policy_preview_request(policy=policy, data=_draft_without_calls(AS_OF), actor=supervisor, as_of=AS_OF)

    def no_policy(**kwargs):
        raise DomainError("No version of the policy is in force.", code="no_policy")

    monkeypatch.setattr(policy_preview_module, "policy_preview", no_policy)
    assert policy_preview_finish(preview_id=preview.pk)
    preview.refresh_from_db()
    assert (preview.status, preview.error) == (PolicyPreview.Status.FAILED, "No version of the policy is in force.")


def test_activating_a_draft_publishes_a_new_version_and_audits_it(client, manager):
    client.force_login(manager)
    policy = Policy.objects.get(is_default=True)
    before = policy.versions.count()
    response = client.post(reverse("dashboards:policy"), {
        "action": "activate", "definition": json.dumps(_draft_without_calls(AS_OF)), "note": "No calls in T2"})
    assert response.status_code == 302
    assert policy.versions.count() == before + 1
    assert AuditRecord.objects.get(action="policy.version_published").reason == "No calls in T2"


def test_a_broken_draft_is_refused_beside_the_field(client, manager):
    client.force_login(manager)
    response = client.post(reverse("dashboards:policy"), {"action": "preview", "definition": '{"tiers": [{}]}'})
    assert response.status_code == 400 and "definition" in response.context["form"].errors


def test_a_manager_sets_the_large_amount_threshold_for_another_currency(client, manager):
    client.force_login(manager)
    page = client.get(reverse("dashboards:policy")).content.decode()
    assert "large_amount_thresholds" in page and "never treated as large" in page
    draft = _draft_without_calls(AS_OF)
    draft["large_amount_thresholds"] = {"USD": "7000.00"}
    response = client.post(reverse("dashboards:policy"), {
        "action": "activate", "definition": json.dumps(draft), "note": "Large USD debts from 7,000"})
    assert response.status_code == 302
    latest = Policy.objects.get(is_default=True).versions.order_by("-number").first()
    assert latest.currency == "CNY" and latest.large_amount_thresholds == {"USD": "7000.00"}
    draft["large_amount_thresholds"] = {"USD": "-1"}
    response = client.post(reverse("dashboards:policy"), {"action": "activate", "definition": json.dumps(draft),
                                                          "note": "Oops"})
    assert response.status_code == 400 and "threshold in USD must be a positive amount" in response.content.decode()


def test_the_reassignment_targets_are_active_agents_and_must_belong_to_the_chosen_team(
        client, supervisor, team, other_team, agent, field_agent):
    other_team.supervisor = supervisor
    other_team.save(update_fields=["supervisor"])
    gone = staff_user(Role.AGENT, team, user__username="gone")
    gone.is_active = False
    gone.save()
    elsewhere = staff_user(Role.AGENT, other_team, user__username="elsewhere")
    client.force_login(supervisor)
    form = client.get(reverse("dashboards:reassign")).context["form"]
    assert set(form.fields["to_agent"].queryset) == {agent, elsewhere}
    case = CaseFactory(stage=Stage.CONTACT, assigned_team=team)
    refused = client.post(reverse("dashboards:reassign"), {"case_id": case.pk, "to_team": team.pk,
                                                           "to_agent": elsewhere.pk, "reason": "Leave"})
    assert refused.status_code == 400 and "to_agent" in refused.context["form"].errors
    assert 'id="id_to_agent_error"' in refused.content.decode()


def test_the_review_queue_pages_and_preselects_no_decision(client, supervisor, team):
    from django.utils import timezone

    for number in range(26):
        case = CaseFactory(stage=Stage.CONTACT, assigned_team=team)
        ScheduledContact.objects.create(case=case, channel=Channel.LEGAL_REVIEW, status=ContactStatus.SCHEDULED,
                                        due_at=timezone.now(), rule="T5", idempotency_key=f"review-{number}")
    client.force_login(supervisor)
    first = client.get(reverse("dashboards:reviews"))
    body = first.content.decode()
    assert len(first.context["rows"]) == 25 and "page=2" in body
    assert len(client.get(reverse("dashboards:reviews"), {"page": 2}).context["rows"]) == 1
    assert 'value="accept" selected' not in body and 'value="decline" selected' not in body
    review = first.context["rows"][0][0]
    refused = client.post(reverse("dashboards:reviews"), {"review": review.pk, f"r{review.pk}-reason": "Assets"})
    assert refused.status_code == 400 and f"r{review.pk}-decision" in {
        f"r{review.pk}-{name}" for name in refused.context["rows"][0][1].errors}


def test_the_page_after_a_preview_keeps_the_draft_as_typed_and_the_note(client, supervisor):
    client.force_login(supervisor)
    typed = json.dumps(_draft_without_calls(AS_OF), indent=4)  # indented as the supervisor left it
    response = client.post(reverse("dashboards:policy"), {"action": "preview", "definition": typed,
                                                          "note": "No calls in T2 for November"}, follow=True)
    page = response.content.decode()
    preview = PolicyPreview.objects.get()
    assert response.redirect_chain[-1][0] == f"{reverse('dashboards:policy')}?preview={preview.pk}"
    from django.utils.html import escape

    assert escape(typed) in page
    assert 'value="No calls in T2 for November"' in page


def test_a_preview_that_never_finishes_says_so_after_the_timeout(client, supervisor, settings, time_machine):
    settings.POLICY_PREVIEW_TIMEOUT_SECONDS = 300
    time_machine.move_to(dt.datetime(2026, 11, 29, 10, tzinfo=SH), tick=False)
    client.force_login(supervisor)
    policy = Policy.objects.get(is_default=True)
    preview = policy_preview_request(policy=policy, data=_draft_without_calls(AS_OF), actor=supervisor, as_of=AS_OF)
    url = reverse("dashboards:policy-preview", args=[preview.pk])
    time_machine.move_to(dt.datetime(2026, 11, 29, 10, 4, tzinfo=SH), tick=False)
    assert 'hx-trigger="every 2s"' in client.get(url).content.decode()
    time_machine.move_to(dt.datetime(2026, 11, 29, 10, 6, tzinfo=SH), tick=False)
    client.force_login(supervisor)  # a new session: the idle timeout would end the first
    stalled = client.get(url).content.decode()
    assert "hx-trigger" not in stalled and "has not finished" in stalled
    page = client.get(f"{reverse('dashboards:policy')}?preview={preview.pk}").content.decode()
    assert "has not finished" in page


def test_a_failed_preview_says_why_in_the_language_of_the_supervisor_who_asked(monkeypatch, supervisor):
    StaffProfile.objects.filter(user=supervisor).update(language="zh-hans")
    policy = Policy.objects.get(is_default=True)
    preview = policy_preview_request(policy=policy, data=_draft_without_calls(AS_OF), actor=supervisor, as_of=AS_OF)

    def said_nothing(**kwargs):
        raise DomainError(_("Say what changed."), field="note")

    monkeypatch.setattr(policy_preview_module, "policy_preview", said_nothing)
    assert policy_preview_finish(preview_id=preview.pk)
    preview.refresh_from_db()
    assert preview.error == "请说明修改了什么。"
