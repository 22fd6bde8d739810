import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cases.models import Case
from demo.services import demo_seed

pytestmark = pytest.mark.django_db


def test_the_demo_us_cardholders_case_shows_the_validation_notice(client):
    demo_seed(cases=0)
    demo_seed(cases=0)
    case = Case.objects.get(account__account_number="4111000000000001")
    client.force_login(get_user_model().objects.get(username="agent"))
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="validation-notice"' in page and "Jane Doe" in page
    assert "18:00–20:30" in page
