"""Assertions for what a successful action answers (core.feedback.action_done)."""

from django.urls import reverse


def htmx_from(url: str) -> dict:
    """The headers htmx sends for a form on the page at `url`."""
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": f"http://testserver{url}"}


def case_page_after(client, response, case) -> str:
    """The case page as the browser shows it after an htmx action on it: reloaded in place, with the message."""
    assert response.status_code == 200 and response.headers.get("HX-Refresh") == "true", response.headers
    return client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def messages_of(page: str) -> str:
    """The text of the page's message list, or an empty string when there is none."""
    start = page.find('id="messages"')
    return page[start:page.find("</ul>", start)] if start != -1 else ""
