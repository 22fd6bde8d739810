import pytest
from django.urls import reverse

from staff.models import StaffProfile

pytestmark = pytest.mark.django_db


def test_a_user_sees_the_portal_in_their_profile_language(client, agent):
    StaffProfile.objects.filter(user=agent).update(language="zh-hans")
    client.force_login(agent)
    body = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in body
    assert "案件" in body


def test_switching_language_is_remembered_on_the_profile(client, agent):
    client.force_login(agent)
    response = client.post(reverse("language-set"), {"language": "en", "next": reverse("cases:list")})
    assert response.status_code == 302 and response["Location"] == reverse("cases:list")
    assert StaffProfile.objects.get(user=agent).language == "en"
    assert '<html lang="en">' in client.get(reverse("home")).content.decode()


def test_language_switch_refuses_an_offsite_redirect(client):
    response = client.post(reverse("language-set"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_times_show_in_the_users_time_zone(client, agent, team):
    from django.utils import timezone

    from cases.services import case_note_add
    from tests.factories import CaseFactory

    case = CaseFactory(assigned_team=team)
    note = case_note_add(case=case, actor=agent, body="hello")
    StaffProfile.objects.filter(user=agent).update(timezone="America/New_York", language="en")
    client.force_login(agent)
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    local = timezone.localtime(note.created_at, timezone=__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert local.strftime("%Y-%m-%d %H:%M") in body


def test_after_a_refused_form_the_language_switch_returns_to_the_page_not_the_post_only_address(client, agent, team):
    from tests.factories import CaseFactory

    case = CaseFactory(assigned_team=team)
    client.force_login(agent)
    page_url = reverse("cases:detail", args=[case.pk])
    refused = client.post(reverse("cases:note-create", args=[case.pk]), {"body": " "},
                          HTTP_REFERER=f"http://testserver{page_url}")
    body = refused.content.decode()
    assert refused.status_code == 400
    assert f'name="next" type="hidden" value="{page_url}"' in body
    # app.js puts the page's address back in the address bar.
    assert f'data-page-url="{page_url}"' in body
    switched = client.post(reverse("language-set"), {"language": "zh-hans", "next": page_url})
    assert switched["Location"] == page_url and client.get(switched["Location"]).status_code == 200


def test_a_refused_form_without_a_same_site_referer_falls_back_to_the_overview(client, agent, team):
    from tests.factories import CaseFactory

    case = CaseFactory(assigned_team=team)
    client.force_login(agent)
    body = client.post(reverse("cases:note-create", args=[case.pk]), {"body": " "},
                       HTTP_REFERER="https://evil.example/cases/1/").content.decode()
    assert 'name="next" type="hidden" value="/"' in body
