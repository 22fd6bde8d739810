"""Every page a member of staff can reach, walked in Chinese with demo data: no English may show through.

The walk starts at the home page of each role and follows the links it finds, a few pages per kind
of address. On each page it reads the text a person sees (and the labels a screen reader speaks) and
flags runs of Latin letters that are not on a short allow-list of codes, currencies and names.
"""

import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from demo.services import demo_seed
from escalation.services import escalation_pass_run
from staff.models import StaffProfile

pytestmark = pytest.mark.django_db

# Codes, currencies and names that read the same in Chinese.
# Words in capitals (CNY, SMS, PDF, DPD) and codes with digits (T3.call, M7+) pass as codes.
ALLOWED = {
    "Excel",
    "East", "South",  # the demo teams' names: 华东一组 East-1
    "Asia", "Shanghai",  # time zones
    "Collections", "Portal",  # the product's name
    "agent", "agent2", "field", "supervisor", "manager", "compliance", "admin", "legal",  # demo logins
    "agency-agent", "agency-manager",  # the demo agency's logins
    "currency", "regions", "buckets",  # fields of the policy's rules, named in its help text
    "English",  # the language switch names each language in its own words
    "Jane", "Doe",  # the demo's cardholder in New York
    "New", "York",  # her region, among the cardholders' regions the agency form lists
}
SKIP = ("/admin/", "/api/", "/static/", "/accounts/logout", "/language/", "/healthz")
PER_KIND = 3  # pages per address shape: /cases/<n>/ is one kind


class _Text(HTMLParser):
    SILENT = {"script", "style", "template", "code", "pre", "textarea"}  # a textarea holds what was typed

    def __init__(self):
        super().__init__()
        self.chunks, self.links, self._silent = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SILENT:
            self._silent += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("aria-label", "title", "placeholder", "alt"):
            if attrs.get(name):
                self.chunks.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.chunks.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.SILENT:
            self._silent = max(0, self._silent - 1)

    def handle_data(self, data):
        if not self._silent:
            self.chunks.append(data)


def english_runs(text: str) -> list[str]:
    text = re.sub(r"\S*@\S*|\S*•\S*", " ", text)  # e-mail addresses and masked data
    text = re.sub(r"\w+_\w+", " ", text)  # field names in help texts: large_amount_threshold
    text = re.sub(r"\b[A-Z][A-Z0-9]*[\d.+_-][\w.+-]*", " ", text)  # codes: T3.call, M7+, DEMO-0001
    runs = []
    for match in re.finditer(r"[A-Za-z][A-Za-z'’.-]*(?:[ \t]+[A-Za-z][A-Za-z'’.-]*)*", text):
        words = [w.strip(".-'’") for w in match.group(0).split()]
        words = [w for w in words if len(w) > 1 and w not in ALLOWED and not re.fullmatch(r"[A-Z]+\d*\+?", w)]
        if words:
            runs.append(" ".join(words))
    return runs


def kind_of(path: str) -> str:
    return re.sub(r"\d+", "<n>", path)


def walk(client) -> dict[str, list[str]]:
    found, seen, kinds, queue = {}, set(), Counter(), ["/"]
    while queue:
        url = queue.pop(0)
        path = urlsplit(url).path
        if url in seen or path.startswith(SKIP) or "export=" in url or kinds[kind_of(path)] >= PER_KIND:
            continue
        seen.add(url)
        kinds[kind_of(path)] += 1
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        parser = _Text()
        parser.feed(response.content.decode())
        runs = english_runs(" ".join(parser.chunks))
        if runs:
            found[url] = sorted(set(runs))
        for href in parser.links:
            href = urldefrag(href)[0]
            if href.startswith("/") and not href.startswith("//"):
                queue.append(href)
    return found


@pytest.fixture
def demo_day(db):
    demo_seed(cases=60)
    escalation_pass_run(as_of=timezone.now())


@pytest.mark.parametrize("username", ["agent", "field", "supervisor", "manager", "compliance", "legal", "agency-agent",
                                      "agency-manager"])
def test_every_page_reads_in_chinese(client, demo_day, username):
    from tests.agencies.conftest import verified

    user = get_user_model().objects.get(username=username)
    StaffProfile.objects.filter(user=user).update(language="zh-hans")
    client.force_login(user)
    if username.startswith("agency-"):
        verified(client, user)  # an agency's staff work only with two factors
    found = walk(client)
    assert not found, "English on Chinese pages:\n" + "\n".join(f"{url}: {runs}" for url, runs in found.items())
