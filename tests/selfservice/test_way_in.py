"""Reaching the cardholder's own page: the link, the national id's last characters, the code, the session."""

import datetime as dt
import logging

import pytest
from django.test import Client
from django.utils import timezone

from selfservice import identity
from selfservice.links import link_create, link_resolve, link_revoke, token_hash
from selfservice.models import CardholderSession, SelfServiceLink
from tests.factories import AccountFactory, CaseFactory, CustomerFactory
from tests.selfservice.conftest import NATIONAL_ID, signed_in

pytestmark = pytest.mark.django_db


def test_a_link_carries_no_personal_data_and_only_its_hash_is_stored(cardholder):
    link, token = link_create(customer=cardholder)
    assert len(token) == 22 and link.token_hash == token_hash(token) and token not in link.token_hash
    for value in (cardholder.name, cardholder.phone, cardholder.national_id, cardholder.external_id):
        assert value not in token
    # Nothing of the cardholder's (not even the row's number) makes the token: a second link for the same
    # cardholder shares nothing with the first. (A one-digit id could turn up in 22 random characters.)
    _second, again = link_create(customer=cardholder)
    assert again != token and again[:8] != token[:8]
    assert link.expires_at - link.created_at == dt.timedelta(days=14)


def test_a_link_expires_after_14_days(cardholder):
    link, token = link_create(customer=cardholder)
    assert link_resolve(token=token) == link
    assert link_resolve(token=token, at=link.created_at + dt.timedelta(days=14, seconds=1)) is None


def test_a_revoked_link_opens_nothing_and_ends_its_sessions(client, link_token, sms):
    link, token = link_token
    signed_in(client, token, sms)
    assert client.get("/my/").status_code == 200
    link_revoke(link=link, reason="number recycled")
    assert link_resolve(token=token) is None
    assert client.get("/my/").url == "/my/signed-out/"
    assert Client().get(f"/my/{token}/").url == "/my/link/"


def test_the_right_answers_open_the_page_and_the_code_goes_to_the_cardholders_own_mobile(client, link_token, sms,
                                                                                        case):
    link, token = link_token
    response = signed_in(client, token, sms)
    assert response.url == "/my/"
    assert [message["to"] for message in sms.sent] == ["13800138000"]
    page = client.get("/my/")
    assert page.status_code == 200 and "Card ending" in page.content.decode()
    cookie = page.wsgi_request.COOKIES[identity.COOKIE_NAME]
    assert client.cookies[identity.COOKIE_NAME]["path"] == "/my/"
    assert CardholderSession.objects.get().key_hash != cookie
    assert SelfServiceLink.objects.get().first_opened_at is not None


def test_a_wrong_character_of_the_id_is_refused_beside_the_field_and_sends_no_code(client, link_token, sms):
    _link, token = link_token
    client.get(f"/my/{token}/")
    response = client.post("/my/verify/", {"last_four": "1234"})
    assert response.status_code == 400 and "does not match" in response.content.decode()
    assert 'value="1234"' in response.content.decode()
    assert sms.sent == []


def test_a_wrong_code_is_refused_and_five_tries_use_the_code_up(client, link_token, sms):
    _link, token = link_token
    client.get(f"/my/{token}/")
    client.post("/my/verify/", {"last_four": "123X"})
    right = sms.last_code()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(identity.CODE_TRIES):
        assert client.post("/my/verify/code/", {"code": wrong}).status_code == 400
    response = client.post("/my/verify/code/", {"code": right})
    assert response.status_code == 400 and not CardholderSession.objects.exists()


def test_five_wrong_answers_lock_the_link_for_30_minutes(client, link_token, sms):
    link, token = link_token
    client.get(f"/my/{token}/")
    for _ in range(identity.LOCK_AFTER):
        client.post("/my/verify/", {"last_four": "9999"})
    link.refresh_from_db()
    assert link.locked_until and link.locked_until > timezone.now() + dt.timedelta(minutes=29)
    response = client.post("/my/verify/", {"last_four": "123X"})
    assert "locked" in response.content.decode() and sms.sent == []


def test_one_address_guessing_many_links_is_refused(sms):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(identity.IP_FAILURES_PER_HOUR):
        client.get("/my/not-a-real-token-aaaaaaaa/")
    customer = CustomerFactory(national_id=NATIONAL_ID, phone="13900139000", language="en")
    _link, token = link_create(customer=customer)
    client.get(f"/my/{token}/")
    response = client.post("/my/verify/", {"last_four": "123X"})
    assert "from this network" in response.content.decode() and sms.sent == []


def test_wrong_answers_for_one_number_across_links_are_capped_per_day(cardholder, sms):
    for attempt in range(identity.NUMBER_FAILURES_PER_DAY):
        link, _token = link_create(customer=cardholder)
        with pytest.raises(identity.DomainError):
            identity.identity_check(link=link, last_four="0000", ip_address=f"198.51.100.{attempt}")
    link, _token = link_create(customer=cardholder)
    with pytest.raises(identity.Refused, match="today"):
        identity.identity_check(link=link, last_four="123X", ip_address="192.0.2.1")


def test_codes_sent_are_capped_per_link_and_per_number(cardholder, sms):
    link, _token = link_create(customer=cardholder)
    for _ in range(identity.CODES_PER_LINK_PER_DAY):
        identity.code_send(link=link, ip_address=None)
    with pytest.raises(identity.Refused):
        identity.code_send(link=link, ip_address=None)
    for _ in range(identity.CODES_PER_NUMBER_PER_DAY - identity.CODES_PER_LINK_PER_DAY):
        identity.code_send(link=link_create(customer=cardholder)[0], ip_address=None)
    with pytest.raises(identity.Refused):
        identity.code_send(link=link_create(customer=cardholder)[0], ip_address=None)


def test_a_code_expires_after_10_minutes(cardholder, sms):
    link, _token = link_create(customer=cardholder)
    sent = identity.code_send(link=link, ip_address=None)
    with pytest.raises(identity.DomainError, match="expired"):
        identity.code_verify(link=link, code=sms.last_code(), ip_address=None,
                             at=sent.created_at + dt.timedelta(minutes=10, seconds=1))


def test_a_session_ends_after_15_idle_minutes(cardholder):
    link, _token = link_create(customer=cardholder)
    _session, key = identity.session_start(link=link, ip_address=None)
    assert identity.session_resume(key=key, at=timezone.now() + dt.timedelta(minutes=14)) is not None
    assert identity.session_resume(key=key, at=timezone.now() + dt.timedelta(minutes=30)) is None


def test_a_staff_session_is_refused_on_the_cardholders_page(client, agent, link_token):
    _link, token = link_token
    client.force_login(agent)
    assert client.get(f"/my/{token}/").status_code == 403
    refused = client.get("/my/")
    assert refused.status_code == 403 and "95555" in refused.content.decode()


def test_a_cardholder_session_is_refused_on_the_staff_portal(client, link_token, sms, agent):
    _link, token = link_token
    signed_in(client, token, sms)
    client.cookies[identity.COOKIE_NAME]["path"] = "/"
    assert client.get("/cases/").status_code == 403


def test_one_cardholder_never_sees_anothers_case(client, link_token, sms, case):
    other = CaseFactory(account=AccountFactory(customer=CustomerFactory()), stage=case.stage)
    _link, token = link_token
    signed_in(client, token, sms)
    assert client.get(f"/my/case/{case.pk}/").status_code == 200
    for path in (f"/my/case/{other.pk}/", f"/my/case/{other.pk}/promise/", f"/my/case/{other.pk}/dispute/"):
        assert client.get(path).status_code == 404
    assert other.account.customer.name not in client.get("/my/").content.decode()


def test_no_token_or_personal_data_in_the_logs(client, link_token, sms, case, caplog):
    _link, token = link_token
    with caplog.at_level(logging.DEBUG):
        signed_in(client, token, sms)
        client.get("/my/")
        Client().get("/my/not-a-real-token-aaaaaaaa/")
        client.post("/my/verify/", {"last_four": "0000"})
    logged = caplog.text + " ".join(str(getattr(record, "__dict__", "")) for record in caplog.records)
    for secret in (token, "not-a-real-token", NATIONAL_ID, "13800138000", sms.last_code()):
        assert secret not in logged


@pytest.mark.parametrize("path,data", [("/my/verify/", {"last_four": "123X"}), ("/my/verify/code/", {"code": "1"}),
                                       ("/my/language/", {"language": "en"}), ("/my/sign-out/", {})])
def test_the_way_in_refuses_a_form_without_its_csrf_token(link_token, path, data):
    client = Client(enforce_csrf_checks=True)
    client.get(f"/my/{link_token[1]}/")
    assert client.post(path, data).status_code == 403


def test_the_page_has_its_own_strict_headers(client, link_token):
    response = client.get("/my/link/")
    assert "script-src" not in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store" and response["Referrer-Policy"] == "same-origin"


def test_the_language_switch_stays_on_the_cardholders_page(client):
    assert client.post("/my/language/", {"language": "en", "next": "/my/link/"}).url == "/my/link/"
    assert client.post("/my/language/", {"language": "en", "next": "https://evil.example/"}).url == "/my/"
    assert client.post("/my/language/", {"language": "en", "next": "/cases/"}).url == "/my/"
    assert client.cookies["cp_my_language"].value == "en"
    page = client.get("/my/link/")
    assert page.content.decode().count('lang="en"') >= 1
    client.post("/my/language/", {"language": "zh-hans", "next": "/my/link/"})
    assert "此链接已失效" in client.get("/my/link/").content.decode()


def test_staff_revoke_a_cardholders_links_from_the_case_page(client, link_token, sms, case, agent):
    link, token = link_token
    cardholder = Client()
    signed_in(cardholder, token, sms)
    client.force_login(agent)
    assert "1 link in force" in client.get(f"/cases/{case.pk}/").content.decode()
    response = client.post(f"/self-service/cases/{case.pk}/revoke/", {"reason": "phone lost"})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_reason == "phone lost"
    assert cardholder.get("/my/").url == "/my/signed-out/"


def test_a_new_code_is_typed_into_the_code_page_not_the_resend_address(client, link_token, sms):
    """Found walking the page: after "Send me a new code" the form posted back to the resend address, so
    typing the new code sent yet another and never signed in; the language switch there answered 405."""
    _link, token = link_token
    client.get(f"/my/{token}/")
    client.post("/my/verify/", {"last_four": "123x"})
    response = client.post("/my/verify/code/again/")
    assert response.status_code == 302 and response.url == "/my/verify/code/?resent=1"
    page = client.get(response.url).content.decode()
    assert "We have sent you a new code." in page and 'action="/my/verify/code/"' in page
    sent = len(sms.sent)
    assert client.post("/my/verify/code/", {"code": sms.last_code()}).url == "/my/"
    assert len(sms.sent) == sent


def test_asking_for_a_code_past_the_cap_says_so_instead_of_failing(client, link_token, sms):
    """Found walking the page: the refusal was added to an unbound form, which has no cleaned_data (500)."""
    _link, token = link_token
    client.get(f"/my/{token}/")
    client.post("/my/verify/", {"last_four": "123x"})
    for _ in range(identity.CODES_PER_LINK_PER_DAY - 1):
        assert client.post("/my/verify/code/again/").status_code == 302
    response = client.post("/my/verify/code/again/")
    assert response.status_code == 429 and "as many codes as we can today" in response.content.decode()


def test_before_signing_in_the_errors_are_in_the_cardholders_language_not_the_browsers(db, sms):
    """A Chinese-speaking cardholder on a phone set to English: the page is in Chinese, and so is the error
    beside the field (it was in English while the page around it was in Chinese)."""
    customer = CustomerFactory(national_id=NATIONAL_ID, phone="13800138001", language="zh-hans")
    CaseFactory(account=AccountFactory(customer=customer))
    _link, token = link_create(customer=customer)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.get(f"/my/{token}/")
    page = client.post("/my/verify/", {"last_four": "1234"}).content.decode()
    assert "与我们的记录不符" in page and "does not match" not in page
    client.post("/my/verify/", {"last_four": NATIONAL_ID[-4:]})
    page = client.post("/my/verify/code/", {"code": "000000"}).content.decode()
    assert "验证码不正确" in page and "That code is not right" not in page
