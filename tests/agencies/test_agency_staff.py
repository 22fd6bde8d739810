"""What an agency's staff see: only the cases placed with their agency, with the least personal data,
and only with two factors."""

from django.urls import reverse

from agencies.services import placements_create
from audit.models import AuditRecord
from cases.services import case_note_add
from tests.agencies.conftest import verified
from tests.factories import CaseFactory


def test_agency_staff_must_set_up_two_factor_before_anything(client, agency_agent):
    client.force_login(agency_agent)
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and response.url == reverse("two-factor-setup")


def test_an_agency_agent_sees_only_cases_placed_with_their_agency(client, agency, other_agency, agency_agent,
                                                                   case, team, supervisor):
    other = CaseFactory(assigned_team=team, stage="contact")
    elsewhere = CaseFactory(assigned_team=team, stage="contact")
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor)
    placements_create(case_ids=[elsewhere.pk], agency=other_agency, actor=supervisor)
    client = verified(client, agency_agent)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("cases:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("cases:detail", args=[elsewhere.pk])).status_code == 404
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    assert client.get(f"/api/v1/cases/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/cases/{elsewhere.pk}/").status_code == 404


def test_a_case_back_from_the_agency_is_no_longer_theirs(client, agency, agency_agent, case, supervisor):
    from agencies.services import placements_end

    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor)
    placements_end(case_ids=[case.pk], cause="manual", reason="Back in-house", actor=supervisor)
    client = verified(client, agency_agent)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404


def test_agency_staff_see_masked_data_no_notes_and_may_reveal_only_the_phone(client, agency, agency_agent, case,
                                                                             supervisor):
    customer = case.account.customer
    placements_create(case_ids=[case.pk], agency=agency, actor=supervisor)
    case_note_add(case=case, actor=supervisor, body="Internal: cardholder's brother works at the bank")
    client = verified(client, agency_agent)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert customer.name in page and customer.national_id not in page and customer.phone not in page
    assert "brother works at the bank" not in page
    # Nor the bank's own plan for the case (tier, strategy, the in-house team's pool): the agency works it.
    assert 'id="h-plan"' not in page and 'id="plan-agent"' not in page
    assert page.count('name="field"') == 1  # one reveal form: the phone
    refused = client.post(reverse("cases:reveal", args=[case.pk]), {"field": "national_id", "reason": "to verify"})
    assert customer.national_id not in refused.content.decode()
    shown = client.post(reverse("cases:reveal", args=[case.pk]), {"field": "phone", "reason": "to call them"})
    assert customer.phone in shown.content.decode()
    assert AuditRecord.objects.filter(action="personal_data.reveal", actor=agency_agent).count() == 1


def test_in_house_staff_still_see_notes_and_reveal_everything(client, agency, case, supervisor):
    case_note_add(case=case, actor=supervisor, body="Internal remark")
    client.force_login(supervisor)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Internal remark" in page and page.count('name="field"') >= 3


def test_a_supervisor_places_from_the_case_page_and_ends_it_with_a_reason(client, agency, case, supervisor):
    client.force_login(supervisor)
    response = client.post(reverse("agencies:case-place", args=[case.pk]), {"agency": agency.pk, "days": "60"})
    assert response.status_code == 302 and case.placements.get().until
    refused = client.post(reverse("agencies:case-end", args=[case.pk]), {"reason": ""})
    assert refused.status_code == 400 and case.placements.get().is_open
    client.post(reverse("agencies:case-end", args=[case.pk]), {"reason": "Cardholder asked"})
    assert not case.placements.get().is_open


def test_bulk_placement_shows_the_count_and_refuses_a_stale_one(client, agency, team, supervisor):
    cases = [CaseFactory(assigned_team=team, stage="contact") for _ in range(2)]
    client.force_login(supervisor)
    page = client.get(reverse("agencies:bulk-place"))
    assert page.status_code == 200 and page.context["count"] == 2
    stale = client.post(reverse("agencies:bulk-place"), {"agency": agency.pk, "count": "1"})
    assert stale.status_code == 400 and not agency.placements.exists()
    client.post(reverse("agencies:bulk-place"), {"agency": agency.pk, "count": "2"})
    assert agency.placements.count() == len(cases)


