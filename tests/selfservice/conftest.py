import re

import pytest

from selfservice import identity
from selfservice.links import link_create
from tests.factories import AccountFactory, CaseFactory, CustomerFactory

NATIONAL_ID = "31010419800101123X"


class Outbox:
    def __init__(self):
        self.sent = []

    def send(self, *, to, body, reference):
        self.sent.append({"to": to, "body": body, "reference": reference})
        return reference

    def last_code(self) -> str:
        return re.search(r"\d{6}", self.sent[-1]["body"]).group(0)


@pytest.fixture
def sms(monkeypatch):
    outbox = Outbox()
    monkeypatch.setattr(identity, "sms_backend", lambda: outbox)
    return outbox


@pytest.fixture
def cardholder(db):
    return CustomerFactory(national_id=NATIONAL_ID, phone="13800138000", language="en", name="Wang Fang")


@pytest.fixture
def case(cardholder, agent, team):
    from cases.lifecycle import Stage
    return CaseFactory(account=AccountFactory(customer=cardholder), stage=Stage.CONTACT, assigned_team=team,
                       assigned_agent=agent)


@pytest.fixture
def link_token(cardholder):
    return link_create(customer=cardholder, channel="sms")


def signed_in(client, token, sms, last_four="123x"):
    """The way in, as a cardholder walks it: the link, the ID's last four, the code."""
    client.get(f"/my/{token}/")
    client.post("/my/verify/", {"last_four": last_four})
    return client.post("/my/verify/code/", {"code": sms.last_code()})
