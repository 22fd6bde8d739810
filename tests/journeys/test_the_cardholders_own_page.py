"""The cardholder on their own phone, in their own language: the link in our SMS, the ID's last four and
the code, their case and why we will contact them next, and then a promise, a dispute, an opt-out or a
plan chosen from the offers, that the case, the complaints register, the next escalation pass and the staff
case page all see; and the supervisor's self-service funnel counting each step."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest

from cases.lifecycle import HoldKind, Stage
from cases.models import CaseHold
from complaints.models import Complaint
from contacts.delivery import contact_deliver, contacts_due_for_delivery
from contacts.models import Channel, ContactStatus, ScheduledContact
from dashboards.models import SelfServiceCount
from escalation.services import escalation_pass_run
from repayment_plans.models import ApprovalKind, PlanStatus, Promise, PromiseChannel, RepaymentPlan
from tests.escalation.helpers import offer, offers_publish, settlement
from tests.factories import AccountFactory, CaseFactory, CustomerFactory
from tests.journeys.day import LANGUAGES, PHONE, WORKDAY, sign_in, speak, task_on_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WORDS = {"en": {"late": "days late", "thanks": "Thank you", "call": "We will call you on",
               "held": "Dispute open", "dispute": "Dispute", "funnel": "Self-service funnel",
               "looking": "We are looking into your dispute of",
               "agreed": "Your plan is agreed", "active": "Active", "pre_approved": "Offer pre-approved by a manager"},
         "zh-hans": {"late": "逾期", "thanks": "谢谢", "call": "给您打电话", "held": "争议处理中", "dispute": "争议",
                     "looking": "我们正在处理您于", "funnel": "自助服务漏斗", "agreed": "您的还款计划已生效",
                     "active": "执行中",
                     "pre_approved": "经理预先批准的方案"}}
DESKTOP = {"width": 1280, "height": 900}
# The funnel's rows, in order: links sent, opened, verified, promises made, plans chosen, disputes raised, and the
# payments that followed.
FUNNEL_ROWS = 7


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def outbox(settings, tmp_path, live_server):
    settings.SELF_SERVICE_LINKS, settings.SELF_SERVICE_BASE_URL = True, live_server.url
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "sms.jsonl"
    return tmp_path / "sms.jsonl"


def last_sms(outbox) -> dict:
    return json.loads(outbox.read_text(encoding="utf-8").strip().splitlines()[-1])


def a_cardholder_texted(language: str, outbox, team, agent, dpd: int = 20):
    """A cardholder `dpd` days late whose case the morning pass planned, and the reminder SMS sent to them."""
    customer = CustomerFactory(name="Zhou Min" if language == "en" else "周敏", national_id="11010519820315441X",
                               phone="13600136000", language=language)
    case = CaseFactory(account=AccountFactory(customer=customer), stage=Stage.CONTACT, assigned_team=team,
                       assigned_agent=agent, overdue_since=WORKDAY.date() - dt.timedelta(days=dpd),
                       principal_overdue=Decimal("8000.00"))
    escalation_pass_run(as_of=WORKDAY)
    sms = ScheduledContact.objects.create(case=case, channel=Channel.SMS, due_at=WORKDAY, idempotency_key="j-sms",
                                          rule="t1_sms")
    assert contact_deliver(contact_id=sms.pk, at=WORKDAY) == ContactStatus.SENT
    link = re.search(r"https?://[!-~]+?/my/[A-Za-z0-9_-]+/", last_sms(outbox)["body"]).group(0)
    return case, link


def verified(page, link: str, outbox, shots, name: str) -> None:
    page.goto(link)
    page.locator("input[name=last_four]").fill("441x")
    page.screenshot(path=str(shots / f"{name}-1-identity.png"), full_page=True)
    page.locator("main form button[type=submit]").first.click()
    page.locator("input[name=code]").wait_for()
    code = re.search(r"\d{6}", last_sms(outbox)["body"]).group(0)
    page.locator("input[name=code]").fill(code)
    page.screenshot(path=str(shots / f"{name}-2-code.png"), full_page=True)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/my/")


@pytest.mark.parametrize("language", LANGUAGES)
def test_from_the_sms_link_the_cardholder_sees_why_and_promises(phone, outbox, team, agent, time_machine, shots,
                                                                language):
    time_machine.move_to(WORKDAY, tick=True)
    case, link = a_cardholder_texted(language, outbox, team, agent)
    verified(phone, link, outbox, shots, f"my-promise-{language}")
    assert phone.locator("html").get_attribute("lang") == language
    home = phone.locator("main").inner_text()
    assert "¥8,000.00" in home
    assert WORDS[language]["late"] in home and WORDS[language]["call"] in home
    phone.screenshot(path=str(shots / f"my-promise-{language}-3-home.png"), full_page=True)
    phone.locator(f"a[href='/my/case/{case.pk}/']").click()
    phone.locator(f"a[href='/my/case/{case.pk}/promise/']").click()
    phone.locator("input[name=amount]").fill("2000.00")
    phone.locator("input[name=due_date]").fill((WORKDAY.date() + dt.timedelta(days=7)).isoformat())
    phone.screenshot(path=str(shots / f"my-promise-{language}-4-promise.png"), full_page=True)
    phone.locator("main form button[type=submit]").click()
    phone.get_by_text(WORDS[language]["thanks"]).first.wait_for()
    promise = Promise.objects.get(case=case)
    assert promise.channel == PromiseChannel.ONLINE and promise.amount == Decimal("2000.00")
    assert not ScheduledContact.objects.filter(case=case, channel=Channel.CALL, status=ContactStatus.SCHEDULED).exists()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def funnel_counted(previous: dt.datetime | None = None) -> None:
    """The self-service totals counted again on the worker, as the schedule does every 15 minutes."""
    def counted():
        refreshed = SelfServiceCount.objects.filter(pk=1).values_list("refreshed_at", flat=True).first()
        return refreshed is not None and (previous is None or refreshed > previous)

    task_on_worker("dashboards.refresh_self_service_totals", until=counted)


def funnel_counts(page) -> list[int]:
    """The funnel table's counts, top to bottom (the same in both languages)."""
    cells = page.locator("#table-self_service_funnel tbody tr td:nth-child(2)")
    assert cells.count() == FUNNEL_ROWS
    return [int(text) for text in cells.all_inner_texts()]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_dispute_from_the_phone_holds_the_case_and_enters_the_register(browser, live_server, phone, outbox, team,
                                                                         agent, supervisor, worker, time_machine,
                                                                         shots, tmp_path, language):
    time_machine.move_to(WORKDAY, tick=True)
    speak(language, supervisor)
    case, link = a_cardholder_texted(language, outbox, team, agent)
    # The supervisor's funnel, before the cardholder opens the link: one link sent, nothing more.
    funnel_counted()
    desk = browser.new_context(viewport=DESKTOP, locale="en-US").new_page()
    sign_in(desk, live_server.url, "supervisor")
    desk.goto(f"{live_server.url}/dashboards/selfservice/")
    desk.get_by_role("heading", name=WORDS[language]["funnel"]).wait_for()
    assert funnel_counts(desk) == [1, 0, 0, 0, 0, 0, 0]
    desk.screenshot(path=str(shots / f"funnel-{language}-1-sent.png"), full_page=True)

    verified(phone, link, outbox, shots, f"my-dispute-{language}")
    phone.goto(phone.url.replace("/my/", f"/my/case/{case.pk}/dispute/"))
    phone.locator("input[name=kind][value=dispute]").check()
    phone.locator("select[name=category]").select_option("amount")
    phone.locator("textarea[name=description]").fill("I paid 8,000 on 1 March; the receipt is attached.")
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.4\n%receipt\n%%EOF\n")
    phone.locator("input[name=files]").set_input_files(str(receipt))
    phone.screenshot(path=str(shots / f"my-dispute-{language}-3-form.png"), full_page=True)
    phone.locator("main form button[type=submit]").click()
    phone.get_by_text(WORDS[language]["thanks"]).first.wait_for()
    phone.screenshot(path=str(shots / f"my-dispute-{language}-4-done.png"), full_page=True)
    complaint = Complaint.objects.get(case=case)
    assert complaint.kind == "dispute" and complaint.channel == "online"
    assert CaseHold.objects.filter(case=case, kind=HoldKind.DISPUTE, released_at__isnull=True).exists()
    # Back on their case, the cardholder reads that the bank is looking into it, and by when they will hear.
    phone.goto(phone.url.split("/my/")[0] + f"/my/case/{case.pk}/")
    assert WORDS[language]["looking"] in phone.locator("main").inner_text()
    phone.screenshot(path=str(shots / f"my-dispute-{language}-5-case.png"), full_page=True)

    # Staff see the hold on the case page and the dispute in the register.
    desk.goto(f"{live_server.url}/cases/{case.pk}/")
    assert WORDS[language]["held"] in desk.locator("#holds-panel").inner_text()
    desk.screenshot(path=str(shots / f"funnel-{language}-2-case-held.png"), full_page=True)
    desk.goto(f"{live_server.url}/complaints/")
    row = desk.locator(f"#complaint-{complaint.pk}")
    assert f"#{case.pk}" in row.inner_text() and WORDS[language]["dispute"] in row.inner_text()
    desk.screenshot(path=str(shots / f"funnel-{language}-3-register.png"), full_page=True)

    # Counted again: the link opened, the cardholder verified and their dispute move the funnel.
    funnel_counted(previous=SelfServiceCount.objects.get().refreshed_at)
    desk.goto(f"{live_server.url}/dashboards/selfservice/")
    assert funnel_counts(desk) == [1, 1, 1, 0, 0, 1, 0]
    desk.screenshot(path=str(shots / f"funnel-{language}-4-moved.png"), full_page=True)
    assert desk.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    desk.context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_sms_opt_out_leaves_the_next_pass_no_sms_to_plan(phone, outbox, team, agent, time_machine, shots,
                                                            language):
    time_machine.move_to(WORKDAY, tick=True)
    # 3 days late: the reminder tier texts every 5 days.
    case, link = a_cardholder_texted(language, outbox, team, agent, dpd=3)
    ScheduledContact.objects.filter(case=case).delete()
    verified(phone, link, outbox, shots, f"my-optout-{language}")
    phone.locator("a[href='/my/preferences/']").click()
    phone.locator("input[name=no_sms]").check()
    phone.screenshot(path=str(shots / f"my-optout-{language}-3-preferences.png"), full_page=True)
    phone.locator("main form button[type=submit]").click()
    phone.get_by_text("saved" if language == "en" else "已保存").first.wait_for()
    # Another cardholder, as late, who said nothing: the same pass texts them.
    other = CaseFactory(account=AccountFactory(customer=CustomerFactory()), stage=Stage.CONTACT, assigned_team=team,
                        overdue_since=case.overdue_since, principal_overdue=Decimal("8000.00"))
    texted_before = outbox.read_text(encoding="utf-8").count(case.account.customer.phone)
    pass_day = WORKDAY + dt.timedelta(days=5)
    escalation_pass_run(as_of=pass_day)
    assert ScheduledContact.objects.filter(case=other, channel=Channel.SMS, status=ContactStatus.SCHEDULED).exists()
    assert not ScheduledContact.objects.filter(case=case, channel=Channel.SMS, status=ContactStatus.SCHEDULED).exists()
    # And what falls due that morning goes out: a text to the other cardholder, none to this one.
    for contact_id in contacts_due_for_delivery(at=pass_day + dt.timedelta(hours=1)):
        contact_deliver(contact_id=contact_id, at=pass_day + dt.timedelta(hours=1))
    sent = [json.loads(line)["to"] for line in outbox.read_text(encoding="utf-8").strip().splitlines()]
    assert other.account.customer.phone in sent
    assert sent.count(case.account.customer.phone) == texted_before


