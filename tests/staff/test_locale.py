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