def test_csv_placement_is_all_or_nothing(client, agency, team, supervisor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = CaseFactory(assigned_team=team, stage="contact")
    client.force_login(supervisor)
    bad = SimpleUploadedFile("a.csv", f"account_number\n{case.account.account_number}\n999\n".encode())
    response = client.post(reverse("agencies:csv-place"), {"csv-agency": agency.pk, "file": bad})
    assert response.status_code == 400 and "999" in response.content.decode() and not agency.placements.exists()
    good = SimpleUploadedFile("a.csv", f"{case.account.account_number}\n".encode())
    done = client.post(reverse("agencies:csv-place"), {"csv-agency": agency.pk, "file": good}, follow=True)
    assert agency.placements.count() == 1
    assert f"1 case placed with {agency.name}." in done.content.decode()  # one case, not "1 cases"


def test_placing_by_hand_outside_the_agencys_regions_is_allowed_and_said(client, agency, team, supervisor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    near = CaseFactory(assigned_team=team, stage="contact", account__customer__region="上海")
    far = CaseFactory(assigned_team=team, stage="contact", account__customer__region="北京")
    client.force_login(supervisor)
    numbers = f"{near.account.account_number}\n{far.account.account_number}\n".encode()
    done = client.post(reverse("agencies:csv-place"), {"csv-agency": agency.pk,
                                                      "file": SimpleUploadedFile("a.csv", numbers)}, follow=True)
    page = done.content.decode()
    assert agency.placements.count() == 2  # placed all the same: a supervisor may mean it
    assert f"1 of them is outside the regions {agency.name} serves (上海)." in page


def test_managers_maintain_agencies_in_the_portal(client, manager, agent):
    client.force_login(agent)
    assert client.get(reverse("agencies:new")).status_code == 403
    client.force_login(manager)
    response = client.post(reverse("agencies:new"), {"name": "New Agency", "licence": "GZ-1", "capacity": "10",
                                                     "placement_days": "90", "commission_percent": "11",
                                                     "regions": "广州, 深圳", "rate_M5": "14"})
    assert response.status_code == 302
    from staff.models import Agency

    agency = Agency.objects.get(name="New Agency")
    assert agency.regions == ["广州", "深圳"] and agency.commission_by_bucket == {"M5": "14"}
    refused = client.post(reverse("agencies:status", args=[agency.pk]), {"status": "suspended", "reason": ""})
    assert refused.status_code == 400
    assert client.get(reverse("agencies:detail", args=[agency.pk])).status_code == 200


def test_the_agency_form_names_the_cardholders_regions_and_warns_of_one_nobody_lives_in(client, manager, team):
    CaseFactory(assigned_team=team, account__customer__region="上海市")
    client.force_login(manager)
    form = client.get(reverse("agencies:new")).content.decode()
    assert "for example: 上海市" in form
    fields = {"name": "East Agency", "licence": "SH-9", "capacity": "10", "placement_days": "90",
              "commission_percent": "11"}
    response = client.post(reverse("agencies:new"), {**fields, "regions": "上海, 上海市"}, follow=True)
    page = response.content.decode()
    assert "Agency added to the whitelist." in page and "No cardholder lives in 上海 yet" in page
    response = client.post(reverse("agencies:new"), {**fields, "name": "Other", "licence": "SH-10",
                                                     "regions": "上海市"}, follow=True)
    assert "No cardholder lives in" not in response.content.decode()


def test_an_agency_manager_sees_only_their_own_agency(client, agency, other_agency, agency_manager):
    client = verified(client, agency_manager)
    assert client.get(reverse("agencies:detail", args=[agency.pk])).status_code == 200
    assert client.get(reverse("agencies:detail", args=[other_agency.pk])).status_code == 404


def test_an_agency_agent_does_not_see_the_agencys_page(client, agency, agency_agent):
    client = verified(client, agency_agent)
    assert client.get(reverse("agencies:list")).status_code == 403
    assert client.get(reverse("agencies:detail", args=[agency.pk])).status_code == 404