@pytest.mark.parametrize("language", LANGUAGES)
def test_from_the_sms_link_the_cardholder_chooses_a_plan_and_staff_see_it_active(
        phone, page, outbox, team, agent, manager, time_machine, shots, language):
    time_machine.move_to(WORKDAY, tick=True)
    offers_publish(actor=manager, offers=[offer("six-months"), offer("twelve-months", months=12,
                                                                     waive_charges_percent=Decimal("50"),
                                                                     deferral_days=30),
                                          settlement("seventy-percent")],
                   effective_from=WORKDAY - dt.timedelta(days=30))
    case, link = a_cardholder_texted(language, outbox, team, agent)
    verified(phone, link, outbox, shots, f"my-plan-{language}")
    phone.locator(f"a[href='/my/case/{case.pk}/']").click()
    phone.locator(f"a[href='/my/case/{case.pk}/plans/']").click()
    assert phone.locator(".my-offer").count() == 3
    phone.screenshot(path=str(shots / f"my-plan-{language}-3-offers.png"), full_page=True)
    # The offers as the page lists them, in the policy's order: the second is twelve months.
    phone.locator(".my-offer").nth(1).get_by_role("link").click()
    phone.screenshot(path=str(shots / f"my-plan-{language}-4-agreement.png"), full_page=True)
    phone.locator("button[name=action][value=send]").click()
    phone.locator("input[name=code]").wait_for()
    code = re.search(r"\d{6}", last_sms(outbox)["body"]).group(0)
    phone.locator("input[name=code]").fill(code)
    phone.screenshot(path=str(shots / f"my-plan-{language}-5-code.png"), full_page=True)
    phone.locator("main form button[type=submit]").first.click()
    phone.get_by_text(WORDS[language]["agreed"]).first.wait_for()
    phone.screenshot(path=str(shots / f"my-plan-{language}-6-agreed.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    plan = RepaymentPlan.objects.get(case=case)
    assert plan.status == PlanStatus.ACTIVE and plan.instalment_count == 12
    assert plan.approval_kind == ApprovalKind.PRE_APPROVED_OFFER and plan.decided_by == manager
    # The agreement opens from the cardholder's page.
    base = phone.url.split("/my/")[0]
    assert phone.request.get(f"{base}/my/case/{case.pk}/agreement/{plan.pk}/").body()[:4] == b"%PDF"
    # The agent who holds the case sees the plan active, pre-approved, on the case page.
    speak(language, agent)
    sign_in(page, base, "agent")
    page.goto(f"{base}/cases/{case.pk}/")
    panel = page.locator("#negotiation-panel").inner_text()
    assert WORDS[language]["active"] in panel and WORDS[language]["pre_approved"] in panel
    page.locator("#negotiation-panel").screenshot(path=str(shots / f"my-plan-{language}-7-staff-case.png"))
