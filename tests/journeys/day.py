"""What every journey does: sign in, speak a language, take a picture in both, run the morning's background
work on the real worker, and read a row of the queue."""

import datetime as dt
from zoneinfo import ZoneInfo

from collections_portal.celery import app as celery_app
from escalation.models import EscalationRun
from staff.models import StaffProfile
from tests.workers import wait_for

SH = ZoneInfo("Asia/Shanghai")
# A Tuesday morning in Shanghai, inside contact hours, and later than any real clock running these tests.
WORKDAY = dt.datetime(2030, 3, 5, 10, 0, tzinfo=SH)
PASSWORD = "correct-horse-battery"
PHONE = {"width": 390, "height": 844}
LANGUAGES = ("en", "zh-hans")


def sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    """By the fields' names, so that it reads the same in both languages."""
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{base}/")


def sign_in_with_code(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in as staff who must use two factors (an agency's): a confirmed authenticator, then its code."""
    from django.contrib.auth import get_user_model
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username=username)
    device = (TOTPDevice.objects.filter(user=user, confirmed=True).first()
              or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True))
    # A code is accepted once; each sign-in of a journey is a new one.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{base}/accounts/verify/**")
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    page.locator("input[name=code]").fill(f"{token:0{device.digits}d}")
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(f"{base}/")


def speak(language: str, *users) -> None:
    StaffProfile.objects.filter(user__in=users).update(language=language)


def snap(page, shots, name: str, *users) -> None:
    """The page as it stands, then the same address in the other language, as `{name}-{language}.png`.

    The page's own language is pictured first, with the message the last action left; the users are then
    given back their language and the page is shown again in it.
    """
    own = page.locator("html").get_attribute("lang")
    page.screenshot(path=str(shots / f"{name}-{own}.png"), full_page=True)
    other = next(language for language in LANGUAGES if language != own)
    speak(other, *users)
    try:
        page.goto(page.url)
        assert page.locator("html").get_attribute("lang") == other
        page.screenshot(path=str(shots / f"{name}-{other}.png"), full_page=True)
    finally:
        speak(own, *users)
    page.goto(page.url)


def escalation_pass_on_worker() -> EscalationRun:
    """The periodic pass as beat sends it, worked by the real worker; returns its run once every chunk is done."""
    before = EscalationRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    celery_app.send_task("escalation.pass")

    def finished():
        run = EscalationRun.objects.filter(pk__gt=before).order_by("-pk").first()
        return run is not None and run.chunks.filter(finished_at__isnull=False).count() == run.chunks_total

    assert wait_for(finished), "the escalation pass did not finish on the worker"
    return EscalationRun.objects.filter(pk__gt=before).order_by("-pk").first()


def task_on_worker(name: str, *, until) -> None:
    """Send a periodic task as beat does and wait until the real worker has done what `until` checks."""
    celery_app.send_task(name)
    assert wait_for(until), f"{name} did not do its work on the worker"


def queue_row(page, case_pk: int):
    return page.locator("table.queue tbody tr").filter(has=page.locator(f"a[href='/cases/{case_pk}/']"))
