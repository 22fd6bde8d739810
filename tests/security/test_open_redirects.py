"""Finding: a `next` address was followed unchecked (complaint resolution). Every view that reads a `next`
gets an off-site one and must stay on the portal, while still following a local one."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from complaints.services import complaint_open
from tests.factories import CaseFactory
from tests.staff.test_two_factor import current_code

pytestmark = pytest.mark.django_db

OFF_SITE = ["https://evil.example/", "//evil.example/", "/\\evil.example", "https:evil.example", "javascript:alert(1)"]
PASSWORD = "correct-horse-battery"


def assert_stays_on_site(response):
    assert response.status_code == 302
    location = response["Location"]
    assert "evil.example" not in location and not location.startswith("javascript:")
    assert location.startswith("/") and not location.startswith("//")


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_does_not_follow_an_off_site_next(client, agent, target):
    response = client.post(reverse("login"), {"username": "agent", "password": PASSWORD, "next": target})
    assert_stays_on_site(response)


def test_sign_in_follows_a_local_next(client, agent):
    response = client.post(reverse("login"), {"username": "agent", "password": PASSWORD, "next": "/cases/"})
    assert response["Location"] == "/cases/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_out_does_not_follow_an_off_site_next(client, agent, target):
    client.force_login(agent)
    assert_stays_on_site(client.post(reverse("logout"), {"next": target}))


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_does_not_follow_an_off_site_next(client, agent, target):
    client.force_login(agent)
    assert_stays_on_site(client.post(reverse("language-set"), {"language": "en", "next": target}))


def test_the_language_switch_follows_a_local_next(client, agent):
    client.force_login(agent)
    response = client.post(reverse("language-set"), {"language": "en", "next": "/cases/?page=2"})
    assert response["Location"] == "/cases/?page=2"


def enrolled_session(client, supervisor):
    """A supervisor with a confirmed authenticator, signed in again on a new session, before the code."""
    client.post(reverse("login"), {"username": "supervisor", "password": PASSWORD})
    client.get(reverse("two-factor-setup"))
    device = TOTPDevice.objects.get(user=supervisor)
    client.post(reverse("two-factor-setup"), {"code": current_code(device)})
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "supervisor", "password": PASSWORD})
    return device


@pytest.mark.parametrize("target", OFF_SITE)
def test_two_factor_does_not_follow_an_off_site_next(client, supervisor, target, time_machine):
    import datetime as dt
    time_machine.move_to(dt.datetime(2026, 5, 4, 1, 0, tzinfo=dt.UTC), tick=False)
    device = enrolled_session(client, supervisor)
    time_machine.shift(dt.timedelta(seconds=31))  # a fresh code, past the one used to enrol

    response = client.post(f"{reverse('two-factor-verify')}?next={target}",
                           {"code": current_code(device), "next": target})

    assert_stays_on_site(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_two_factor_without_a_device_does_not_follow_an_off_site_next(client, agent, target):
    client.force_login(agent)
    assert_stays_on_site(client.get(reverse("two-factor-verify"), {"next": target}))


@pytest.fixture
def complaint(team, agent):
    case = CaseFactory(assigned_team=team)
    return complaint_open(case=case, actor=agent, kind="complaint", channel="phone", category="conduct",
                          description="Collector raised his voice")


@pytest.mark.parametrize("target", OFF_SITE)
def test_complaint_resolution_does_not_follow_an_off_site_next(client, supervisor, complaint, target):
    client.force_login(supervisor)
    response = client.post(reverse("complaints:resolve", args=[complaint.pk]),
                           {"resolution": "Apologised; collector retrained", "next": target})
    assert_stays_on_site(response)
    assert response["Location"] == reverse("complaints:list")


def test_complaint_resolution_follows_a_local_next(client, supervisor, complaint):
    client.force_login(supervisor)
    back = reverse("cases:detail", args=[complaint.case_id])
    response = client.post(reverse("complaints:resolve", args=[complaint.pk]),
                           {"resolution": "Apologised; collector retrained", "next": back})
    assert response["Location"] == back


# Views that read `next` as a word, never as an address to go to.
NEXT_AS_A_FLAG = {
    "repayment_plans/views.py": 'the fixed word "approvals"',
    "repayment_plans/write_off_views.py": 'the fixed word "approvals"',
    "contacts/views.py": '"Save and next": opens the next case of the queue',
}


def test_every_view_that_follows_next_goes_through_the_safe_helper():
    """A new view that follows `next` must go through core.redirects.safe_next_url (and get a test above)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    readers = sorted(str(path.relative_to(root)) for path in root.glob("*/*.py")
                     if not str(path).startswith(str(root / ".venv"))
                     and re.search(r"""(POST|GET)(\.get\(|\[)["']next["']""", path.read_text()))
    assert {"complaints/views.py", "staff/two_factor.py", "staff/views.py"} <= set(readers)
    unchecked = [name for name in readers
                 if name not in NEXT_AS_A_FLAG and "safe_next_url" not in (root / name).read_text()]
    assert unchecked == []
