"""Journeys cross apps the way a working day does, in Debian's Chromium on PostgreSQL.

They use the browser fixtures of tests/browsers.py. Run with UPDATE_SCREENSHOTS=1 to write their
screenshots into docs/screenshots/ (otherwise they go to a temporary folder).
"""

import os
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def shots(tmp_path):
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder
