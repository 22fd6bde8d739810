"""Journeys cross apps the way a working day does, in Debian's Chromium on PostgreSQL.

They reuse the browser fixtures of tests/browser. Run with UPDATE_SCREENSHOTS=1 to write their
screenshots into docs/screenshots/ (otherwise they go to a temporary folder).
"""

import os
from pathlib import Path

import pytest

from tests.browser.conftest import browser, page  # noqa: F401 - the fixtures, shared

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def shots(tmp_path):
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder
