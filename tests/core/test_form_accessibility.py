"""Every error and help text a field points at with aria-describedby exists on the page under that id."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.escalation.conftest import default_policy  # noqa: F401
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.described_by = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if attrs.get("aria-describedby"):
            self.described_by.extend(attrs["aria-describedby"].split())


def dangling_references(page: str) -> list[str]:
    parser = _Ids()
    parser.feed(page)
    assert parser.described_by, "the page has no aria-describedby at all"
    return [ref for ref in parser.described_by if ref not in parser.ids]


def test_the_case_pages_refused_forms_point_at_their_errors(client, agent, team):
    case = CaseFactory(assigned_team=team)
    client.force_login(agent)
    for name, data in [("cases:note-create", {"body": " "}), ("cases:hold-create", {"kind": "", "reason": ""}),
                       ("repayment_plans:promise-create", {"amount": "-1", "due_date": "", "channel": ""}),
                       ("complaints:create", {"kind": "complaint"}), ("cases:referral-create", {"reason": ""})]:
        response = client.post(reverse(name, args=[case.pk]), data)
        page = response.content.decode()
        assert response.status_code == 400 and 'aria-invalid="true"' in page, name
        assert dangling_references(page) == [], name


def test_management_forms_point_at_their_errors_and_help(client, supervisor):
    client.force_login(supervisor)
    reassign = client.post(reverse("dashboards:reassign"), {"reason": ""}).content.decode()
    assert dangling_references(reassign) == []
    policy = client.get(reverse("dashboards:policy")).content.decode()
    assert dangling_references(policy) == []


def test_the_password_form_points_at_its_help_and_errors(client, agent):
    client.force_login(agent)
    page = client.post(reverse("password_change"), {"old_password": "wrong", "new_password1": "a",
                                                    "new_password2": "b"}).content.decode()
    assert dangling_references(page) == []
