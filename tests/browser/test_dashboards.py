"""A supervisor's dashboards in the browser: charts drawn from data, and a CSV download matching its table."""

import csv
import io
import os
from pathlib import Path

import pytest

from staff.models import StaffProfile
from tests.browser.conftest import login
from tests.dashboards.conftest import october  # noqa: F401  (the hand-built October portfolio)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("october")]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_a_supervisor_sees_charts_and_downloads_the_table_as_csv(page, live_server, supervisor, tmp_path):
    StaffProfile.objects.filter(user=supervisor).update(language="en")
    login(page, live_server, "supervisor")
    page.get_by_role("link", name="Dashboards").click()
    page.get_by_role("link", name="Flow").click()
    page.get_by_label("From").fill("2026-10-01")
    page.get_by_label("To").fill("2026-10-31")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("heading", name="Roll rates, month on month").wait_for()

    for code in ("roll_rates", "recovery_week", "recovery_month"):
        canvas = page.locator(f"#chart-{code}")
        canvas.wait_for()
        assert int(canvas.get_attribute("data-drawn")) > 0
        # Drawn: the canvas holds non-blank pixels.
        assert page.evaluate(f"""() => {{
            const c = document.getElementById('chart-{code}');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            return d.some((v, i) => i % 4 === 3 && v !== 0);
        }}""")

    section = page.locator("section[data-table='recovery_month']")
    shown = [[cell.strip() for cell in row.locator("td").all_inner_texts()]
             for row in section.locator("tbody tr").all()]
    with page.expect_download() as download:
        section.get_by_role("link", name="Download CSV").click()
    path = tmp_path / "recovery.csv"
    download.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[1:] == shown == [["2026-10-01", "3200.00", "6000.00", "53.33%"]]

    if os.environ.get("UPDATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "dashboard-flow-en.png"), full_page=True)
