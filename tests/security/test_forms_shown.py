"""No page shows a member of staff a form that would answer them 403: a form is there to be used."""

import re

import pytest
from django.urls import reverse

from tests.security.test_role_matrix import objects  # noqa: F401 - the same objects as the role matrix

pytestmark = pytest.mark.django_db

ROLES = ["agent", "field_agent", "supervisor", "manager", "compliance", "admin_user"]
PAGES = [
    lambda o: reverse("home"), lambda o: reverse("cases:queue"), lambda o: reverse("cases:list"),
    lambda o: reverse("cases:detail", args=[o["case"].pk]), lambda o: reverse("cases:referrals"),
    lambda o: reverse("complaints:list"), lambda o: reverse("visits:board"), lambda o: reverse("visits:day"),
    lambda o: reverse("visits:detail", args=[o["visit"].pk]), lambda o: reverse("repayment_plans:approvals"),
    lambda o: reverse("dashboards:home"), lambda o: reverse("dashboards:reassign"),
    lambda o: reverse("dashboards:teams"), lambda o: reverse("dashboards:reviews"),
    lambda o: reverse("dashboards:policy"),
]
FORM = re.compile(r'<form method="post"(?: action="([^"]*)")?')


@pytest.mark.parametrize("role", ROLES)
def test_every_form_a_page_shows_is_one_its_reader_may_use(role, request, client, objects):  # noqa: F811
    user = request.getfixturevalue(role)
    client.force_login(user)
    tried = set()
    for build in PAGES:
        url = build(objects)
        response = client.get(url)
        if response.status_code != 200:
            continue
        for action in FORM.findall(response.content.decode()):
            target = action or url
            if target in tried or target.startswith(("/accounts/", "/language/")):
                continue
            tried.add(target)
            assert client.post(target, {}).status_code != 403, (role, url, target)
            client.force_login(user)  # a refused form may have ended nothing, but keep the session certain
