import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django_htmx.middleware import HtmxDetails

from core.feedback import action_done


def _request(rf, **headers):
    request = rf.post("/cases/7/notes/", **headers)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request.htmx = HtmxDetails(request)
    return request


@pytest.mark.parametrize(("headers", "answer"), [
    ({}, ("Location", "/cases/7/")),
    ({"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/cases/7/?tab=x"}, ("HX-Refresh", "true")),
    ({"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/visits/board/"},
     ("HX-Redirect", "/cases/7/")),
])
def test_an_action_says_what_happened_on_the_page_shown_next(rf, headers, answer):
    request = _request(rf, **headers)
    response = action_done(request, "Note saved.", "cases:detail", case_id=7)
    header, value = answer
    assert response[header] == value
    assert [str(m) for m in get_messages(request)] == ["Note saved."]
